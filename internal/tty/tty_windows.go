//go:build windows

package tty

import (
	"errors"
	"fmt"
	"os"
)

// open opens the process's console. A process without one (a service, a
// GUI program's child) cannot open CONIN$, and fails at once.
func open() (*terminal, error) {
	in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	// Closing the console handle does not end a ReadConsole in progress:
	// Prompt abandons that reader (see its doc).
	return &terminal{in: in, out: out, close: func() error {
		return errors.Join(in.Close(), out.Close())
	}}, nil
}
