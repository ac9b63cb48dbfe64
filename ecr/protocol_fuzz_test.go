package ecr

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadRequest feeds arbitrary standard input to the request reader.
// Invariants: what it accepts is within MaxInput, valid UTF-8 without NUL,
// trimmed and non-empty, one line when one line is asked for, and reads
// back unchanged (accepting is idempotent).
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte("111122223333.dkr.ecr.us-east-1.amazonaws.com\n"), true)
	f.Add([]byte(`{"ServerURL":"public.ecr.aws","Username":"AWS","Secret":"x"}`), false)
	f.Add([]byte("a\r\nb"), true)
	f.Add([]byte{0, 1, 2}, true)
	f.Add([]byte("  \t\n"), false)
	f.Add([]byte("\xff\xfe"), false)
	f.Fuzz(func(t *testing.T, data []byte, oneLine bool) {
		got, err := readRequest(bytes.NewReader(data), oneLine)
		if err != nil {
			if got != nil || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("readRequest error %q with %q; want one line and nothing accepted", err, got)
			}
			return
		}
		switch {
		case len(got) == 0 || len(got) > MaxInput:
			t.Fatalf("accepted %d bytes", len(got))
		case !utf8.Valid(got) || bytes.IndexByte(got, 0) >= 0:
			t.Fatalf("accepted binary input %q", got)
		case !bytes.Equal(got, bytes.TrimSpace(got)):
			t.Fatalf("accepted untrimmed %q", got)
		case oneLine && bytes.ContainsAny(got, "\r\n"):
			t.Fatalf("accepted several lines %q for a one-line request", got)
		}
		again, err := readRequest(bytes.NewReader(got), oneLine)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("readRequest(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

// refusingFetcher fails every fetch at once, so the fuzzer exercises
// everything up to the network and nothing beyond.
type refusingFetcher struct{}

func (refusingFetcher) Fetch(ctx context.Context, req FetchRequest) (Token, error) {
	return Token{}, &Error{Host: req.ServerURL, Code: "AccessDeniedException", Message: "refused\nby the fuzz test"}
}

// FuzzServe feeds arbitrary standard input to each action that reads it,
// as docker would, with no cache and a fetcher that refuses. Invariants:
// no panic; the exit status is 0 or 1; a failure is exactly one line on
// stdout (the protocol's error channel) and at most one on stderr; a get
// never succeeds (there is no token to give); stdout is valid UTF-8, so
// untrusted input is never echoed raw.
func FuzzServe(f *testing.F) {
	for _, a := range []string{"get", "erase", "store"} {
		f.Add(a, []byte("111122223333.dkr.ecr.us-east-1.amazonaws.com"))
		f.Add(a, []byte("https://public.ecr.aws/v2/"))
		f.Add(a, []byte("docker.io"))
		f.Add(a, []byte(`{"ServerURL":"111122223333.dkr.ecr.us-east-1.amazonaws.com","Username":"AWS","Secret":"eyJ4Ijo"}`))
		f.Add(a, []byte(`{"ServerURL":1}`))
	}
	f.Fuzz(func(t *testing.T, action string, data []byte) {
		switch action {
		case "get", "erase", "store":
		default:
			action = []string{"get", "erase", "store"}[len(action)%3]
		}
		h := &Helper{Fetcher: refusingFetcher{}}
		var out, errOut bytes.Buffer
		code := Serve(context.Background(), h, action, bytes.NewReader(data), &out, &errOut)
		switch {
		case code != 0 && code != 1:
			t.Fatalf("%s: exit %d", action, code)
		case action == "get" && code == 0:
			t.Fatalf("get succeeded with a refusing fetcher: %q", out.String())
		case code == 1 && (strings.Count(out.String(), "\n") != 1 || !strings.HasSuffix(out.String(), "\n")):
			t.Fatalf("%s: failure printed %q on stdout; want one line", action, out.String())
		case strings.Count(errOut.String(), "\n") > 1:
			t.Fatalf("%s: stderr %q; want at most one line", action, errOut.String())
		}
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("%s: stdout is not UTF-8 (untrusted input echoed raw): %q", action, out.String())
		}
	})
}
