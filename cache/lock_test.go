package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func skipIfLockExcludesNothing(t *testing.T) {
	t.Helper()
	if !lockExcludes {
		t.Skip("Lock excludes nothing on this system")
	}
}

// TestLockExcludesGoroutines has goroutines of one process contend for one
// key, some sharing a *Cache and some with their own, while counting how
// many are inside at once.
func TestLockExcludesGoroutines(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	shared, dir := openTestCache(t, Options{})
	key := Key("goroutines")
	var inside, overlaps, total atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		c := shared
		if g%2 == 1 {
			var err error
			if c, err = Open(dir, Options{}); err != nil {
				t.Fatal(err)
			}
		}
		wg.Go(func() {
			for range 5 {
				unlock, err := c.Lock(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				time.Sleep(100 * time.Microsecond)
				inside.Add(-1)
				total.Add(1)
				unlock()
			}
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 || total.Load() != 16*5 {
		t.Errorf("%d of %d critical sections overlapped another", overlaps.Load(), total.Load())
	}
}

func TestLockContextDone(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	c, _ := openTestCache(t, Options{})
	key := Key("ctx")
	unlock, err := c.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	expired, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		want    error
		wantMsg string
	}{
		{"already expired", expired, context.DeadlineExceeded, "timed out waiting for the cache lock"},
		{"short deadline", short, context.DeadlineExceeded, "timed out waiting for the cache lock"},
		{"canceled", canceled, context.Canceled, "gave up waiting for the cache lock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unlock2, err := c.Lock(tt.ctx, key)
			if err == nil {
				unlock2()
				t.Fatalf("Lock of a held key = nil error")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Lock = %v, want an error wrapping %v that says %q", err, tt.want, tt.wantMsg)
			}
		})
	}
}

// TestLockFreeWithDoneContext documents that a free lock is taken even
// when the context is already done: waiting is what the context bounds.
func TestLockFreeWithDoneContext(t *testing.T) {
	t.Parallel()
	c, _ := openTestCache(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unlock, err := c.Lock(ctx, Key("free"))
	if err != nil {
		t.Fatalf("Lock(free, done ctx) = %v", err)
	}
	unlock()
}

func TestUnlockIsIdempotent(t *testing.T) {
	t.Parallel()
	c, _ := openTestCache(t, Options{})
	key := Key("twice")
	unlock, err := c.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	// Someone else takes the lock; a second unlock of the first must not
	// release theirs.
	unlock2, err := c.Lock(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock2()
	unlock()
	if lockExcludes {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if unlock3, err := c.Lock(ctx, key); err == nil {
			unlock3()
			t.Errorf("a second unlock released someone else's lock")
		}
	}
}

func TestLockInvalidKey(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	if unlock, err := c.Lock(context.Background(), "../x"); !errors.Is(err, errInvalidKey) {
		if err == nil {
			unlock()
		}
		t.Errorf("Lock(bad key) = %v, want errInvalidKey", err)
	}
	if exists(filepath.Dir(dir), "x"+lockSuffix) {
		t.Errorf("Lock created a file outside the cache directory")
	}
}

// TestLockUnlinkRace replays the race that removing lock files opens, step
// by step, and checks that the inode check closes it:
//
//  1. A cleaner holds the lock on file A (cleanup locks before removing).
//  2. W opens A and waits for it.
//  3. The cleaner removes A, still holding it.
//  4. X locks the path, which now creates and names file B.
//  5. The cleaner releases A.
//
// W then gets A's lock, but A is no longer the lock file: without the check
// W and X would both hold "the" lock. With it, W notices, moves to B and
// waits for X.
func TestLockUnlinkRace(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	if runtime.GOOS == "windows" {
		t.Skip("Windows cannot remove a file that is open, so step 3, and the race, cannot happen")
	}
	c, dir := openTestCache(t, Options{})
	key := Key("unlink race")
	path := filepath.Join(dir, key+lockSuffix)

	releaseA, err := c.Lock(context.Background(), key) // step 1
	if err != nil {
		t.Fatal(err)
	}

	events := make(chan string, 100)
	w, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.lockHook = func(ev string) { events <- ev }
	wDone := make(chan func())
	go func() { // step 2
		unlock, err := w.Lock(context.Background(), key)
		if err != nil {
			t.Error(err)
		}
		wDone <- unlock
	}()
	if ev := <-events; ev != "busy" {
		t.Fatalf("W's first attempt: %s, want busy", ev)
	}

	if err := os.Remove(path); err != nil { // step 3
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlockX, err := c.Lock(ctx, key) // step 4
	if err != nil {
		t.Fatalf("X: Lock after removal = %v", err)
	}
	releaseA() // step 5

	// W must find its lock stale, then find B busy; it must not get in.
	for sawStale, busyAfterStale := false, false; !busyAfterStale; {
		select {
		case unlock := <-wDone:
			unlock()
			t.Fatal("W acquired the lock while X held it")
		case ev := <-events:
			busyAfterStale = sawStale && ev == "busy"
			sawStale = sawStale || ev == "stale"
		}
	}
	go func() { // keep W's hook from blocking once the test stops listening
		for range events {
		}
	}()
	unlockX()
	unlockW := <-wDone
	close(events)
	defer unlockW()
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("lock file after the race: %v, %v", fi, err)
	}
}

// TestLockWhileReaping has goroutines contend for a key while another
// removes its lock file whenever it is free, as cleanup does. Exclusion
// must hold throughout.
func TestLockWhileReaping(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	c, _ := openTestCache(t, Options{})
	key := Key("reaping")
	stop := make(chan struct{})
	reaped := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				reaped <- n
				return
			default:
			}
			if c.reapLock(key) {
				n++
			}
		}
	}()
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				unlock, err := c.Lock(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				time.Sleep(50 * time.Microsecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("lock file removed %d times during the test", <-reaped)
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d critical sections overlapped another", n)
	}
}

// TestLockOrFresh: a free lock is taken; while another holder keeps it, a
// fresh entry it stores ends the wait without the lock; an entry that is
// not fresh does not; with neither, the wait ends with the context.
func TestLockOrFresh(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	c, _ := openTestCache(t, Options{})
	key := Key("lock or fresh")
	ctx := context.Background()

	unlock, fresh, err := c.LockOrFresh(ctx, key)
	if err != nil || fresh != nil || unlock == nil {
		t.Fatalf("LockOrFresh(free lock) = %v, %v, %v; want the lock", unlock != nil, fresh, err)
	}
	unlock()

	release, err := c.Lock(ctx, key) // another holder keeps the lock throughout
	if err != nil {
		t.Fatal(err)
	}
	defer release()

	now := time.Now()
	stale := Entry{ServerURL: "h", Username: "AWS", Secret: "old", FetchedAt: now.Add(-7 * time.Hour), ExpiresAt: now.Add(5 * time.Hour)}
	if err := c.Put(key, stale); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, fresh, err := c.LockOrFresh(short, key); !errors.Is(err, context.DeadlineExceeded) || fresh != nil {
		t.Errorf("LockOrFresh(held lock, stale entry) = %v, %v; want to keep waiting until the deadline", fresh, err)
	}

	want := Entry{ServerURL: "h", Username: "AWS", Secret: "new", FetchedAt: now, ExpiresAt: now.Add(12 * time.Hour)}
	go func() {
		time.Sleep(20 * time.Millisecond)
		if err := c.Put(key, want); err != nil {
			t.Error(err)
		}
	}()
	unlock, fresh, err = c.LockOrFresh(ctx, key)
	if err != nil || unlock != nil || fresh == nil || fresh.Secret != want.Secret {
		t.Fatalf("LockOrFresh(held lock, fresh entry arrives) = %v, %+v, %v; want the entry and no lock", unlock != nil, fresh, err)
	}
}
