//go:build unix

package dockerconfig

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of the file fi describes, so that
// root editing a user's config.json (sudo ecrlogin configure) does not
// leave the user a file they cannot read.
func keepOwner(f *os.File, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if mine, err := f.Stat(); err == nil {
		if cur, ok := mine.Sys().(*syscall.Stat_t); ok && cur.Uid == st.Uid && cur.Gid == st.Gid {
			return nil
		}
	}
	if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("keep the owner of %s (uid %d, gid %d): %w", fi.Name(), st.Uid, st.Gid, err)
	}
	return nil
}

// syncDir makes a rename in dir durable. It is best effort: the file is
// already complete, and a failure here only risks the old version after a
// power cut.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
