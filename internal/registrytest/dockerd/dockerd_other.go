//go:build !linux

package dockerd

import (
	"context"
	"errors"
	"os"
)

var sigterm = os.Interrupt

var errNotLinux = errors.New("a private engine needs Linux mount namespaces")

// Available reports why a private engine cannot run here: it needs Linux.
func Available() error { return errNotLinux }

// Start fails: a private engine needs Linux.
func Start(ctx context.Context, cfg Config) (*Daemon, error) { return nil, errNotLinux }
