package cache

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"
)

const (
	// cleanupInterval spaces cleanups out: tokens live for hours, so
	// expired entries need not go the moment they expire, and a Put
	// usually costs one Lstat of the marker instead of a directory scan.
	cleanupInterval = time.Hour
	// strayTempAge is how old a temporary file must be before cleanup
	// takes it for the leftover of a writer that died. Writers finish in
	// milliseconds; a minute leaves a wide margin for a slow disk.
	strayTempAge = time.Minute
	// idleLockAge is how old a lock file without an entry must be before
	// cleanup removes it, so a key that is being fetched for the first
	// time keeps its lock file. Removal is safe at any age (see Lock); the
	// age only avoids churn.
	idleLockAge = time.Hour
	// cleanupMarker's modification time records when cleanup last ran.
	cleanupMarker = "trim.txt"
)

// cleanupStats counts what a cleanup removed.
type cleanupStats struct {
	entries, temps, locks int
}

// maybeCleanup runs cleanup if none has run for cleanupInterval by the
// marker's time, or if the marker is in the future (the clock went back).
// Two processes may both decide to run; cleanup tolerates that.
func (c *Cache) maybeCleanup() {
	now := c.now()
	marker := c.dir + string(os.PathSeparator) + cleanupMarker
	if fi, err := os.Lstat(marker); err == nil {
		if last := fi.ModTime(); !last.After(now) && now.Sub(last) < cleanupInterval {
			return
		}
	}
	if err := touch(marker, now); err != nil {
		c.log.Debug("cannot record cache cleanup time", "err", err)
	}
	stats, err := c.cleanup(now)
	if err != nil {
		c.log.Debug("cache cleanup failed", "dir", c.dir, "err", err)
		return
	}
	if stats != (cleanupStats{}) {
		c.log.Debug("cache cleanup", "dir", c.dir, "expired_entries", stats.entries, "stray_temp_files", stats.temps, "idle_lock_files", stats.locks)
	}
}

// touch creates the file at path if need be and sets its times to t. It
// opens read-only, which creating allows and setting times does not need.
func touch(path string, t time.Time) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|openNoFollow, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	return os.Chtimes(path, t, t)
}

// cleanup removes, as of now:
//   - entries that have expired, or that are unreadable junk, except a
//     failure record younger than FailureLifetime;
//   - temporary files older than strayTempAge, left by writers that died;
//   - lock files older than idleLockAge whose key has no entry.
//
// Entries whose modification time (Put's expiry hint) is in the future are
// skipped without being read. Every other entry is read under its key's
// lock and removed only if it really is expired or junk, together with its
// lock file, so an entry a writer is refreshing is never lost and removing
// lock files cannot break Lock's exclusion. Anything in use is skipped.
func (c *Cache) cleanup(now time.Time) (cleanupStats, error) {
	var stats cleanupStats
	names, err := c.names()
	if err != nil {
		return stats, err
	}
	hasEntry := make(map[string]bool)
	var lockKeys []string
	for _, name := range names {
		if key, ok := strings.CutSuffix(name, lockSuffix); ok {
			lockKeys = append(lockKeys, key)
			continue
		}
		fi, err := os.Lstat(c.dir + string(os.PathSeparator) + name)
		if err != nil {
			continue
		}
		if strings.HasSuffix(name, tempSuffix) {
			if now.Sub(fi.ModTime()) > strayTempAge && os.Remove(c.dir+string(os.PathSeparator)+name) == nil {
				stats.temps++
			}
			continue
		}
		key, ok := strings.CutSuffix(name, entrySuffix)
		if !ok || checkKey(key) != nil {
			continue
		}
		if fi.Mode().IsRegular() && fi.ModTime().After(now) {
			hasEntry[key] = true
			continue
		}
		if c.reapEntry(key, now) {
			stats.entries++
		} else {
			hasEntry[key] = true
		}
	}
	for _, key := range lockKeys {
		if hasEntry[key] || checkKey(key) != nil {
			continue
		}
		fi, err := os.Lstat(c.path(key, lockSuffix))
		if err != nil || now.Sub(fi.ModTime()) < idleLockAge {
			continue
		}
		if c.reapLock(key) {
			stats.locks++
		}
	}
	return stats, nil
}

// reapEntry removes key's entry and lock file if the entry is expired at
// now or is junk, holding the key's lock throughout. It reports whether it
// removed the entry; a held lock or an unreadable entry means no.
func (c *Cache) reapEntry(key string, now time.Time) bool {
	unlock, ok := c.tryLockKey(key)
	if !ok {
		return false
	}
	defer unlock()
	path := c.path(key, entrySuffix)
	e, err := readEntry(path)
	if err == nil && (e.ExpiresAt.After(now) || e.Failure != nil && now.Sub(e.Failure.At) <= FailureLifetime) {
		return false // unexpired, or a failure its waiters may not have read yet
	}
	if err != nil && !errors.Is(err, ErrMiss) {
		return false
	}
	if os.RemoveAll(path) != nil {
		return false
	}
	removeHeldLock(c.path(key, lockSuffix), unlock)
	return true
}

// reapLock removes key's lock file if it is free and the key has no entry,
// holding the lock while it does. It reports whether it removed the file.
func (c *Cache) reapLock(key string) bool {
	unlock, ok := c.tryLockKey(key)
	if !ok {
		return false
	}
	defer unlock()
	if _, err := os.Lstat(c.path(key, entrySuffix)); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	return removeHeldLock(c.path(key, lockSuffix), unlock)
}
