package tty

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   io.Reader
		want string
		err  error
	}{
		{"line", strings.NewReader("123456\n"), "123456", nil},
		{"crlf and spaces", strings.NewReader("  123456 \r\nrest\n"), "123456", nil},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader("654321\n")), "654321", nil},
		{"eof after text", strings.NewReader("123456"), "123456", nil},
		{"eof at once", strings.NewReader(""), "", io.ErrUnexpectedEOF},
		{"too long", strings.NewReader(strings.Repeat("1", maxAnswer+1)), "", errTooLong},
		{"read error", iotest.ErrReader(io.ErrClosedPipe), "", io.ErrClosedPipe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readLine(tc.in)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("readLine = %q, %v, want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestPromptCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := Prompt(ctx, "code: "); !errors.Is(err, context.Canceled) {
		t.Errorf("Prompt(cancelled) = %q, %v, want context.Canceled", got, err)
	}
}
