// Package scripttest is the one testscript harness for the exec'd-binary
// tests of both commands: every script gets freshly built binaries on
// PATH, its own fake AWS (internal/fakeaws) on loopback, its own HOME,
// cache directory and DOCKER_CONFIG, static example AWS keys, and nothing
// from the machine's own AWS or docker setup. It also holds the script
// commands the suites share (calls, fault, signedby, mode, bigfile,
// nofilewith, lacks). Test support only: no command links it.
package scripttest
