package cache

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// LockFile takes an exclusive lock on the lock file at path (created 0600
// if missing), waiting until it is free or ctx is done, and returns the
// function that releases it. It is for files outside the cache that need
// a read-modify-write under a lock, such as docker's config.json; the
// exclusion is the same as Lock's (flock, safe across processes on a
// local disk; nothing on systems without flock, see lock_other.go).
//
// unlock removes the lock file before releasing it, so nothing is left
// behind. That is safe for the same reason as Lock's cleanup: a waiter
// that opened the removed file notices, once it gets the lock, that path
// no longer names it, and starts again on the new file. unlock is safe to
// call more than once. If ctx ends first, the error wraps ctx.Err().
func LockFile(ctx context.Context, path string) (unlock func(), err error) {
	backoff := minLockBackoff
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()
	for {
		f, err := openLockFile(path)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		state, err := lockIfCurrent(f, path)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		switch state {
		case lockHeld:
			var once sync.Once
			return func() {
				once.Do(func() {
					// Remove while still holding it, so no one can lock
					// the file between the release and the removal.
					os.Remove(path)
					unlocker(f)()
				})
			}, nil
		case lockStale:
			f.Close()
			if ctx.Err() != nil {
				return nil, lockWaitError(ctx)
			}
			continue
		}
		f.Close()
		timer.Reset(backoff)
		select {
		case <-ctx.Done():
			return nil, lockWaitError(ctx)
		case <-timer.C:
		}
		backoff = min(2*backoff, maxLockBackoff)
	}
}
