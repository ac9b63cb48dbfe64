package fetchcmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

// TestRoundTrip serves each kind of answer with Serve and decodes what it
// wrote the way the front's Client does: what crosses the boundary is the
// token, or the error's text and the sentinel its code stands for.
func TestRoundTrip(t *testing.T) {
	expires := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		tok      ecr.Token
		err      error
		exit     int
		sentinel error
	}{
		{name: "token", tok: ecr.Token{Username: "AWS", Secret: "s3cr3t", ExpiresAt: expires}},
		{name: "access denied", err: &ecr.Error{Host: host, Code: "AccessDeniedException", Message: "not allowed", Source: "profile \"p\"", Err: errors.New("cause")}, exit: 1, sentinel: ecr.ErrAccessDenied},
		{name: "no credentials", err: &ecr.Error{Host: host, Code: ecr.CodeNoCredentials, Message: "no AWS credentials found"}, exit: 1, sentinel: ecr.ErrNoCredentials},
		{name: "timeout", err: &ecr.Error{Host: host, Code: ecr.CodeTimeout, Message: "timed out"}, exit: 1, sentinel: ecr.ErrTimeout},
		{name: "plain error", err: errors.New("something broke"), exit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			f := ecr.FetcherFunc(func(_ context.Context, req ecr.FetchRequest) (ecr.Token, error) {
				if req.ServerURL != host || req.Selection.Profile != "p" {
					t.Errorf("Serve passed request %+v", req)
				}
				return tt.tok, tt.err
			})
			in := `{"serverURL":"` + host + `","selection":{"profile":"p"}}`
			if got := Serve(context.Background(), f, strings.NewReader(in), &out, &errOut); got != tt.exit {
				t.Errorf("Serve exit = %d, want %d", got, tt.exit)
			}
			var runErr error
			if tt.exit != 0 {
				runErr = errors.New("exit status 1")
			}
			tok, err := decodeReply(context.Background(), host, "ecrlogin", out.Bytes(), runErr)
			if tt.err == nil {
				if err != nil || tok != tt.tok {
					t.Errorf("round trip = %+v, %v; want %+v", tok, err, tt.tok)
				}
				return
			}
			if err == nil || err.Error() != errText(tt.err) {
				t.Errorf("round trip error = %v, want %q", err, errText(tt.err))
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false after the round trip", err, tt.sentinel)
			}
			if strings.Contains(errOut.String(), "s3cr3t") {
				t.Errorf("stderr holds the secret: %q", errOut.String())
			}
		})
	}
}

// errText is what the front shows for an error the child replied with:
// an *ecr.Error as it is, anything else as a message for the host.
func errText(err error) string {
	var e *ecr.Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return (&ecr.Error{Host: host, Message: err.Error()}).Error()
}

func TestServeRejectsBadRequests(t *testing.T) {
	for _, in := range []string{"", "hello", `{"selection":{}}`, strings.Repeat("x", maxRequest+1)} {
		var out bytes.Buffer
		f := ecr.FetcherFunc(func(context.Context, ecr.FetchRequest) (ecr.Token, error) {
			t.Errorf("Serve(%.20q) fetched", in)
			return ecr.Token{}, nil
		})
		if got := Serve(context.Background(), f, strings.NewReader(in), &out, &out); got != 1 {
			t.Errorf("Serve(%.20q) exit = %d, want 1", in, got)
		}
		if !strings.Contains(out.String(), `"message":"fetch: `) {
			t.Errorf("Serve(%.20q) wrote %q; want an error reply", in, out.String())
		}
	}
}

// TestClientConcurrentUse shares one Client between goroutines, as the
// library and a Helper shared by goroutines do. The binary is looked up
// once, on first use, and -race catches any unguarded write (the lookup
// used to write the Path field inside Fetch).
func TestClientConcurrentUse(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in child is a shell script")
	}
	script := filepath.Join(t.TempDir(), "ecrlogin")
	reply := `{"token":{"username":"AWS","secret":"pw","expiresAt":"2030-01-01T00:00:00Z"}}`
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat >/dev/null\necho '"+reply+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var lookups int
	var mu sync.Mutex
	c := &Client{lookPath: func() (string, error) {
		mu.Lock()
		lookups++
		mu.Unlock()
		return script, nil
	}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			tok, err := c.Fetch(context.Background(), ecr.FetchRequest{ServerURL: host})
			if err != nil || tok.Secret != "pw" {
				t.Errorf("Fetch = %+v, %v", tok, err)
			}
		})
	}
	wg.Wait()
	if lookups != 1 {
		t.Errorf("the binary was looked up %d times, want once", lookups)
	}
}

func TestClientToolMissing(t *testing.T) {
	c := &Client{lookPath: func() (string, error) { return "", ErrToolMissing }}
	_, err := c.Fetch(context.Background(), ecr.FetchRequest{ServerURL: host})
	if !errors.Is(err, ErrToolMissing) || !strings.HasPrefix(err.Error(), host+": cannot find the ecrlogin binary") {
		t.Errorf("Fetch with no ecrlogin = %v; want ErrToolMissing naming the host", err)
	}
}
