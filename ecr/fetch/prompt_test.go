//go:build linux || darwin

package fetch_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestMFAPromptTimesOut: a person who never types the code gets, at the
// deadline, a line saying that the wait was for the code, and STS is not
// called. The question is on the terminal, which is only the child's
// stderr, never its stdout.
func TestMFAPromptTimesOut(t *testing.T) {
	fake := withFake(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1s")
	var out bytes.Buffer
	cmd.Stdout = &out
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd.Stdin = devnull
	ptmx, err := pty.StartWithAttrs(cmd, nil, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 2})
	if err != nil {
		t.Fatalf("pty.StartWithAttrs: %v", err)
	}
	defer ptmx.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		b := make([]byte, 256)
		for {
			n, err := ptmx.Read(b)
			mu.Lock()
			screen.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v; %s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the fetch outlived its 1s deadline by 30s")
	}
	want := "err=" + roleHost + ": timed out waiting for the MFA code for " + aliceMFA + " (role " + pullRole + " via credentials from AWS_ACCESS_KEY_ID); run it again and enter the code within 2 minutes"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("child printed %q, want %q…", out.String(), want)
	}
	question := "MFA code for " + aliceMFA + " (role " + pullRole + "): "
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		s := screen.String()
		mu.Unlock()
		if strings.Contains(s, question) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(screen.String(), question) {
		t.Errorf("the terminal shows %q, want the question %q", screen.String(), question)
	}
	if n := fake.Count(fakeaws.ServiceSTS, "AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls without a code, want 0", n)
	}
}
