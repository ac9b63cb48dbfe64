package homedir

import (
	"os/user"
	"runtime"
	"testing"
)

func TestDirPrefersHOME(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	if got := Dir(); got != home {
		t.Errorf("Dir() with HOME=%s = %q, want %q", home, got, home)
	}
}

// TestDirWithoutHOME checks the fallback against os/user, which is what
// the AWS SDK calls: both must name the same directory.
func TestDirWithoutHOME(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("HOME is not the variable here")
	}
	t.Setenv("HOME", "")
	u, err := user.Current()
	if err != nil {
		t.Skipf("no account database entry: %v", err)
	}
	if got := Dir(); got != u.HomeDir {
		t.Errorf("Dir() with HOME unset = %q, want os/user's %q", got, u.HomeDir)
	}
}
