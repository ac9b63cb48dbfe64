package main

import (
	"os"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/scripttest"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// TestScripts runs the .txtar scripts in testdata/script against the real,
// freshly built binaries, the way docker execs them, each with its own
// fake AWS, HOME and cache (see package scripttest for the environment and
// the script commands).
func TestScripts(t *testing.T) {
	scripttest.Run(t, "testdata/script", nil)
}
