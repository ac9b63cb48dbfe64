//go:build unix

package cache

import (
	"errors"
	"fmt"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

func TestOpenRefusesUnsafeDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       os.FileMode
		viaSymlink bool
		wantUnsafe bool
	}{
		{"0700", 0o700, false, false},
		{"0755 (readable, not writable, by others)", 0o755, false, false},
		{"0500 (read-only)", 0o500, false, false},
		{"0777", 0o777, false, true},
		{"0770", 0o770, false, true},
		{"0720", 0o720, false, true},
		{"0702", 0o702, false, true},
		{"1777 (sticky does not help)", 0o777 | os.ModeSticky, false, true},
		{"symlink to 0700", 0o700, true, false},
		{"symlink to 0777", 0o777, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			real := filepath.Join(tmp, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(real, tt.mode); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(real, 0o700)
			dir := real
			if tt.viaSymlink {
				dir = filepath.Join(tmp, "link")
				symlink(t, real, dir)
			}
			c, err := Open(dir, Options{})
			if got := errors.Is(err, ErrUnsafe); got != tt.wantUnsafe {
				t.Fatalf("Open(mode %v) = %v; want ErrUnsafe: %v", tt.mode, err, tt.wantUnsafe)
			}
			if err == nil && c == nil {
				t.Fatal("Open returned neither cache nor error")
			}
			fi, err := os.Stat(real)
			if err != nil || fi.Mode()&(os.ModePerm|os.ModeSticky) != tt.mode {
				t.Errorf("Open changed the mode of a directory it did not create: now %v", fi.Mode())
			}
		})
	}
}

func TestOpenRefusesOtherOwner(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("only root can give a directory away")
	}
	dir := filepath.Join(t.TempDir(), "theirs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skipf("chown: %v", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrUnsafe) {
		t.Errorf("Open(dir owned by uid 65534) = %v, want ErrUnsafe", err)
	}
}

// TestFileModes checks the modes of everything the cache creates, whatever
// the umask: directory 0700, entries 0600, lock files at most 0600. The
// umask is per process, so this test is not parallel.
func TestFileModes(t *testing.T) {
	for _, umask := range []int{0, 0o022, 0o077, 0o277} {
		t.Run(fmt.Sprintf("umask %04o", umask), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache") // before the umask changes
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			c, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			key := Key("modes")
			if err := c.Put(key, sampleEntry()); err != nil {
				t.Fatal(err)
			}
			unlock, err := c.Lock(t.Context(), key)
			if err != nil {
				t.Fatal(err)
			}
			unlock()
			// Twice: a second Lock must be able to reopen the lock file.
			unlock, err = c.Lock(t.Context(), key)
			if err != nil {
				t.Fatalf("second Lock = %v", err)
			}
			unlock()
			for _, f := range []struct {
				path string
				want os.FileMode
				max  bool
			}{
				{dir, 0o700, false},
				{filepath.Join(dir, key+entrySuffix), 0o600, false},
				{filepath.Join(dir, key+lockSuffix), 0o600, true},
			} {
				fi, err := os.Stat(f.path)
				if err != nil {
					t.Fatal(err)
				}
				got := fi.Mode().Perm()
				if got != f.want && !(f.max && got&^f.want == 0) {
					t.Errorf("umask %#o: %s has mode %#o, want %#o", umask, filepath.Base(f.path), got, f.want)
				}
			}
		})
	}
}

func TestGetMissFIFO(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	key := Key("fifo")
	if err := syscall.Mkfifo(filepath.Join(dir, key+entrySuffix), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Without O_NONBLOCK this open would wait for a writer forever.
	if _, err := c.Get(key); !errors.Is(err, ErrMiss) {
		t.Errorf("Get(FIFO) = %v, want ErrMiss", err)
	}
	// With a writer that sends nothing, a read would block too.
	w, err := os.OpenFile(filepath.Join(dir, key+entrySuffix), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := c.Get(key); !errors.Is(err, ErrMiss) {
		t.Errorf("Get(FIFO with a writer) = %v, want ErrMiss", err)
	}
	if err := c.Put(key, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(key); err != nil {
		t.Errorf("Get after Put over a FIFO = %v", err)
	}
}

// TestReadOnlyDir runs checkReadOnly: directly, or, as root (whom
// permission bits do not stop), in a child process running as nobody.
func TestReadOnlyDir(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		if err := checkReadOnly(t.TempDir()); err != nil {
			t.Fatal(err)
		}
		return
	}
	const nobody = 65534
	// nobody must be able to reach and run a copy of this test binary, and
	// to write in its own directory.
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(tmp, "cache.test")
	testbin.CopyExecutable(t, os.Args[0], bin)
	base := filepath.Join(tmp, "nobody")
	if err := os.Mkdir(base, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(base, nobody, nobody); err != nil {
		t.Skipf("chown: %v", err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{childRoleEnv + "=readonly", "CACHE_TEST_DIR=" + base}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("readonly check as uid %d: %v\n%s", nobody, err, out)
	}
}

// TestNoFollowOnLockAndMarker checks that planted symlinks for a lock file
// or the cleanup marker are not followed.
func TestNoFollowOnLockAndMarker(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{Now: testclock.New(t0).Now})
	key := Key("nofollow")
	victim := filepath.Join(t.TempDir(), "victim")
	symlink(t, victim, filepath.Join(dir, key+lockSuffix))
	symlink(t, victim, filepath.Join(dir, cleanupMarker))
	if unlock, err := c.Lock(t.Context(), key); err == nil {
		unlock()
		t.Errorf("Lock through a symlink succeeded")
	}
	if err := c.Put(key, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(victim); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a symlink target was created: %v", err)
	}
}
