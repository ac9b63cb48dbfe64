//go:build !unix && !windows

package tty

// open reports that there is no terminal: the platform (wasm, plan9) has
// none this package knows how to open.
func open() (*terminal, error) { return nil, ErrNoTerminal }
