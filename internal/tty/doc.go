// Package tty asks the person at the controlling terminal a question: the
// MFA code an assumed role needs. It never uses standard input or output,
// which belong to docker (the credential-helper protocol) and to the
// kubelet; it opens the terminal itself, /dev/tty on unix and the console
// (CONIN$, CONOUT$) on Windows.
//
// With no controlling terminal (CI, a daemon, a GUI that execs docker)
// Prompt fails at once with ErrNoTerminal, so that the caller can say
// which command to run from a terminal instead of waiting out its deadline.
package tty
