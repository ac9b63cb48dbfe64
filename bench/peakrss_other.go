//go:build !linux

package main

import (
	"errors"
	"os"
)

// peakRSS needs ptrace and /proc; see peakrss_linux.go.
func peakRSS(path string, args, env []string, stdin, stdout, stderr *os.File) (map[string]int, int, error) {
	return nil, 0, errors.New("peak RSS is measured on Linux only")
}
