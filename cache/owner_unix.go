//go:build unix

package cache

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkDirSafe refuses a cache directory that someone other than the
// current user could write to: one with the group or other write bit (the
// sticky bit does not help, since others could still add entries), or one
// owned by another user, who could change its mode at will. Running as
// root, a directory owned by a user is refused too: root must not trust
// files a user could have planted.
func checkDirSafe(fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%w: mode %#o is writable by group or others (want 0700)", ErrUnsafe, perm)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: cannot tell its owner", ErrUnsafe)
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("%w: owned by uid %d, not the current uid %d", ErrUnsafe, st.Uid, uid)
	}
	return nil
}
