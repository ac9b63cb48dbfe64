package dockerd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Config describes a private engine.
type Config struct {
	// Dir holds all of the daemon's state: data root, exec root, socket,
	// pid file, hosts file and log. It is created if missing, and the
	// caller removes it after Close. Keep it short: the socket's path must fit the 108
	// bytes Linux allows a unix socket address.
	Dir string

	// Hosts maps host names to the IP addresses they resolve to for the
	// daemon, such as the ECR host name to the registry's loopback
	// address. localhost is always there.
	Hosts map[string]string
}

// Daemon is a running private engine. Close stops it.
type Daemon struct {
	dir       string
	socket    string
	socketDir string // a directory of our own for the socket, or ""
	cmd       *exec.Cmd
	exited    chan struct{}
	err       error // from cmd.Wait, valid once exited is closed
}

// stopGrace is how long Close lets dockerd shut down (it stops its own
// containerd first) before killing it.
const stopGrace = 30 * time.Second

// Host is the daemon's address in DOCKER_HOST form, "unix:///…/docker.sock".
func (d *Daemon) Host() string { return "unix://" + d.socket }

// LogTail returns the last n lines of the daemon's log, for failure
// messages.
func (d *Daemon) LogTail(n int) string {
	b, err := os.ReadFile(filepath.Join(d.dir, "dockerd.log"))
	if err != nil {
		return fmt.Sprintf("(no dockerd log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Close stops the daemon — SIGTERM, then SIGKILL if it has not exited
// within a grace period — and waits for it. Its mount namespace goes with
// it. It is safe to call more than once.
func (d *Daemon) Close() error {
	err := d.stop()
	if d.socketDir != "" {
		err = errors.Join(err, os.RemoveAll(d.socketDir))
	}
	return err
}

func (d *Daemon) stop() error {
	select {
	case <-d.exited:
		return nil
	default:
	}
	_ = d.cmd.Process.Signal(sigterm)
	timer := time.NewTimer(stopGrace)
	defer timer.Stop()
	select {
	case <-d.exited:
		return nil
	case <-timer.C:
		_ = d.cmd.Process.Kill()
		<-d.exited
		return fmt.Errorf("stop private dockerd: did not exit within %v of SIGTERM; killed it", stopGrace)
	}
}

// waitReady polls the daemon's /_ping until it answers, the daemon exits
// or ctx ends. The first answer usually comes within half a second.
func (d *Daemon) waitReady(ctx context.Context) error {
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dialer net.Dialer
			return dialer.DialContext(ctx, "unix", d.socket)
		},
	}}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.exited:
			return fmt.Errorf("private dockerd exited before answering: %v; log:\n%s", d.err, d.LogTail(20))
		case <-ctx.Done():
			return fmt.Errorf("wait for private dockerd: %w; log:\n%s", ctx.Err(), d.LogTail(20))
		case <-tick.C:
		}
	}
}

// hostsFile renders /etc/hosts for the namespace, sorted so that the file
// is the same for the same map.
func hostsFile(hosts map[string]string) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# written by ecrlogin's private test engine; visible only inside its mount namespace\n")
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost\n")
	names := make([]string, 0, len(hosts))
	for name := range hosts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ip := net.ParseIP(hosts[name])
		if ip == nil {
			return nil, fmt.Errorf("host %s: %q is not an IP address", name, hosts[name])
		}
		if strings.ContainsAny(name, " \t\n#") || name == "" {
			return nil, fmt.Errorf("host name %q cannot go in a hosts file", name)
		}
		fmt.Fprintf(&b, "%s\t%s\n", ip, name)
	}
	return []byte(b.String()), nil
}

// lookDockerd finds dockerd, which Debian installs in /usr/sbin — a
// directory not every PATH has.
func lookDockerd() (string, error) {
	if p, err := exec.LookPath("dockerd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dockerd", "/usr/bin/dockerd", "/usr/local/bin/dockerd"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("dockerd not found on PATH or in /usr/sbin")
}
