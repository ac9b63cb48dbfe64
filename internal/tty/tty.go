package tty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNoTerminal is returned, wrapped, when the process has no controlling
// terminal to ask on.
var ErrNoTerminal = errors.New("no controlling terminal")

// errTooLong is the answer to a line no person types as an MFA code.
var errTooLong = errors.New("answer longer than 1024 bytes")

// maxAnswer bounds the line read.
const maxAnswer = 1024

// terminal is the platform's controlling terminal, opened for one prompt.
type terminal struct {
	in  io.Reader
	out io.Writer
	// close releases the terminal. Where the platform can, it also ends a
	// Read blocked on in (see Prompt).
	close func() error
}

// Prompt writes question to the controlling terminal and reads one line
// from it, returning the line without its line ending or surrounding
// spaces. It fails at once with an error wrapping ErrNoTerminal when there
// is no terminal.
//
// When ctx ends first Prompt returns ctx's error at once and closes the
// terminal. On Linux and the BSDs that ends the blocked read too; where the
// terminal cannot be polled (macOS, the Windows console) the reading
// goroutine is abandoned, holding only the closed file, and ends with the
// next line typed or with the process. Prompt may be called from several
// goroutines, but each call opens the terminal afresh and the answers of
// concurrent calls are not kept apart: callers serialise prompts (the
// cache lock does, across processes).
func Prompt(ctx context.Context, question string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	t, err := open()
	if err != nil {
		return "", err
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1) // buffered: an abandoned reader must not block
	go func() {
		if _, err := io.WriteString(t.out, question); err != nil {
			done <- result{err: fmt.Errorf("write to terminal: %w", err)}
			return
		}
		line, err := readLine(t.in)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		t.close()
		return r.line, r.err
	case <-ctx.Done():
		// End the line the person was typing on, so that what is
		// written next starts on its own.
		io.WriteString(t.out, "\n")
		t.close()
		return "", ctx.Err()
	}
}

// readLine reads up to a newline, one Read at a time: a terminal in
// canonical mode returns a whole line per Read, and nothing after the line
// is wanted.
func readLine(r io.Reader) (string, error) {
	var buf [maxAnswer + 1]byte
	n := 0
	for {
		m, err := r.Read(buf[n:])
		n += m
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return strings.TrimSpace(string(buf[:i])), nil
		}
		if n > maxAnswer {
			return "", errTooLong
		}
		if err == io.EOF {
			if n == 0 {
				return "", fmt.Errorf("read from terminal: %w", io.ErrUnexpectedEOF)
			}
			return strings.TrimSpace(string(buf[:n])), nil
		}
		if err != nil {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
	}
}
