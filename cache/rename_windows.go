//go:build windows

package cache

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// Windows refuses to rename over a file that another process has open
// without FILE_SHARE_DELETE, which is how os.Open opens it: a reader in the
// middle of Get, or a virus scanner or indexer looking at a fresh entry.
// Those opens last a moment, so replaceFile tries again for a while, as
// Go's own tooling does (cmd/go/internal/robustio). The bound is short:
// a Put that still fails leaves the old entry in place, which costs a
// token fetch later, never a wrong answer.
const (
	renameRetryFor   = 500 * time.Millisecond
	renameMinBackoff = time.Millisecond
	renameMaxBackoff = 20 * time.Millisecond
)

// errorSharingViolation is ERROR_SHARING_VIOLATION, which package syscall
// does not name.
const errorSharingViolation syscall.Errno = 32

// replaceFile renames src over dst, retrying while dst is held open
// elsewhere.
func replaceFile(src, dst string) error {
	deadline := time.Now().Add(renameRetryFor)
	backoff := renameMinBackoff
	for {
		err := os.Rename(src, dst)
		if err == nil || !isSharingError(err) || time.Now().After(deadline) {
			return err
		}
		// A directory where the entry belongs gives ERROR_ACCESS_DENIED
		// too, and waiting will not change it; the caller deals with it.
		if fi, serr := os.Lstat(dst); serr == nil && fi.IsDir() {
			return err
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, renameMaxBackoff)
	}
}

// isSharingError reports whether err is one of the errors Windows gives
// for a file that another handle keeps from being replaced.
func isSharingError(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	return errno == syscall.ERROR_ACCESS_DENIED || errno == errorSharingViolation
}

// removeHeldLock removes the lock file at path, which the caller holds
// through unlock. Windows cannot remove a file while any handle to it is
// open, the holder's included, so it releases first and then removes. That
// is as safe as the unix order: if another process opened the file in
// between, to lock it, the remove fails and the file stays; if nobody did,
// nobody holds or waits on the file that goes. It reports whether the
// file was removed.
func removeHeldLock(path string, unlock func()) bool {
	unlock()
	return os.Remove(path) == nil
}
