package ecr_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestSharedFailureKeepsStaleToken: goroutines waiting on a refresh that
// ECR refuses share the refusal (one call between them) and, like the
// holder, each serve the cached token that is still usable, with the
// warning, rather than fail.
func TestSharedFailureKeepsStaleToken(t *testing.T) {
	r := newRig(t, 0)
	first, err := r.get(t)
	if err != nil {
		t.Fatal(err)
	}
	warn := &lockedBuffer{}
	r.h.Warn = warn                            // written by 8 goroutines at once, as stderr is
	r.clock.Advance(6*time.Hour + time.Minute) // past half-life: every get refreshes
	denied := fakeaws.AccessDenied()
	denied.Delay = 300 * time.Millisecond // all arrive while the refresh is in flight
	r.fake.SetFault("GetAuthorizationToken", denied)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tok, err := r.h.Get(context.Background(), host)
			if err != nil || tok.Secret != first.Secret {
				t.Errorf("Get during a refused refresh = %v (cached token: %t); want the cached token", err, tok.Secret == first.Secret)
			}
		})
	}
	wg.Wait()
	if n := r.calls(); n != 2 {
		t.Errorf("calls = %d, want 2: the first fetch and one refused refresh shared by all 8", n)
	}
	if w := warn.String(); strings.Count(w, "could not refresh the token") != 8 || !strings.Contains(w, "AccessDeniedException") {
		t.Errorf("warnings = %q; want one per get, naming AccessDeniedException", w)
	}
}

// TestTimeoutIsNotShared: a holder that gives up at its own deadline does
// not hand its timeout to a waiter with a longer one; the waiter takes the
// lock and fetches for itself.
func TestTimeoutIsNotShared(t *testing.T) {
	r := newRig(t, 0)
	hang := fakeaws.Hang()
	hang.Times = 1
	r.fake.SetFault("GetAuthorizationToken", hang)
	holder := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err := r.h.Get(ctx, host)
		holder <- err
	}()
	for r.calls() == 0 {
		time.Sleep(5 * time.Millisecond) // the holder has the lock once ECR has its call
	}
	tok, err := r.get(t)
	if err != nil || tok.Secret == "" {
		t.Errorf("waiter Get = %v; want a token of its own fetch", err)
	}
	if err := <-holder; !errors.Is(err, ecr.ErrTimeout) {
		t.Errorf("holder Get = %v; want its timeout", err)
	}
	if n := r.calls(); n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
