package fetchcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// FuzzReadRequest feeds arbitrary bytes to `ecrlogin fetch`'s request
// reader. Invariants: no panic; an accepted request names a server URL;
// and it survives a round trip: encoding it and reading that back gives
// the same encoding (the client writes what the server reads).
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(`{"serverURL":"111122223333.dkr.ecr.us-east-1.amazonaws.com","selection":{},"deadline":"2026-12-01T12:00:00Z"}`))
	f.Add([]byte(`{"serverURL":"public.ecr.aws","selection":{"profile":"prod","roleARN":"arn:aws:iam::1:role/r"}}`))
	f.Add([]byte(`{"serverURL":""}`))
	f.Add([]byte(`{"serverURL":"h","deadline":"not a time"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := readRequest(bytes.NewReader(data))
		if err != nil {
			return
		}
		if req.ServerURL == "" {
			t.Fatalf("accepted a request without a server URL: %q", data)
		}
		enc, err := json.Marshal(req)
		if err != nil {
			// A time outside what RFC 3339 holds (year > 9999) decodes
			// but does not encode; the client never writes one.
			return
		}
		again, err := readRequest(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("readRequest(%s) = %v; want what was encoded", enc, err)
		}
		if enc2, _ := json.Marshal(again); !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip changed the request:\n %s\n %s", enc, enc2)
		}
	})
}

// FuzzDecodeReply feeds arbitrary child output, with either exit, to the
// front's reply decoder. Invariants: no panic; exactly one of a token and
// an error; a token only from a child that exited 0 and with a secret
// that came in the reply; every error an *ecr.Error naming the host, on
// one line.
func FuzzDecodeReply(f *testing.F) {
	f.Add([]byte(`{"token":{"username":"AWS","secret":"s","expiresAt":"2026-12-01T12:00:00Z"}}`), false)
	f.Add([]byte(`{"error":{"host":"h","code":"AccessDeniedException","message":"m"}}`), true)
	f.Add([]byte(`{"token":{},"error":{}}`), false)
	f.Add([]byte(`{"token":null}`), false)
	f.Add([]byte("panic: runtime error\ngoroutine 1"), true)
	f.Add([]byte{}, true)
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	f.Fuzz(func(t *testing.T, out []byte, failed bool) {
		var runErr error
		if failed {
			runErr = errors.New("exit status 1")
		}
		tok, err := decodeReply(context.Background(), host, "/bin/ecrlogin", out, runErr)
		if err == nil {
			if failed {
				t.Fatalf("a token from a child that failed: %q", out)
			}
			if tok.Secret != "" && !bytes.Contains(out, []byte(tok.Secret)) && !strings.Contains(string(out), `\`) {
				t.Fatalf("token secret %q is not in the reply %q", tok.Secret, out)
			}
			return
		}
		if tok != (ecr.Token{}) {
			t.Fatalf("both a token %+v and an error %v", tok, err)
		}
		var e *ecr.Error
		if !errors.As(err, &e) || strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error %q (%T) is not a one-line *ecr.Error", err, err)
		}
	})
}
