package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestLockFile(t *testing.T) {
	if !lockExcludes {
		t.Skip("no file lock on this system")
	}
	path := filepath.Join(t.TempDir(), "config.json.lock")

	t.Run("excludes", func(t *testing.T) {
		// Each goroutine increments a counter non-atomically under the
		// lock; any overlap shows as a second holder inside.
		var inside, overlaps, total int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					unlock, err := LockFile(context.Background(), path)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					inside++
					if inside > 1 {
						overlaps++
					}
					mu.Unlock()
					time.Sleep(50 * time.Microsecond)
					mu.Lock()
					inside--
					total++
					mu.Unlock()
					unlock()
				}
			}()
		}
		wg.Wait()
		if overlaps != 0 || total != 160 {
			t.Errorf("LockFile: %d overlapping holders in %d turns, want 0 in 160", overlaps, total)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("lock file left behind: %v", err)
		}
	})

	t.Run("waits until ctx ends", func(t *testing.T) {
		unlock, err := LockFile(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		if _, err := LockFile(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("LockFile while held = %v, want DeadlineExceeded", err)
		}
		unlock()
		unlock() // idempotent, and must not remove a new holder's file
		again, err := LockFile(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("a stale unlock removed the new holder's lock file: %v", err)
		}
		again()
	})
}
