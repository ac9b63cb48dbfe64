//go:build unix

package dockerconfig

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestUpdateKeepsOwner is root editing a user's file (sudo ecrlogin
// configure): the new file must still be the user's.
func TestUpdateKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const uid, gid = 4242, 4343
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws"}}, false); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != uid || st.Gid != gid {
		t.Errorf("owner after Update = %d:%d, want %d:%d", st.Uid, st.Gid, uid, gid)
	}
}
