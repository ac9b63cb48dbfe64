//go:build linux || darwin

package main

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
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// The tests here give the front a controlling terminal of their choosing,
// a pseudo-terminal, or none; `ecrlogin fetch` inherits it, as from a
// shell. The front's stdin and stdout stay pipes, as under docker: the
// question must appear on the terminal, never on them.

func setsid(cmd *exec.Cmd) {
	// A new session has no controlling terminal, whatever the test's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// onPty is a front `get` running with a new pseudo-terminal as its
// controlling terminal and its stderr.
type onPty struct {
	cmd  *exec.Cmd
	ptmx *os.File
	out  bytes.Buffer
	done chan error

	mu     sync.Mutex
	screen bytes.Buffer
}

func startOnPty(t *testing.T, env []string, host string) *onPty {
	t.Helper()
	p := &onPty{done: make(chan error, 1)}
	p.cmd = exec.Command(testbin.Path(t, testbin.Front), "get")
	p.cmd.Env = env
	p.cmd.Stdin = strings.NewReader(host)
	p.cmd.Stdout = &p.out
	ptmx, err := pty.StartWithAttrs(p.cmd, nil, &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 2})
	if err != nil {
		t.Fatalf("pty.StartWithAttrs: %v", err)
	}
	p.ptmx = ptmx
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		ptmx.Close()
	})
	go func() {
		b := make([]byte, 256)
		for {
			n, err := ptmx.Read(b)
			p.mu.Lock()
			p.screen.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

func (p *onPty) Screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.String()
}

// waitScreen waits until the terminal shows want.
func (p *onPty) waitScreen(want string, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.Screen(), want) {
			return true
		}
	}
	return false
}

// wait waits for the get to end and checks that it answered with a token.
func (p *onPty) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil || !strings.Contains(p.out.String(), `"Username":"AWS"`) {
			t.Errorf("get: %v, stdout %q, terminal %q", err, p.out.String(), p.Screen())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("get did not end; terminal %q", p.Screen())
	}
	if strings.Contains(p.out.String(), "MFA") {
		t.Errorf("the question went to stdout: %q", p.out.String())
	}
}

// TestMFAPromptThroughFront: a cold get asks for the code on the
// terminal, once, and AssumeRole gets the device and the code, even when
// the person answers after ECRLOGIN_TIMEOUT (a prompt gets 2 minutes); a
// second get is a hit: no question, no STS call. For the mapping's
// mfa_serial and for a profile's own.
func TestMFAPromptThroughFront(t *testing.T) {
	tests := []struct {
		name, awsConfig, config, role string
	}{
		{"mapping", "", mfaMapping, pullRole},
		{"profile", adminProfile, "[[registry]]\nmatch = \"111122223333\"\nprofile = \"admin\"\n", adminRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, env := startRoleFake(t, func(s *fakeaws.Server) {
				s.RoleMFA = map[string]string{tt.role: aliceMFA}
				s.MFACodes = map[string]string{aliceMFA: aliceCode}
			}, tt.awsConfig, tt.config)
			env = append(env, "ECRLOGIN_TIMEOUT=1s")
			question := "MFA code for " + aliceMFA + " (role " + tt.role + "): "

			p := startOnPty(t, env, roleHost)
			if !p.waitScreen(question, 30*time.Second) {
				t.Fatalf("the question %q never appeared; the terminal shows %q", question, p.Screen())
			}
			time.Sleep(1500 * time.Millisecond) // past ECRLOGIN_TIMEOUT
			if _, err := p.ptmx.Write([]byte(aliceCode + "\r")); err != nil {
				t.Fatal(err)
			}
			p.wait(t)
			if n := strings.Count(p.Screen(), "MFA code"); n != 1 {
				t.Errorf("asked %d times, want once: %q", n, p.Screen())
			}
			var ar []fakeaws.Call
			for _, c := range fake.Calls() {
				if c.Action == "AssumeRole" {
					ar = append(ar, c)
				}
			}
			if len(ar) != 1 || ar[0].RoleARN != tt.role || ar[0].SerialNumber != aliceMFA || ar[0].TokenCode != aliceCode || ar[0].Status != 200 {
				t.Fatalf("AssumeRole calls = %+v, want one for %s with %s and code %s, answered 200", ar, tt.role, aliceMFA, aliceCode)
			}

			calls := len(fake.Calls())
			again := startOnPty(t, env, roleHost)
			again.wait(t)
			if s := again.Screen(); strings.Contains(s, "MFA") {
				t.Errorf("a second get asked again: %q", s)
			}
			if n := len(fake.Calls()); n != calls {
				t.Errorf("a second get made %d AWS calls, want none", n-calls)
			}
		})
	}
}

