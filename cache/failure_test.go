package cache

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
)

// TestSharedFailure: a failure the lock holder records is the answer of
// the callers already waiting for it, and of no one else: not of a caller
// that started waiting after it was recorded, and not once it is older
// than FailureLifetime. The clock is injected, so "later" is exact.
func TestSharedFailure(t *testing.T) {
	skipIfLockExcludesNothing(t)
	denied := Failure{Code: "AccessDeniedException", Message: "not authorized", Source: "environment", Hint: "check the policy"}
	stale := Entry{ServerURL: "h", Username: "AWS", Secret: "old", FetchedAt: t0.Add(-7 * time.Hour), ExpiresAt: t0.Add(5 * time.Hour)}
	tests := []struct {
		name string
		// before runs with the lock held, before the waiter starts;
		// during, once the waiter is waiting.
		before, during func(t *testing.T, c *Cache, clk *testclock.Clock, key string)
		shared         bool   // the waiter gets the failure; else it waits on until its deadline
		secret         string // what the shared entry carries beside the failure
	}{
		{
			name: "recorded while waiting",
			during: func(t *testing.T, c *Cache, clk *testclock.Clock, key string) {
				clk.Advance(time.Second)
				mustPutFailure(t, c, key, denied)
			},
			shared: true,
		},
		{
			name:   "recorded while waiting, beside a usable token",
			before: func(t *testing.T, c *Cache, _ *testclock.Clock, key string) { mustPut(t, c, key, stale) },
			during: func(t *testing.T, c *Cache, _ *testclock.Clock, key string) { mustPutFailure(t, c, key, denied) },
			shared: true,
			secret: "old",
		},
		{
			name: "recorded before the waiter started",
			before: func(t *testing.T, c *Cache, clk *testclock.Clock, key string) {
				mustPutFailure(t, c, key, denied)
				clk.Advance(time.Millisecond)
			},
		},
		{
			name: "older than FailureLifetime when seen",
			during: func(t *testing.T, c *Cache, clk *testclock.Clock, key string) {
				f := denied
				f.At = clk.Now() // after the waiter started...
				clk.Advance(FailureLifetime + time.Millisecond)
				mustPutFailure(t, c, key, f) // ...but too old by the time it can see it
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New(t0)
			c, _ := openTestCache(t, Options{Now: clk.Now})
			waiting := make(chan struct{}, 1)
			c.lockHook = func(event string) {
				if event == "busy" {
					select {
					case waiting <- struct{}{}:
					default:
					}
				}
			}
			key := Key("shared failure", tt.name)
			release, err := c.Lock(context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if tt.before != nil {
				tt.before(t, c, clk, key)
			}
			type result struct {
				unlock func()
				e      *Entry
				err    error
			}
			done := make(chan result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				u, e, err := c.LockOrFresh(ctx, key)
				done <- result{u, e, err}
			}()
			<-waiting
			if tt.during != nil {
				tt.during(t, c, clk, key)
			}
			r := <-done
			switch {
			case tt.shared && (r.err != nil || r.unlock != nil || r.e == nil || r.e.Failure == nil):
				t.Fatalf("LockOrFresh = lock %v, %+v, %v; want the shared failure and no lock", r.unlock != nil, r.e, r.err)
			case tt.shared && (r.e.Failure.Code != denied.Code || r.e.Failure.Message != denied.Message ||
				r.e.Failure.Source != denied.Source || r.e.Failure.Hint != denied.Hint || r.e.Secret != tt.secret):
				t.Errorf("shared entry = %+v (failure %+v), want failure %+v and secret %q", r.e, r.e.Failure, denied, tt.secret)
			case !tt.shared && (!errors.Is(r.err, context.DeadlineExceeded) || r.e != nil):
				t.Errorf("LockOrFresh = %+v, %v; want to wait on until the deadline", r.e, r.err)
			}
		})
	}
}

// TestSharedFailureAfterRelease: a holder that records its failure and
// releases the lock at once still has its failure taken by the waiter,
// which may see the lock free before it sees the record.
func TestSharedFailureAfterRelease(t *testing.T) {
	skipIfLockExcludesNothing(t)
	for i := range 20 {
		c, _ := openTestCache(t, Options{})
		key := Key("after release")
		release, err := c.Lock(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		waiting := make(chan struct{})
		c.lockHook = func(event string) {
			if event == "busy" {
				select {
				case <-waiting:
				default:
					close(waiting)
				}
			}
		}
		done := make(chan *Entry, 1)
		go func() {
			unlock, e, err := c.LockOrFresh(context.Background(), key)
			if err != nil || (e == nil) == (unlock == nil) {
				t.Errorf("LockOrFresh = %v, %v, %v", unlock != nil, e, err)
			}
			if unlock != nil {
				unlock()
			}
			done <- e
		}()
		<-waiting
		mustPutFailure(t, c, key, Failure{Code: "X", Message: "refused"})
		release()
		if e := <-done; e == nil || e.Failure == nil || e.Failure.Code != "X" {
			t.Fatalf("round %d: LockOrFresh after the holder failed and released = %+v; want its failure", i, e)
		}
	}
}

// TestFailureRecord: a failure record rides beside the previous token
// without making it fresh, replaces a NotFound answer, is never a hit or
// listed, is cleared by the next Put, round-trips through the file
// format, and cleanup removes a record with no token.
func TestFailureRecord(t *testing.T) {
	clk := testclock.New(t0)
	c, dir := openTestCache(t, Options{Now: clk.Now})
	key := Key("record")
	f := Failure{At: t0, Code: "C", Message: "m \"quoted\" ünïcode", Source: "s", Hint: "h"}

	mustPutFailure(t, c, key, f)
	e, err := c.Get(key)
	if err != nil || !sameFailure(e.Failure, &f) || e.Secret != "" || e.Fresh(t0) || e.Usable(t0) {
		t.Fatalf("Get(failure only) = %+v, %v; want the failure, no secret, neither fresh nor usable", e, err)
	}
	if l, err := c.List(); err != nil || len(l) != 0 {
		t.Errorf("List = %+v, %v; want nothing for a failure record", l, err)
	}
	again, err := decodeEntry(mustEncode(t, e))
	if err != nil || !sameEntry(e, again) {
		t.Errorf("round trip = %+v, %v; want %+v", again, err, e)
	}

	stale := sampleEntry()
	stale.FetchedAt, stale.ExpiresAt = t0.Add(-8*time.Hour), t0.Add(4*time.Hour)
	mustPut(t, c, key, stale)
	mustPutFailure(t, c, key, f)
	if e, err := c.Get(key); err != nil || e.Secret != stale.Secret || e.Failure == nil || !e.Usable(t0) {
		t.Errorf("Get(token + failure) = %+v, %v; want the token kept beside the failure", e, err)
	}

	mustPut(t, c, key, Entry{ServerURL: "h", FetchedAt: t0, ExpiresAt: t0.Add(time.Hour), NotFound: true})
	mustPutFailure(t, c, key, f)
	if e, err := c.Get(key); err != nil || e.NotFound || e.Failure == nil {
		t.Errorf("Get(not found + failure) = %+v, %v; want the failure alone", e, err)
	}

	mustPut(t, c, key, sampleEntry())
	if e, err := c.Get(key); err != nil || e.Failure != nil {
		t.Errorf("Get after a successful Put = %+v, %v; want no failure", e, err)
	}

	// An entry written before failure records existed reads as before.
	writeRaw(t, dir, key+entrySuffix, []byte(`{"v":1,"user":"AWS","secret":"s","fetched_ms":1,"expires_ms":2}`+"\n"), time.Time{})
	if e, err := c.Get(key); err != nil || e.Secret != "s" || e.Failure != nil {
		t.Errorf("Get(old entry) = %+v, %v", e, err)
	}

	mustPutFailure(t, c, key, f)
	clk.Advance(cleanupInterval + time.Minute)
	if _, err := c.cleanup(clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(c.path(key, entrySuffix)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cleanup left a failure record: %v", err)
	}
}

func mustPut(t *testing.T, c *Cache, key string, e Entry) {
	t.Helper()
	if err := c.Put(key, e); err != nil {
		t.Fatal(err)
	}
}

func mustPutFailure(t *testing.T, c *Cache, key string, f Failure) {
	t.Helper()
	if err := c.PutFailure(key, f); err != nil {
		t.Fatal(err)
	}
}
