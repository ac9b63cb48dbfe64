package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

const faultHost = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

// TestCacheDirIsAFile: ECRLOGIN_CACHE_DIR names a regular file (the
// directory was replaced by one). The cache is unusable, so get fetches
// uncached: every get still answers, each with its own call, and the file
// is left as it was.
func TestCacheDirIsAFile(t *testing.T) {
	fake, env := startFake(t)
	dir := envValue(env, "ECRLOGIN_CACHE_DIR")
	if err := os.WriteFile(dir, []byte("not a directory\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		checkAnswers(t, getAll(t, env, []string{faultHost}))
		if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != i+1 {
			t.Errorf("after %d gets: %d calls, want %d (uncached)", i+1, n, i+1)
		}
	}
	if data, err := os.ReadFile(dir); err != nil || string(data) != "not a directory\n" {
		t.Errorf("the file in the cache's place = %q, %v; want it untouched", data, err)
	}
}

// TestDiskFull: the cache directory is on a full file system (a 64 KiB
// tmpfs, filled, in a private mount namespace). Writes fail with ENOSPC;
// get still answers from a fetch, says once at warning level that the
// cache cannot be written, and leaves no temporary file behind.
func TestDiskFull(t *testing.T) {
	fake, env := startFake(t)
	mnt := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	front := testbin.Path(t, testbin.Front)
	script := `set -e
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$MNT"
mkdir -m 0700 "$MNT/cache"
dd if=/dev/zero of="$MNT/fill" bs=4k count=64 2>/dev/null || true
for i in 1 2; do echo ` + faultHost + ` | "$FRONT" get; echo; done
echo "files: $(ls -A "$MNT/cache" | tr '\n' ' ')"
`
	cmd := testbin.InMountNamespace(t, script)
	cmd.Env = append(env, "MNT="+mnt, "FRONT="+front, "ECRLOGIN_CACHE_DIR="+filepath.Join(mnt, "cache"), "ECRLOGIN_LOG=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && strings.Contains(stderr.String(), "mount") {
		t.Skipf("cannot mount a tmpfs here: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("gets on a full disk: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	if n := strings.Count(string(out), `"Secret":"`); n != 2 {
		t.Errorf("stdout = %q; want two tokens", out)
	}
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 2 {
		t.Errorf("calls = %d, want 2 (nothing could be cached)", n)
	}
	if !strings.Contains(stderr.String(), "no space left on device") || strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("stderr = %q; want a warning naming ENOSPC and no stack trace", stderr.String())
	}
	if files := string(out[strings.LastIndex(string(out), "files:"):]); strings.Contains(files, ".tmp") || strings.Contains(files, ".json") {
		t.Errorf("cache dir after failed writes: %s; want no entry and no temporary file", files)
	}
}

// TestKilledLockHolder: a get killed (SIGKILL) while it holds the cache
// lock, waiting on an ECR that never answers, does not wedge the cache:
// the next get takes the lock at once and fetches, well before its own
// deadline (30 s, so a get that waited on the dead holder would show).
func TestKilledLockHolder(t *testing.T) {
	fake, env := startFake(t)
	hang := fakeaws.Hang()
	hang.Times = 1
	fake.SetFault("GetAuthorizationToken", hang)
	front := testbin.Path(t, testbin.Front)
	holder := exec.Command(front, "get")
	holder.Env = append(env, "ECRLOGIN_TIMEOUT=60s")
	holder.Stdin = strings.NewReader(faultHost)
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	for fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") == 0 {
		time.Sleep(5 * time.Millisecond) // the holder has the lock once ECR has its call
	}
	holder.Process.Kill()
	holder.Wait()

	next := exec.Command(front, "get")
	next.Env = append(env, "ECRLOGIN_TIMEOUT=30s")
	next.Stdin = strings.NewReader(faultHost)
	start := time.Now()
	out, err := next.Output()
	if took := time.Since(start); err != nil || took > 10*time.Second {
		t.Errorf("get after the holder was killed: %v, %q, took %v; want a token at once", err, out, took)
	}
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 2 {
		t.Errorf("calls = %d, want 2", n)
	}
}
