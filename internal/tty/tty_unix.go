//go:build unix

package tty

import (
	"fmt"
	"os"
)

// open opens /dev/tty, the process's controlling terminal whatever its
// standard streams are. Without one the open fails at once (ENXIO).
func open() (*terminal, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	// A terminal can be polled on Linux and the BSDs, so os.File's Close
	// wakes a Read blocked in another goroutine.
	return &terminal{in: f, out: f, close: f.Close}, nil
}
