package testbin

import (
	"io"
	"os"
	"os/exec"
	"testing"
)

// CopyExecutable copies the executable at src to dst (which must not
// exist), mode 0755: for tests that run a binary as another user, who
// cannot reach the build directory.
func CopyExecutable(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// InMountNamespace returns the command that runs the sh script in a
// private mount namespace (unshare -m), so that it may mount a tmpfs over
// a real directory (the account's home, /var/cache, a tiny full disk)
// without touching the machine. The caller sets Env and the outputs. It
// skips t unless the test runs as root and unshare(1) works here.
func InMountNamespace(t testing.TB, script string) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to mount in a private mount namespace")
	}
	if err := exec.Command("unshare", "-m", "true").Run(); err != nil {
		t.Skipf("unshare -m: %v", err)
	}
	return exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script)
}
