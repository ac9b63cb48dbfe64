package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest/dockerd"
)

var pushedDigest = regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`)

// pushPullWithEngine pushes and pulls with the docker CLI and a private
// Docker engine, which it starts and registers for cleanup.
func pushPullWithEngine(ctx context.Context, p *printer, stack *cleanup, tmp string, reg *registrytest.Server) error {
	ip, _, err := net.SplitHostPort(reg.Addr())
	if err != nil {
		return err
	}
	p.step("Start a private Docker engine")
	started := time.Now()
	d, err := dockerd.Start(ctx, dockerd.Config{Dir: filepath.Join(tmp, "engine"), Hosts: map[string]string{host: ip}})
	if err != nil {
		return err
	}
	stack.push("stopped the private dockerd", d.Close)
	p.result(fmt.Sprintf("dockerd answering on %s after %s", d.Host(), ms(time.Since(started))))
	p.result(fmt.Sprintf("in its own mount namespace, where %s resolves to %s; your system is untouched", host, ip))

	docker := func(args ...string) (string, time.Duration, error) {
		p.command("docker " + shellJoin(args))
		cmd := exec.CommandContext(ctx, "docker", args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.Host(), "DOCKER_CLI_HINTS=false")
		start := time.Now()
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		p.output(string(out))
		if err != nil {
			return string(out), took, fmt.Errorf("docker %s: %w", args[0], err)
		}
		return string(out), took, nil
	}

	p.step("Make a one-file image (the engine starts with none and cannot pull from the internet)")
	rootfs := filepath.Join(tmp, "rootfs.tar")
	if err := os.WriteFile(rootfs, oneFileTar("hello.txt", "Hello from the ecrlogin demo\n"), 0o644); err != nil {
		return err
	}
	if _, _, err := docker("import", rootfs, image); err != nil {
		return err
	}

	p.step("Push it; docker runs the helper for credentials")
	out, took, err := docker("push", image)
	if err != nil {
		return err
	}
	m := pushedDigest.FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("docker push printed no digest")
	}
	p.result(fmt.Sprintf("pushed %s (%s)", m[1], ms(took)))

	p.step("Delete it locally and pull it back")
	if _, _, err := docker("rmi", image); err != nil {
		return err
	}
	if _, took, err = docker("pull", image); err != nil {
		return err
	}
	got, _, err := docker("image", "inspect", "--format", "{{range .RepoDigests}}{{.}} {{end}}", image)
	if err != nil {
		return err
	}
	if !strings.Contains(got, "@"+m[1]) {
		return fmt.Errorf("pulled image has repo digests %q, want one ending in %s", strings.TrimSpace(got), m[1])
	}
	p.result(fmt.Sprintf("pulled %s (%s): the image that was pushed", m[1], ms(took)))
	return nil
}

// shellJoin quotes the arguments that a shell would split or expand, so a
// person can paste the command.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n{}$*?'\"\\|&;<>()[]#~!") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// oneFileTar returns a tar archive with one regular file: the smallest
// root file system docker import accepts.
func oneFileTar(name, content string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// Writing to a bytes.Buffer cannot fail.
	_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: time.Now(), Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(content))
	_ = tw.Close()
	return buf.Bytes()
}
