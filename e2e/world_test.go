package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// ecrHost is the registry every test pushes to: the fake's account in a
// real region, so the helper parses it like any production host.
const ecrHost = fakeaws.DefaultAccount + ".dkr.ecr.us-east-1.amazonaws.com"

// world is one test's universe: the fake AWS, the registry, the helper's
// binaries on PATH and a docker config that routes ecrHost to them.
type world struct {
	fake     *fakeaws.Server
	registry *registrytest.Server
	dir      string // the test's scratch directory
	bin      string // the real helper binaries
	certFile string // the registry's certificate, for child processes
}

type worldOption func(*worldConfig)

type worldConfig struct{ httpsPort bool }

// onHTTPSPort puts the registry on port 443 of a loopback address, where a
// client that resolves ecrHost through a hosts file (the Docker engine)
// looks for it.
func onHTTPSPort(c *worldConfig) { c.httpsPort = true }

// newWorld starts the peers and points this process's environment (and so
// every process it starts) at them. Tests using it must not be parallel.
func newWorld(t *testing.T, opts ...worldOption) *world {
	t.Helper()
	var cfg worldConfig
	for _, o := range opts {
		o(&cfg)
	}
	w := &world{fake: fakeaws.New(), dir: t.TempDir(), bin: testbin.Dir(t)}

	base, stop, err := w.fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop fake AWS: %v", err)
		}
	})

	regCfg := registrytest.Config{Hosts: []string{ecrHost}, Authorize: w.fake.ValidPassword}
	if cfg.httpsPort {
		w.registry, err = registrytest.StartOnHTTPSPort(regCfg)
	} else {
		w.registry, err = registrytest.Start(regCfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.registry.Close(); err != nil {
			t.Errorf("stop registry: %v", err)
		}
	})

	w.certFile = filepath.Join(w.dir, "registry.pem")
	writeFile(t, w.certFile, w.registry.CertPEM(), 0o644)
	dockerConfig := filepath.Join(w.dir, "docker")
	mkdir(t, dockerConfig)
	writeFile(t, filepath.Join(dockerConfig, "config.json"),
		[]byte(`{"credHelpers": {"`+ecrHost+`": "ecrlogin"}}`+"\n"), 0o600)
	cache := filepath.Join(w.dir, "cache")
	mkdir(t, cache)

	t.Setenv("DOCKER_CONFIG", dockerConfig)
	t.Setenv("PATH", w.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("ECRLOGIN_CACHE_DIR", cache)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	for _, kv := range w.fake.Env(base) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return w
}

// tokenCalls is how many GetAuthorizationToken calls the fake ECR saw.
func (w *world) tokenCalls() int {
	return w.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")
}

// remoteOptions are what a registry client in this process uses: the
// default keychain (so credHelpers and the helper), and a transport that
// reaches ecrHost through the registry's proxy.
func (w *world) remoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithTransport(w.registry.Transport()),
	}
}

// useImpostorHelper puts first on PATH a docker-credential-ecrlogin that
// answers every get with a well-formed ECR credential the fake never
// issued: what a helper with broken auth would hand out.
func (w *world) useImpostorHelper(t *testing.T) {
	t.Helper()
	dir := filepath.Join(w.dir, "impostor")
	mkdir(t, dir)
	secret := bogusSecret()
	script := "#!/bin/sh\n" +
		"# Impostor credential helper: valid shape, wrong password.\n" +
		"case \"$1\" in\n" +
		"get) read -r url; printf '{\"ServerURL\":\"%s\",\"Username\":\"AWS\",\"Secret\":\"" + secret + "\"}\\n' \"$url\" ;;\n" +
		"*) cat >/dev/null ;;\n" +
		"esac\n"
	writeFile(t, filepath.Join(dir, testbin.Front), []byte(script), 0o755)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// bogusSecret is shaped like an ECR password (base64 of JSON with an
// expiration a day away) so that nothing rejects it for its form: only the
// registry can tell it was never issued.
func bogusSecret() string {
	doc, _ := json.Marshal(map[string]any{"payload": "bogus", "version": "2", "type": "DATA_KEY", "expiration": 4102444800})
	return base64.StdEncoding.EncodeToString(doc)
}

// helperGet runs the real helper's get for ecrHost, as docker would, and
// returns its answer.
func helperGet(t *testing.T) (user, secret string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), testbin.Path(t, testbin.Front), "get")
	cmd.Stdin = strings.NewReader(ecrHost + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker-credential-ecrlogin get: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var creds struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal(out, &creds); err != nil {
		t.Fatalf("docker-credential-ecrlogin get printed %q: %v", out, err)
	}
	return creds.Username, creds.Secret
}

// checkAnonymousRefused proves the registry is not open: a request with no
// credentials must get 401 and a Basic challenge.
func (w *world) checkAnonymousRefused(t *testing.T, path string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+ecrHost+path, nil)
	resp, err := (&http.Client{Transport: w.registry.Transport()}).Do(req)
	if err != nil {
		t.Fatalf("anonymous GET %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("anonymous GET %s: status %d, WWW-Authenticate %q; want 401 with a Basic challenge",
			path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// checkImageContent reads every blob of a pulled image and checks it
// against the digest the manifest names, and, when want is not nil, that
// manifest, config and layers are byte for byte what was pushed.
func checkImageContent(got, want v1.Image) error {
	gotManifest, err := got.RawManifest()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	m, err := got.Manifest()
	if err != nil {
		return fmt.Errorf("parse manifest: %w", err)
	}
	gotConfig, err := got.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if err := matchDigest("config", gotConfig, m.Config.Digest); err != nil {
		return err
	}
	layers, err := got.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	if len(layers) != len(m.Layers) {
		return fmt.Errorf("image has %d layers, manifest lists %d", len(layers), len(m.Layers))
	}
	gotLayers := make([][]byte, len(layers))
	for i, l := range layers {
		if gotLayers[i], err = readCompressed(l); err != nil {
			return fmt.Errorf("read layer %d: %w", i, err)
		}
		if err := matchDigest(fmt.Sprintf("layer %d", i), gotLayers[i], m.Layers[i].Digest); err != nil {
			return err
		}
	}
	if want == nil {
		return nil
	}
	wantManifest, err := want.RawManifest()
	if err != nil {
		return err
	}
	if !bytes.Equal(gotManifest, wantManifest) {
		return fmt.Errorf("pulled manifest differs from the pushed one")
	}
	wantConfig, err := want.RawConfigFile()
	if err != nil {
		return err
	}
	if !bytes.Equal(gotConfig, wantConfig) {
		return fmt.Errorf("pulled config differs from the pushed one")
	}
	wantLayers, err := want.Layers()
	if err != nil {
		return err
	}
	for i, l := range wantLayers {
		b, err := readCompressed(l)
		if err != nil {
			return err
		}
		if !bytes.Equal(gotLayers[i], b) {
			return fmt.Errorf("pulled layer %d differs from the pushed one", i)
		}
	}
	return nil
}

func readCompressed(l v1.Layer) ([]byte, error) {
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func matchDigest(what string, b []byte, want v1.Hash) error {
	sum := sha256.Sum256(b)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != want.String() {
		return fmt.Errorf("%s hashes to %s, manifest says %s", what, got, want)
	}
	return nil
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, data, perm); err != nil {
		t.Fatal(err)
	}
}
