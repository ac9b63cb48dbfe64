//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestReadOnlyCacheDir is a user whose cache directory exists but cannot
// be written (a 0500 directory they own; for a read-only root file system
// or a baked-in cache the effect is the same): hits are still served from
// it, and a miss fetches uncached, with one warning line when logging is
// on, instead of failing on the lock file it cannot create. As root, whom
// permission bits do not stop, the processes run as nobody.
func TestReadOnlyCacheDir(t *testing.T) {
	const nobody = 65534
	asRoot := os.Geteuid() == 0
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })

	// Everything the processes need must be reachable by nobody.
	tmp := t.TempDir()
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{testbin.Front, testbin.Tool} {
		testbin.CopyExecutable(t, testbin.Path(t, name), filepath.Join(bin, name))
	}
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if asRoot {
		if err := os.Chown(home, nobody, nobody); err != nil {
			t.Skipf("chown: %v", err)
		}
	}
	cacheDir := filepath.Join(home, "cache")
	env := append(append(fakeaws.ClientEnv(home), fake.Env(base)...),
		"PATH="+bin+":/usr/bin:/bin",
		"ECRLOGIN_CACHE_DIR="+cacheDir,
		"ECRLOGIN_LOG=warn",
		"GORACE=atexit_sleep_ms=0",
	)
	get := func(host string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, testbin.Front), "get")
		cmd.Env = env
		cmd.Stdin = strings.NewReader(host)
		if asRoot {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		}
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
		return out.String(), errOut.String(), err
	}
	calls := func() int { return fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") }

	const warm = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	const cold = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
	if out, stderr, err := get(warm); err != nil {
		t.Fatalf("warming get: %v\n%s%s", err, out, stderr)
	}
	if err := os.Chmod(cacheDir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(cacheDir, 0o700) })

	out, stderr, err := get(warm)
	if err != nil || !strings.Contains(out, `"Username":"AWS"`) || calls() != 1 {
		t.Errorf("cached get from a read-only cache = %v, %q, %q; calls %d, want a hit and 1 call", err, out, stderr, calls())
	}
	for i := 2; i <= 3; i++ {
		out, stderr, err = get(cold)
		if err != nil || !strings.Contains(out, `"Username":"AWS"`) {
			t.Fatalf("cold get with a read-only cache = %v\nstdout: %s\nstderr: %s", err, out, stderr)
		}
		if calls() != i {
			t.Errorf("after cold get %d: %d calls, want %d (each fetches, uncached)", i-1, calls(), i)
		}
		if n := strings.Count(stderr, "level=WARN"); n != 1 || !strings.Contains(stderr, "not writable") {
			t.Errorf("stderr = %q; want one warning that the cache is not writable", stderr)
		}
		if strings.Contains(stderr+out, "another ecrlogin process") {
			t.Errorf("output blames another ecrlogin process, and none holds the lock: %q", stderr+out)
		}
	}
}
