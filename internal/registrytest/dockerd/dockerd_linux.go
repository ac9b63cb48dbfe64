package dockerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

const sigterm = syscall.SIGTERM

// Available reports why a private engine cannot run here, or nil if it
// can.
func Available() error {
	var missing []error
	if os.Geteuid() != 0 {
		missing = append(missing, errors.New("not root (a mount namespace, bind mounts and port 443 need it)"))
	}
	if _, err := lookDockerd(); err != nil {
		missing = append(missing, err)
	}
	for _, tool := range []string{"docker", "mount", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, fmt.Errorf("%s not found on PATH", tool))
		}
	}
	return errors.Join(missing...)
}

// namespaceSetup runs as the namespace's first process: it covers the
// paths the daemon must not share with the machine, then becomes dockerd.
// $1 is the hosts file; the rest is dockerd's command line. /run must be
// covered (the exec root lives there), so a failure to do so stops the
// start; /etc/docker and /opt/containerd are covered where they exist.
const namespaceSetup = `set -e
hosts=$1; shift
mount --bind "$hosts" /etc/hosts
mount -t tmpfs -o mode=0755,size=64m ecrlogin-private /run
for d in /etc/docker /opt/containerd; do
	if [ -d "$d" ]; then mount -t tmpfs -o mode=0755,size=16m ecrlogin-private "$d"; fi
done
exec "$@"
`

// socketPath puts the daemon's socket in dir when the path fits a unix
// socket address, and otherwise in a new short directory under /tmp
// (returned as socketDir, for Close to remove): the caller's directory may
// be a deep test temporary directory.
func socketPath(dir string) (socket, socketDir string, err error) {
	const maxSocketPath = 100 // sun_path is 108 bytes; leave room
	if socket = filepath.Join(dir, "docker.sock"); len(socket) <= maxSocketPath {
		return socket, "", nil
	}
	socketDir, err = os.MkdirTemp("/tmp", "ecrl-dockerd-")
	if err != nil {
		return "", "", err
	}
	return filepath.Join(socketDir, "docker.sock"), socketDir, nil
}

// Start starts dockerd in a new private mount namespace and returns once it
// answers on its socket (or ctx ends). The caller must Close it.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	if err := Available(); err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	dockerd, _ := lookDockerd()
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	hosts, err := hostsFile(cfg.Hosts)
	if err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	hostsPath := filepath.Join(dir, "hosts")
	configPath := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(hostsPath, hosts, 0o644); err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	if err := os.WriteFile(configPath, []byte("{}\n"), 0o644); err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	socket, socketDir, err := socketPath(dir)
	if err != nil {
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}

	cmd := exec.Command("/bin/sh", "-c", namespaceSetup, "sh", hostsPath,
		dockerd,
		"--config-file", configPath,
		"--data-root", filepath.Join(dir, "data"),
		// The exec root holds containerd's sockets, whose paths must stay
		// short, and only the daemon needs them: the namespace's own /run
		// is both, and it vanishes with the namespace.
		"--exec-root", "/run/ecrlogin-dockerd",
		"--pidfile", "/run/ecrlogin-dockerd.pid",
		"-H", "unix://"+socket,
		"--iptables=false", "--ip6tables=false", "--ip-forward=false",
		"--bridge=none",
		"--storage-driver=vfs",
	)
	// A minimal environment: no proxy settings or DOCKER_* variables of
	// the caller's leak into the daemon.
	cmd.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + dir,
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A new mount namespace; Go makes / private in it before the
		// shell runs, so no mount propagates back to the machine.
		Unshareflags: syscall.CLONE_NEWNS,
		// Its own process group, so a terminal's Ctrl-C reaches the
		// caller, which then stops the daemon in order.
		Setpgid: true,
		// If the caller dies without Close, the daemon dies too; it takes
		// its containerd with it, and the namespace goes away.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		if socketDir != "" {
			os.RemoveAll(socketDir)
		}
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	d := &Daemon{dir: dir, socket: socket, socketDir: socketDir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.exited)
	}()
	if err := d.waitReady(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("start private dockerd: %w", err)
	}
	return d, nil
}
