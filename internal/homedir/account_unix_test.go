//go:build unix

package homedir

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestAccountHomeParsesPasswd(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	path := filepath.Join(t.TempDir(), "passwd")
	data := "other:x:" + uid + "1:0::/nope:/bin/sh\n" +
		"broken line\n" +
		"me:x:" + uid + ":0:Me:/home/me:/bin/sh\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	old := passwdFile
	passwdFile = path
	t.Cleanup(func() { passwdFile = old })
	if got := accountHome(); got != "/home/me" {
		t.Errorf("accountHome() = %q, want /home/me", got)
	}
	passwdFile = filepath.Join(t.TempDir(), "absent")
	if got := accountHome(); got != "" {
		t.Errorf("accountHome() with no passwd file = %q, want empty", got)
	}
}
