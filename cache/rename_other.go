//go:build !windows

package cache

import "os"

// replaceFile renames src over dst. Elsewhere than Windows a rename
// replaces a file that others have open (they keep reading the old one),
// so a single attempt is all there is.
func replaceFile(src, dst string) error {
	return os.Rename(src, dst)
}

// removeHeldLock removes the lock file at path, which the caller holds
// through unlock, then releases it. Removing it while still holding it is
// safe (see Cache.Lock). It reports whether the file was removed.
func removeHeldLock(path string, unlock func()) bool {
	err := os.Remove(path)
	unlock()
	return err == nil
}
