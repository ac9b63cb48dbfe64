package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestMain makes every test hermetic — nothing of this machine's AWS,
// Docker or proxy setup reaches the helper or the clients — and lets the
// test binary double as the client process that registry_client_test.go
// starts (see runChild).
func TestMain(m *testing.M) {
	if mode := os.Getenv(childModeEnv); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	defer testbin.Cleanup()
	if err := pinGoDirs(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	home, err := os.MkdirTemp("", "ecrlogin-e2e-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: make temporary HOME:", err)
		return 1
	}
	defer os.RemoveAll(home)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if isMachineSetting(k) {
			os.Unsetenv(k)
		}
	}
	for k, v := range map[string]string{
		"HOME":                        home,
		"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":              filepath.Join(home, ".cache"),
		"AWS_CONFIG_FILE":             filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	// Race-enabled binaries (testbin builds them under -race) sleep a
	// second at exit by default so that racing goroutines get reported;
	// the helper is exec'd dozens of times here, and its goroutines are
	// done when it exits.
	os.Setenv("GORACE", noExitSleep(os.Getenv("GORACE")))
	return m.Run()
}

// noExitSleep adds atexit_sleep_ms=0 to a GORACE value unless it sets that
// option already.
func noExitSleep(gorace string) string {
	if strings.Contains(gorace, "atexit_sleep_ms") {
		return gorace
	}
	return strings.TrimSpace(gorace + " atexit_sleep_ms=0")
}

// pinGoDirs fixes the go command's cache, module and config locations in
// the environment before HOME moves: the go command finds them through
// HOME, and testbin runs it to build the binaries, which must stay an
// incremental build rather than a cold one in an empty temporary home.
func pinGoDirs() error {
	vars := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"}
	out, err := exec.Command(goCommand(), append([]string{"env"}, vars...)...).Output()
	if err != nil {
		return fmt.Errorf("go env: %w", err)
	}
	values := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(values) != len(vars) {
		return fmt.Errorf("go env printed %q, want %d lines", out, len(vars))
	}
	for i, k := range vars {
		os.Setenv(k, values[i])
	}
	return nil
}

func goCommand() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// isMachineSetting reports whether an environment variable would let this
// machine's own configuration steer the helper or a registry client.
func isMachineSetting(key string) bool {
	upper := strings.ToUpper(key)
	if strings.HasPrefix(upper, "ECRLOGIN_E2E_") {
		return false // this suite's own switches, such as ECRLOGIN_E2E_DOCKER
	}
	for _, prefix := range []string{"AWS_", "ECRLOGIN_", "DOCKER_", "XDG_"} {
		if strings.HasPrefix(upper, prefix) {
			return true
		}
	}
	switch upper {
	case "HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REGISTRY_AUTH_FILE", "SSL_CERT_FILE", "SSL_CERT_DIR":
		return true
	}
	return false
}
