package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest/dockerd"
)

// dockerEnv turns the Docker engine test on. It is off in a plain
// `go test ./...` because it starts a daemon as root; `make e2e-docker`
// sets it when `docker info` answers and says SKIPPED loudly otherwise.
const dockerEnv = "ECRLOGIN_E2E_DOCKER"

// dockerCommandTimeout bounds each docker CLI call so that a wedged
// daemon fails the test with its log instead of hanging until go test's
// own timeout. It is a guard, not an assertion: the calls take well under
// a second here.
const dockerCommandTimeout = 3 * time.Minute

// TestDockerEngine is the promise itself — "docker push and pull just
// work" — checked with the real docker CLI and a real (private) Docker
// engine: the CLI reads credHelpers, execs the helper, hands the engine
// the token, and the engine talks to the registry under the ECR host name.
// Then the ways it must fail: ECR refusing the identity (with the helper's
// line in docker's output), and a helper handing out a wrong password.
// Along the way, docker login and logout exercise store and erase.
func TestDockerEngine(t *testing.T) {
	if os.Getenv(dockerEnv) != "1" {
		t.Skipf("Docker engine test is off: set %s=1 to run it (make e2e-docker)", dockerEnv)
	}
	if err := dockerd.Available(); err != nil {
		t.Fatalf("%s=1, but a private Docker engine cannot run here: %v", dockerEnv, err)
	}
	w := newWorld(t, onHTTPSPort)
	e := startEngine(t, w)
	image := ecrHost + "/demo:1"

	// The engine has no images and cannot pull any from the internet, so
	// the image is made here: one file, imported as a one-layer image.
	content := fmt.Sprintf("pushed through docker-credential-ecrlogin at %s\n", time.Now().Format(time.RFC3339Nano))
	rootfs := filepath.Join(w.dir, "rootfs.tar")
	writeFile(t, rootfs, tarOf(t, "hello.txt", content), 0o644)
	id := strings.TrimSpace(e.must("import", rootfs, image))

	out := e.must("push", image)
	m := regexp.MustCompile(`digest: (sha256:[0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("docker push printed no digest:\n%s", out)
	}
	digest := m[1]
	if n := w.tokenCalls(); n != 1 {
		t.Errorf("after docker push: fake ECR saw %d GetAuthorizationToken calls, want 1", n)
	}
	if st := w.registry.Stats(); st.Writes == 0 || st.RefusedWrites != 0 {
		t.Errorf("after docker push: registry stats %+v; want some writes and no refused ones", st)
	}
	// The registry itself, asked by another client, has what docker pushed.
	desc, err := remote.Head(parseRef(t, image), w.remoteOptions(t.Context())...)
	if err != nil {
		t.Fatalf("head %s with the registry client: %v", image, err)
	}
	if desc.Digest.String() != digest {
		t.Errorf("registry has %s at %v, docker push reported %s", image, desc.Digest, digest)
	}

	e.must("rmi", image)
	if _, err := e.docker("", "image", "inspect", image); err == nil {
		t.Fatalf("%s still present after docker rmi; the pull below would prove nothing", image)
	}
	e.must("pull", image)
	inspect := strings.Fields(e.must("image", "inspect", "--format", `{{.Id}}{{range .RepoDigests}} {{.}}{{end}}`, image))
	if len(inspect) < 2 || inspect[0] != id || !slices.Contains(inspect[1:], ecrHost+"/demo@"+digest) {
		t.Errorf("pulled image: id and repo digests %v, want id %s and %s", inspect, id, ecrHost+"/demo@"+digest)
	}
	saved := filepath.Join(w.dir, "saved.tar")
	e.must("save", "-o", saved, image)
	if got := fileInSavedImage(t, saved, "hello.txt"); got != content {
		t.Errorf("hello.txt in the pulled image = %q, want %q", got, content)
	}
	if n := w.tokenCalls(); n != 1 {
		t.Errorf("after docker pull: fake ECR saw %d GetAuthorizationToken calls, want still 1 (served from cache)", n)
	}
	w.checkAnonymousRefused(t, "/v2/demo/manifests/1")
	goodWrites := w.registry.Stats().Writes

	// ECR refuses the identity, and nothing is cached: the pull fails and
	// docker's output carries the helper's line, not just "no basic auth
	// credentials". A password issued earlier is kept for docker login.
	_, issued := helperGet(t)
	w.fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
	emptyCache := filepath.Join(w.dir, "empty-cache")
	mkdir(t, emptyCache)
	t.Setenv("ECRLOGIN_CACHE_DIR", emptyCache)
	e.must("rmi", image)
	out, err = e.docker("", "pull", image)
	if err == nil {
		t.Fatalf("docker pull succeeded while ECR denied the token:\n%s", out)
	}
	for _, want := range []string{ecrHost, "AccessDeniedException"} {
		if !strings.Contains(out, want) {
			t.Errorf("failed docker pull's output does not mention %q:\n%s", want, out)
		}
	}

	// docker login stores the password with the helper; it is served while
	// ECR still refuses, and docker logout erases it again.
	if out := e.mustStdin(issued+"\n", "login", "-u", "AWS", "--password-stdin", ecrHost); !strings.Contains(out, "Login Succeeded") {
		t.Errorf("docker login printed no \"Login Succeeded\":\n%s", out)
	}
	e.must("pull", image)
	e.must("logout", ecrHost)
	e.must("rmi", image)
	if out, err := e.docker("", "pull", image); err == nil {
		t.Errorf("docker pull succeeded after docker logout while ECR denies tokens; erase kept the login:\n%s", out)
	}

	// A helper that hands out a wrong password must not get a push in.
	w.fake.ClearFaults()
	w.useImpostorHelper(t)
	impostorImage := ecrHost + "/demo:impostor"
	e.must("import", rootfs, impostorImage)
	if out, err := e.docker("", "push", impostorImage); err == nil {
		t.Errorf("docker push succeeded with an impostor helper's password:\n%s", out)
	}
	if st := w.registry.Stats(); st.Writes != goodWrites {
		t.Errorf("registry accepted %d writes from the impostor helper's push", st.Writes-goodWrites)
	}
}

// engine is the private Docker engine of one test and the docker CLI
// pointed at it.
type engine struct {
	t      *testing.T
	daemon *dockerd.Daemon
	config string
}

// startEngine starts a private engine whose hosts file sends ecrHost to
// the world's registry; Cleanup stops it before the directories go.
func startEngine(t *testing.T, w *world) *engine {
	t.Helper()
	ip, _, _ := strings.Cut(w.registry.Addr(), ":")
	dir := t.TempDir()
	started := time.Now()
	d, err := dockerd.Start(t.Context(), dockerd.Config{Dir: dir, Hosts: map[string]string{ecrHost: ip}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("private dockerd answering on %s after %v; %s resolves to %s inside its mount namespace",
		d.Host(), time.Since(started).Round(time.Millisecond), ecrHost, ip)
	t.Logf("DOCKER_HOST=%s DOCKER_CONFIG=%s (credHelpers: %s -> ecrlogin) PATH=%s:...",
		d.Host(), os.Getenv("DOCKER_CONFIG"), ecrHost, w.bin)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("private dockerd log (tail):\n%s", d.LogTail(40))
		}
		if err := d.Close(); err != nil {
			t.Errorf("stop private dockerd: %v", err)
		}
	})
	return &engine{t: t, daemon: d, config: os.Getenv("DOCKER_CONFIG")}
}

// docker runs the docker CLI against the private engine with the world's
// environment (so its helper, cache and fake AWS) and logs the command and
// its combined output, which is how a person would read it.
func (e *engine) docker(stdin string, args ...string) (string, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), dockerCommandTimeout)
	defer cancel()
	full := append([]string{"--config", e.config}, args...)
	cmd := exec.CommandContext(ctx, "docker", full...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.daemon.Host(), "DOCKER_CLI_HINTS=false")
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	shown := "docker --config $DOCKER_CONFIG " + strings.Join(args, " ")
	if stdin != "" {
		shown = "echo <password> | " + shown
	}
	e.t.Logf("$ %s\n%s(exit: %v)", shown, out, exitStatus(err))
	return string(out), err
}

func (e *engine) must(args ...string) string {
	e.t.Helper()
	out, err := e.docker("", args...)
	if err != nil {
		e.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (e *engine) mustStdin(stdin string, args ...string) string {
	e.t.Helper()
	out, err := e.docker(stdin, args...)
	if err != nil {
		e.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func exitStatus(err error) string {
	if err == nil {
		return "0"
	}
	return err.Error()
}

// tarOf returns a tar archive holding one regular file.
func tarOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: time.Now(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(tw, content); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fileInSavedImage returns the content of name in the image that
// `docker save` wrote to saved: it reads manifest.json and looks through
// the layers, top layer first.
func fileInSavedImage(t *testing.T, saved, name string) string {
	t.Helper()
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", saved, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if entries[path.Clean(hdr.Name)], err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	var manifest []struct{ Layers []string }
	if err := json.Unmarshal(entries["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("docker save wrote no usable manifest.json (%v): %q", err, entries["manifest.json"])
	}
	layers := manifest[0].Layers
	for i := len(layers) - 1; i >= 0; i-- {
		lr := tar.NewReader(bytes.NewReader(entries[path.Clean(layers[i])]))
		for {
			hdr, err := lr.Next()
			if err != nil {
				break
			}
			if path.Clean(strings.TrimPrefix(hdr.Name, "./")) == name {
				got, _ := io.ReadAll(lr)
				return string(got)
			}
		}
	}
	t.Fatalf("%s not found in any layer of the saved image", name)
	return ""
}