// TestMFAWrongCode: STS refuses a wrong code, and the line says so and
// what to do; nothing is cached, so the next get asks again.
func TestMFAWrongCode(t *testing.T) {
	fake, env := startRoleFake(t, func(s *fakeaws.Server) {
		s.RoleMFA = map[string]string{pullRole: aliceMFA}
		s.MFACodes = map[string]string{aliceMFA: aliceCode}
	}, "", mfaMapping)
	p := startOnPty(t, env, roleHost)
	if !p.waitScreen("MFA code for", 30*time.Second) {
		t.Fatalf("no question; the terminal shows %q", p.Screen())
	}
	if _, err := p.ptmx.Write([]byte("000000\r")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		want := "ecrlogin: " + roleHost + ": AccessDenied: AssumeRole " + pullRole + " refused: MultiFactorAuthentication failed with invalid MFA one time pass code. (role " + pullRole + " via credentials from AWS_ACCESS_KEY_ID); the MFA code was wrong or already used; run the command again with a fresh one\n"
		if err == nil || p.out.String() != want {
			t.Errorf("get with a wrong code: %v, %q; want exit 1 and %q", err, p.out.String(), want)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("get did not end; terminal %q", p.Screen())
	}
	again := startOnPty(t, env, roleHost)
	if !again.waitScreen("MFA code for", 30*time.Second) {
		t.Errorf("the get after a refused code did not ask; the terminal shows %q", again.Screen())
	}
	again.ptmx.Write([]byte(aliceCode + "\r"))
	again.wait(t)
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 1 {
		t.Errorf("%d GetAuthorizationToken calls, want 1 (after the right code)", n)
	}
}

// TestMFAConcurrentColdGets: two cold gets at once, each on its own
// terminal, make one prompt between them: the second waits on the cache
// lock, within its 2 minutes, for the first one's token.
func TestMFAConcurrentColdGets(t *testing.T) {
	fake, env := startRoleFake(t, func(s *fakeaws.Server) {
		s.RoleMFA = map[string]string{pullRole: aliceMFA}
		s.MFACodes = map[string]string{aliceMFA: aliceCode}
	}, "", mfaMapping)
	env = append(env, "ECRLOGIN_TIMEOUT=1s")
	gets := []*onPty{startOnPty(t, env, roleHost), startOnPty(t, env, roleHost)}
	var asked *onPty
	for end := time.Now().Add(30 * time.Second); asked == nil && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, p := range gets {
			if strings.Contains(p.Screen(), "MFA code for") {
				asked = p
			}
		}
	}
	if asked == nil {
		t.Fatalf("neither get asked for the code; terminals %q, %q", gets[0].Screen(), gets[1].Screen())
	}
	time.Sleep(1500 * time.Millisecond) // both past ECRLOGIN_TIMEOUT
	if _, err := asked.ptmx.Write([]byte(aliceCode + "\r")); err != nil {
		t.Fatal(err)
	}
	for _, p := range gets {
		p.wait(t)
	}
	if n := strings.Count(gets[0].Screen()+gets[1].Screen(), "MFA code"); n != 1 {
		t.Errorf("two concurrent gets asked %d times, want once: %q, %q", n, gets[0].Screen(), gets[1].Screen())
	}
	if n := fake.Count(fakeaws.ServiceSTS, "AssumeRole"); n != 1 {
		t.Errorf("two concurrent gets made %d AssumeRole calls, want 1", n)
	}
}

// TestMFANoTerminalThroughFront: with no controlling terminal (a new
// session, stdin a pipe, as under CI or a daemon), a role that needs an
// MFA code fails at once, not at the deadline, with one line naming the
// role and the command that fills the cache from a terminal, and calls
// nothing: for the mapping's mfa_serial and for a profile's.
func TestMFANoTerminalThroughFront(t *testing.T) {
	tests := []struct {
		name, awsConfig, config, want string
	}{
		{"mapping", "", mfaMapping, "the role needs an MFA code and there is no terminal to ask for it on (role " + pullRole + " via credentials from AWS_ACCESS_KEY_ID)"},
		{"profile", adminProfile, "[[registry]]\nmatch = \"111122223333\"\nprofile = \"admin\"\n", "role " + adminRole + ` needs an MFA code and there is no terminal to ask for it on (profile "admin")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, env := startRoleFake(t, nil, tt.awsConfig, tt.config)
			cmd := exec.Command(testbin.Path(t, testbin.Front), "get")
			cmd.Env = env
			cmd.Stdin = strings.NewReader(roleHost)
			setsid(cmd)
			start := time.Now()
			out, err := cmd.Output()
			took := time.Since(start)
			want := "ecrlogin: " + roleHost + ": " + tt.want + "; run `ecrlogin login " + roleHost + "` from a terminal\n"
			if err == nil || string(out) != want {
				t.Errorf("get with no terminal: %v, %q; want exit 1 and %q", err, out, want)
			}
			if took > 10*time.Second {
				t.Errorf("get with no terminal took %s, want at once (the deadline is 30s, or 2m for MFA)", took)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("%d AWS calls, want none", n)
			}
		})
	}
}
