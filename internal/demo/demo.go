package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest/dockerd"
)

// options are the command-line flags.
type options struct {
	bin    string // where both binaries are
	engine string // auto, docker or client
}

// Binary names, as make build and make install lay them out.
const (
	front     = "docker-credential-ecrlogin"
	companion = "ecrlogin"
)

// The demo's registry: the fake's account in a real region, so the helper
// treats it exactly like a production host.
const (
	host      = fakeaws.DefaultAccount + ".dkr.ecr.us-east-1.amazonaws.com"
	image     = host + "/demo:1"
	accessKey = "AKIDEXAMPLE"
)

// run is the whole demo. setenv changes the environment that the helper,
// docker and the registry client see (os.Setenv in main, t.Setenv in the
// test).
func run(ctx context.Context, opts options, out io.Writer, setenv func(key, value string)) (err error) {
	p := &printer{w: out}
	bin, err := findBinaries(opts.bin)
	if err != nil {
		return err
	}
	useEngine, why, err := chooseEngine(ctx, opts.engine)
	if err != nil {
		return err
	}

	p.title("ecrlogin demo: docker credentials for Amazon ECR, with no AWS account")
	p.line("Everything below runs on this machine and is removed when the demo ends.")

	var stack cleanup
	defer func() {
		p.blank()
		p.line("Cleaning up: " + stack.run(&err) + ".")
	}()

	tmp, err := os.MkdirTemp("", "ecrlogin-demo-")
	if err != nil {
		return fmt.Errorf("make temporary directory: %w", err)
	}
	stack.push("removed "+tmp, func() error { return os.RemoveAll(tmp) })

	fake := fakeaws.New()
	fakeURL, stopFake, err := fake.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	stack.push("stopped the fake ECR API", stopFake)

	regCfg := registrytest.Config{Hosts: []string{host}, Authorize: fake.ValidPassword}
	var reg *registrytest.Server
	if useEngine {
		// The engine finds the registry by name on port 443.
		reg, err = registrytest.StartOnHTTPSPort(regCfg)
	} else {
		reg, err = registrytest.Start(regCfg)
	}
	if err != nil {
		return err
	}
	stack.push("stopped the registry", reg.Close)

	dockerConfig, err := writeEnvironment(tmp, bin, fake.Env(fakeURL), setenv)
	if err != nil {
		return err
	}

	reg0, _ := ecr.ParseHost(host)
	identity := ecr.ResolveIdentity(ecr.Selection{})
	p.blank()
	p.field("registry", fmt.Sprintf("%s (account %s, region %s)", host, reg0.Account, reg0.Region))
	p.field("", fmt.Sprintf("a local OCI registry on %s that, like ECR, lets in only user AWS with a password ECR issued", reg.Addr()))
	p.field("ECR API", fmt.Sprintf("a fake one at %s (AWS_ENDPOINT_URL_ECR)", fakeURL))
	p.field("identity", fmt.Sprintf("%s (%s, a fake IAM user in account %s)", identity.Source, accessKey, reg0.Account))
	p.field("helper", filepath.Join(bin, front)+" (its companion "+companion+" beside it)")
	p.field("docker config", filepath.Join(dockerConfig, "config.json")+":")
	p.field("", fmt.Sprintf(`{"credHelpers": {%q: "ecrlogin"}}`, host))

	p.step("Docker asks the helper for credentials; the cache is empty")
	p.command(fmt.Sprintf("echo %s | %s get", host, front))
	d, user, expires, err := helperGet(ctx, bin)
	if err != nil {
		return err
	}
	p.result(fmt.Sprintf("fetched token from ECR (%s, %s): user %s, valid for %s",
		plural(fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"), "API call"), ms(d), user, hoursMinutes(time.Until(expires))))

	p.step("Again, as every later pull and push does")
	p.command(fmt.Sprintf("echo %s | %s get", host, front))
	before := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")
	d, _, _, err = helperGet(ctx, bin)
	if err != nil {
		return err
	}
	p.result(fmt.Sprintf("served from cache (%s, %s)", ms(d), plural(fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")-before, "API call")))

	before = fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")
	if useEngine {
		err = pushPullWithEngine(ctx, p, &stack, tmp, reg)
	} else {
		p.blank()
		p.line("Not using the Docker engine: " + why)
		err = pushPullWithClient(ctx, p, reg)
	}
	if err != nil {
		return err
	}

	p.step("What the servers saw")
	st := reg.Stats()
	p.result(fmt.Sprintf("ECR API: %s for the push and pull (the helper served its cached token)",
		plural(fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")-before, "call")))
	p.result(fmt.Sprintf("registry: %s, %d refused for missing or wrong credentials", plural(st.Writes, "authenticated write"), st.RefusedWrites))
	status, err := anonymousStatus(ctx, reg)
	if err != nil {
		return err
	}
	p.result(fmt.Sprintf("and a request without credentials gets %d %s", status, http.StatusText(status)))
	return nil
}

// findBinaries returns the absolute directory holding both binaries, or
// says how to get them.
func findBinaries(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, name := range []string{front, companion} {
		fi, err := os.Stat(filepath.Join(abs, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("no executable %s in %s: run make build first, or pass -bin DIR", name, abs)
		}
	}
	return abs, nil
}

// chooseEngine decides whether to push with the Docker engine. With auto
// it does when a Docker daemon answers and a private one can run here;
// why says what was missing when it does not.
func chooseEngine(ctx context.Context, mode string) (use bool, why string, err error) {
	switch mode {
	case "client":
		return false, "asked for -engine client", nil
	case "auto", "docker":
	default:
		return false, "", fmt.Errorf("-engine %q: want auto, docker or client", mode)
	}
	infoCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(infoCtx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		why = "no Docker daemon answers (docker info: " + firstLine(out, err) + ")"
	} else if err := dockerd.Available(); err != nil {
		why = "a Docker daemon answers, but the demo's private engine cannot run here: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	if why == "" {
		return true, "", nil
	}
	if mode == "docker" {
		return false, "", errors.New("-engine docker: " + why)
	}
	return false, why + ".", nil
}

// writeEnvironment writes the throwaway docker config and sets the
// environment every process the demo starts will see: the helper on PATH,
// static fake keys, the fake's endpoints, a private cache, and nothing of
// this machine's own AWS or proxy setup. It returns DOCKER_CONFIG.
func writeEnvironment(tmp, bin string, fakeEnv []string, setenv func(key, value string)) (string, error) {
	dockerConfig := filepath.Join(tmp, "docker")
	home := filepath.Join(tmp, "home")
	cache := filepath.Join(tmp, "cache")
	for _, dir := range []string{dockerConfig, home, cache} {
		if err := os.Mkdir(dir, 0o700); err != nil {
			return "", err
		}
	}
	config := fmt.Sprintf(`{"credHelpers": {%q: "ecrlogin"}}`+"\n", host)
	if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"), []byte(config), 0o600); err != nil {
		return "", err
	}
	// Variables that would steer the helper or the clients elsewhere are
	// emptied, which every consumer treats as unset.
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ECR_CACHE_DIR", "AWS_ECR_DISABLE_CACHE",
		"ECRLOGIN_NO_CACHE", "ECRLOGIN_LOG", "REGISTRY_AUTH_FILE",
		"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
		"DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY",
	} {
		if os.Getenv(k) != "" {
			setenv(k, "")
		}
	}
	vars := []string{
		"DOCKER_CONFIG=" + dockerConfig,
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home,
		"ECRLOGIN_CACHE_DIR=" + cache,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"AWS_ACCESS_KEY_ID=" + accessKey,
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	}
	for _, kv := range append(vars, fakeEnv...) {
		k, v, _ := strings.Cut(kv, "=")
		setenv(k, v)
	}
	return dockerConfig, nil
}

// helperGet runs `docker-credential-ecrlogin get` the way docker does and
// times it.
func helperGet(ctx context.Context, bin string) (took time.Duration, user string, expires time.Time, err error) {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, front), "get")
	cmd.Stdin = strings.NewReader(host + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	took = time.Since(start)
	if err != nil {
		return 0, "", time.Time{}, fmt.Errorf("%s get: %w: %s", front, err, strings.TrimSpace(stdout.String()))
	}
	var creds struct{ Username, Secret string }
	if err := json.Unmarshal(stdout.Bytes(), &creds); err != nil {
		return 0, "", time.Time{}, fmt.Errorf("%s get printed something other than credentials: %w", front, err)
	}
	expires, ok := ecr.SecretExpiry(creds.Secret)
	if !ok {
		return 0, "", time.Time{}, fmt.Errorf("%s get: the secret does not look like an ECR password", front)
	}
	return took, creds.Username, expires, nil
}

// anonymousStatus sends the registry a request without credentials and
// returns the status it answered.
func anonymousStatus(ctx context.Context, reg *registrytest.Server) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/v2/demo/manifests/1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := (&http.Client{Transport: reg.Transport()}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("anonymous request to the registry: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// cleanup is a stack of things to undo, run in reverse order.
type cleanup struct {
	done []string
	undo []func() error
}

func (c *cleanup) push(what string, f func() error) {
	c.done = append(c.done, what)
	c.undo = append(c.undo, f)
}

// run undoes everything, newest first, joins any failure into *err and
// returns what it did, for the person reading.
func (c *cleanup) run(err *error) string {
	var did []string
	for i := len(c.undo) - 1; i >= 0; i-- {
		if uerr := c.undo[i](); uerr != nil {
			*err = errors.Join(*err, fmt.Errorf("clean up (%s): %w", c.done[i], uerr))
			continue
		}
		did = append(did, c.done[i])
	}
	c.done, c.undo = nil, nil
	if len(did) == 0 {
		return "nothing to do"
	}
	return strings.Join(did, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

// hoursMinutes prints a token lifetime the way people say it: "12h",
// "11h59m".
func hoursMinutes(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	if m == 0 {
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}

func firstLine(out []byte, err error) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if line == "" {
		return err.Error()
	}
	return line
}
