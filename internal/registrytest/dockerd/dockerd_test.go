package dockerd

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestHostsFile(t *testing.T) {
	got, err := hostsFile(map[string]string{
		"b.example.test": "127.0.0.2",
		"a.example.test": "::1",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.1\tlocalhost\n::1\tlocalhost\n::1\ta.example.test\n127.0.0.2\tb.example.test\n"
	if !strings.HasSuffix(string(got), want) {
		t.Errorf("hostsFile = %q, want it to end with %q", got, want)
	}
	for _, bad := range []map[string]string{
		{"a.example.test": "not-an-ip"},
		{"a.example.test b.example.test": "127.0.0.2"},
		{"": "127.0.0.2"},
		{"a.example.test\n127.0.0.1 evil": "127.0.0.2"},
	} {
		if _, err := hostsFile(bad); err == nil {
			t.Errorf("hostsFile(%q) succeeded, want an error", bad)
		}
	}
}

// TestPrivateDaemon starts a real engine and checks the promises of the
// package doc: it answers, it sees its own /etc/hosts, the machine's does
// not change, and nothing of it outlives Close.
func TestPrivateDaemon(t *testing.T) {
	if os.Getenv("ECRLOGIN_E2E_DOCKER") != "1" {
		t.Skip("starts a Docker engine as root: set ECRLOGIN_E2E_DOCKER=1 (make e2e-docker)")
	}
	if err := Available(); err != nil {
		t.Fatalf("ECRLOGIN_E2E_DOCKER=1, but a private engine cannot run here: %v", err)
	}
	hostsBefore, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const name = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	d, err := Start(context.Background(), Config{Dir: dir, Hosts: map[string]string{name: "127.0.0.9"}})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			d.Close()
		}
	})

	cmd := exec.Command("docker", "version", "--format", "{{.Server.Version}}")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.Host())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker version against %s: %v\n%s", d.Host(), err, out)
	}

	ns, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "ns", "mnt"))
	if err != nil {
		t.Fatal(err)
	}
	if ours, _ := os.Readlink("/proc/self/ns/mnt"); ours == ns {
		t.Fatalf("dockerd runs in our mount namespace (%s), not a private one", ns)
	}

	// The daemon's view of /etc/hosts is the generated file; ours is not.
	inside, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "root", "etc", "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(inside, []byte("127.0.0.9\t"+name)) {
		t.Errorf("/etc/hosts inside the namespace lacks %s:\n%s", name, inside)
	}
	if now, _ := os.ReadFile("/etc/hosts"); !bytes.Equal(now, hostsBefore) {
		t.Errorf("the machine's /etc/hosts changed while the private daemon runs:\n%s", now)
	}

	if running := processesIn(t, ns); len(running) < 2 {
		t.Errorf("processes in the daemon's namespace: %v; want dockerd and its own containerd", running)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	closed = true
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if left := processesIn(t, ns); len(left) > 0 {
		t.Errorf("processes left in the daemon's mount namespace after Close: %v", left)
	}
	if now, _ := os.ReadFile("/etc/hosts"); !bytes.Equal(now, hostsBefore) {
		t.Errorf("the machine's /etc/hosts changed after the private daemon stopped:\n%s", now)
	}
}

// processesIn lists the command lines of running processes in the mount
// namespace ns (as /proc/PID/ns/mnt names it).
func processesIn(t *testing.T, ns string) []string {
	t.Helper()
	links, err := filepath.Glob("/proc/[0-9]*/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, link := range links {
		if got, err := os.Readlink(link); err != nil || got != ns {
			continue // exited meanwhile, or elsewhere
		}
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(link)), "cmdline"))
		found = append(found, string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
	}
	return found
}
