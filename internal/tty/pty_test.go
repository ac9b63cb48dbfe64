//go:build linux || darwin

package tty

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The tests below re-exec the test binary as a child whose controlling
// terminal they choose, since a process cannot give itself one. The child
// prompts once and writes what Prompt returned to its standard output, a
// pipe: the terminal is only ever its standard error, so an answer that
// came from stdin or a question written to stdout would show.

const childEnv = "TTY_TEST_CHILD_TIMEOUT"

func TestMain(m *testing.M) {
	if timeout := os.Getenv(childEnv); timeout != "" {
		os.Exit(child(timeout))
	}
	os.Exit(m.Run())
}

func child(timeout string) int {
	d, err := time.ParseDuration(timeout)
	if err != nil {
		fmt.Println("bad timeout", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	before := runtime.NumGoroutine()
	start := time.Now()
	answer, err := Prompt(ctx, "MFA code for arn:aws:iam::111122223333:mfa/alice: ")
	elapsed := time.Since(start)
	// Whether the reader goroutine ended with Prompt (Linux) or was left.
	left := 0
	for wait := time.Now(); time.Since(wait) < time.Second; time.Sleep(10 * time.Millisecond) {
		if left = runtime.NumGoroutine() - before; left <= 0 {
			break
		}
	}
	fmt.Printf("answer=%q\nerr=%v\nnoterminal=%v\ndeadline=%v\nelapsed=%v\nleft=%d\n",
		answer, err, errors.Is(err, ErrNoTerminal), errors.Is(err, context.DeadlineExceeded), elapsed, left)
	return 0
}

// startOnPty starts the child with a new pseudo-terminal as its controlling
// terminal and standard error, stdin from /dev/null and stdout into out.
func startOnPty(t *testing.T, timeout string, out *bytes.Buffer) (*exec.Cmd, *os.File) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+timeout)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	cmd.Stdin, cmd.Stdout = devnull, out
	// pty leaves Stderr to the terminal; fd 2 in the child becomes the
	// controlling terminal of its new session.
	ptmx, err := pty.StartWithAttrs(cmd, nil, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 2})
	if err != nil {
		t.Fatalf("pty.StartWithAttrs: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	return cmd, ptmx
}

// screen collects what the child writes to its terminal.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{} // closed when want first appears
	want string
	once sync.Once
}

func watch(ptmx *os.File, want string) *screen {
	s := &screen{seen: make(chan struct{}), want: want}
	go func() {
		b := make([]byte, 256)
		for {
			n, err := ptmx.Read(b)
			s.mu.Lock()
			s.buf.Write(b[:n])
			if strings.Contains(s.buf.String(), want) {
				s.once.Do(func() { close(s.seen) })
			}
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func field(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			return v
		}
	}
	return ""
}

const question = "MFA code for arn:aws:iam::111122223333:mfa/alice: "

func TestPromptOnTerminal(t *testing.T) {
	var out bytes.Buffer
	cmd, ptmx := startOnPty(t, "20s", &out)
	s := watch(ptmx, question)
	select {
	case <-s.seen:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the question never appeared on the terminal; it shows %q", s.String())
	}
	if _, err := ptmx.Write([]byte("123456\r")); err != nil {
		t.Fatalf("answering on the terminal: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stdout %q", err, out.String())
	}
	if got := field(out.String(), "answer"); got != `"123456"` || field(out.String(), "err") != "<nil>" {
		t.Errorf("Prompt on the terminal returned %s, %s; want \"123456\", <nil>\n%s", got, field(out.String(), "err"), out.String())
	}
	if strings.Contains(out.String(), "MFA code") {
		t.Errorf("the question went to stdout: %q", out.String())
	}
}

func TestPromptNoTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=20s")
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// A new session has no controlling terminal, whatever the test's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v; %s%s", err, out.String(), errOut.String())
	}
	t.Logf("child: %s", out.String())
	if field(out.String(), "noterminal") != "true" {
		t.Fatalf("Prompt with no terminal: %s, want an error wrapping ErrNoTerminal", field(out.String(), "err"))
	}
	elapsed, err := time.ParseDuration(field(out.String(), "elapsed"))
	if err != nil || elapsed > time.Second {
		t.Errorf("Prompt with no terminal took %s, want well under a second (not the 20s deadline)", field(out.String(), "elapsed"))
	}
}

func TestPromptDeadline(t *testing.T) {
	var out bytes.Buffer
	cmd, ptmx := startOnPty(t, "300ms", &out)
	s := watch(ptmx, question)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v", err)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("Prompt outlived its 300ms deadline by 15s")
	}
	if field(out.String(), "deadline") != "true" {
		t.Fatalf("unanswered Prompt returned %s, want context.DeadlineExceeded", field(out.String(), "err"))
	}
	elapsed, err := time.ParseDuration(field(out.String(), "elapsed"))
	if err != nil || elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("unanswered Prompt returned after %s, want about 300ms", field(out.String(), "elapsed"))
	}
	if runtime.GOOS == "linux" && field(out.String(), "left") != "0" {
		t.Errorf("%s goroutines left after Prompt returned, want the reader ended by closing the terminal", field(out.String(), "left"))
	}
	if !strings.Contains(s.String(), question) {
		t.Errorf("the terminal shows %q, want the question", s.String())
	}
}
