package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Lock polls with a backoff that starts short, because the usual holder is
// a sibling process about to finish a token fetch, and is capped low, so a
// waiter notices a release within a few milliseconds.
const (
	minLockBackoff = time.Millisecond
	maxLockBackoff = 10 * time.Millisecond
)

// Lock takes the exclusive lock for key, waiting until it is free or ctx is
// done, and returns the function that releases it. unlock is safe to call
// more than once. If ctx ends first, the error wraps ctx.Err().
//
// The lock excludes every other holder of the same key: other processes
// (flock on the separate file "<key>.lock") and other goroutines of this
// process, whether they use this *Cache or another. A holder that dies
// releases the lock with its last descriptor, so a crash cannot wedge the
// cache. Readers (Get) never need it; it serves to let one process refresh
// a token while others wait for the result.
//
// Lock files are only ever removed by someone holding them (cleanup, in
// Put). Lock guards against the race that leaves: a waiter that opened the
// file just before it was removed would lock the removed file while a new
// holder locks its replacement. So after locking, Lock checks that the path
// still names the file it locked, and starts again if not. Removing a lock
// file by other means while it is held voids the exclusion, as for any
// lock file.
//
// If the lock is free, Lock takes it even if ctx is already done. It is
// flock on unix and LockFileEx on Windows; only on systems with neither
// (plan9, wasm, AIX, Solaris) does Lock exclude nothing (see
// lock_other.go).
func (c *Cache) Lock(ctx context.Context, key string) (unlock func(), err error) {
	unlock, _, err = c.lock(ctx, key, false)
	return unlock, err
}

// LockOrFresh is Lock for a process about to refresh key's entry: it takes
// the lock, unless while it waits the holder it waits for settles the
// question, in which case it returns that entry and no lock (unlock is
// nil). The holder settles it either way:
//
//   - by storing a fresh entry (Put): entry is Fresh;
//   - by recording that its refresh failed (PutFailure): entry.Failure is
//     set, and entry holds the previous credentials, if any.
//
// So when many processes start cold together, the losers finish as soon
// as the winner's token lands, or its refusal, instead of taking the lock
// one after another to find the token there or to be refused in turn. A
// failure is shared only with callers that were already waiting when it
// was recorded, and for at most FailureLifetime: a caller that starts
// after it takes the lock and tries again. A nil Cache, which has nothing
// to wait for, returns a no-op unlock.
//
// Its only error is the end of ctx while another holder has the lock. A
// lock that cannot be taken at all (a read-only directory or file system,
// a lock file that cannot be created or locked) is the cache being
// unusable for writing, not a reason to fail: LockOrFresh logs that (see
// Cache.degraded) and returns a no-op unlock, and the caller refreshes
// without the lock, as it would uncached.
func (c *Cache) LockOrFresh(ctx context.Context, key string) (unlock func(), fresh *Entry, err error) {
	unlock, fresh, err = c.lock(ctx, key, true)
	var ue *unusableError
	if errors.As(err, &ue) {
		c.degraded("lock", key, ue.err)
		return func() {}, nil, nil
	}
	return unlock, fresh, err
}

// unusableError is a lock that could not be taken for a reason other
// than another holder: the lock file could not be opened or locked.
type unusableError struct{ err error }

func (e *unusableError) Error() string { return "lock cache entry: " + e.err.Error() }
func (e *unusableError) Unwrap() error { return e.err }

// lock takes key's lock; with orFresh it also looks for a fresh entry
// after each busy attempt and returns it instead.
func (c *Cache) lock(ctx context.Context, key string, orFresh bool) (unlock func(), fresh *Entry, err error) {
	if c == nil {
		return func() {}, nil, nil
	}
	if err := checkKey(key); err != nil {
		return nil, nil, fmt.Errorf("lock cache entry: %w", err)
	}
	path := c.path(key, lockSuffix)
	var f *os.File
	defer func() {
		if err != nil && f != nil {
			f.Close()
		}
	}()
	backoff := minLockBackoff
	var timer *time.Timer
	// since is when this caller began waiting: only a failure recorded
	// after it comes from a holder it waited for.
	since, waited := c.now(), false
	for {
		if f == nil {
			if f, err = openLockFile(path); err != nil {
				return nil, nil, &unusableError{err}
			}
		}
		state, err := lockIfCurrent(f, path)
		if err != nil {
			return nil, nil, &unusableError{err}
		}
		switch state {
		case lockHeld:
			unlock := unlocker(f)
			if orFresh && waited {
				// The holder may have recorded its failure and released
				// the lock between our last look and this attempt.
				if e, err := c.Get(key); err == nil && e.sharedWith(since, c.now()) {
					unlock()
					return nil, &e, nil
				}
			}
			return unlock, nil, nil
		case lockStale:
			// The file was removed under us; lock whatever the path names
			// now, at once: the remover has released it or is about to.
			f.Close()
			f = nil
			c.hook("stale")
			if ctx.Err() != nil {
				return nil, nil, lockWaitError(ctx)
			}
			continue
		}
		c.hook("busy")
		waited = true
		if timer == nil {
			timer = time.NewTimer(backoff)
			defer timer.Stop()
		} else {
			timer.Reset(backoff)
		}
		select {
		case <-ctx.Done():
			return nil, nil, lockWaitError(ctx)
		case <-timer.C:
		}
		if orFresh {
			if e, err := c.Get(key); err == nil && (e.sharedWith(since, c.now()) || e.Fresh(c.now())) {
				f.Close()
				f = nil
				return nil, &e, nil
			}
		}
		backoff = min(2*backoff, maxLockBackoff)
	}
}

// lockWaitError explains why Lock stopped waiting.
func lockWaitError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out waiting for the cache lock: %w", ctx.Err())
	}
	return fmt.Errorf("gave up waiting for the cache lock: %w", ctx.Err())
}

func (c *Cache) hook(event string) {
	if c.lockHook != nil {
		c.lockHook(event)
	}
}

// lockState is the outcome of one attempt to lock a lock file.
type lockState int

const (
	lockBusy  lockState = iota // someone else holds it
	lockHeld                   // we hold it, and it is the file the path names
	lockStale                  // we locked a file that has since been removed; released again
)

// lockIfCurrent makes one non-blocking attempt to lock f, an open of path.
func lockIfCurrent(f *os.File, path string) (lockState, error) {
	ok, err := tryLock(f)
	if err != nil || !ok {
		return lockBusy, err
	}
	if sameFile(f, path) {
		return lockHeld, nil
	}
	unlockFile(f)
	return lockStale, nil
}

// sameFile reports whether path still names the file open as f.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

// openLockFile opens, creating if need be, the lock file at path. Read-only
// is enough for flock, and keeps a lock file that a strict umask created
// without the owner's write bit usable.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|os.O_CREATE|openNoFollow, 0o600)
}

// unlocker returns the idempotent release function for a held lock file.
func unlocker(f *os.File) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			unlockFile(f)
			f.Close()
		})
	}
}

// tryLockKey makes one non-blocking attempt at key's lock, for cleanup,
// which skips whatever is in use rather than wait. ok is false if the lock
// is held or could not be taken.
func (c *Cache) tryLockKey(key string) (unlock func(), ok bool) {
	path := c.path(key, lockSuffix)
	f, err := openLockFile(path)
	if err != nil {
		return nil, false
	}
	if state, err := lockIfCurrent(f, path); err != nil || state != lockHeld {
		f.Close()
		return nil, false
	}
	return unlocker(f), true
}
