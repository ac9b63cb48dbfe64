package ecrauth_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestMain makes every test and example hermetic: a fresh HOME, no AWS
// setup of this machine, no instance metadata service. The go command's
// directories are pinned first, because they follow HOME and testbin
// builds the binaries with it.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	defer testbin.Cleanup()
	vars := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"}
	out, err := exec.Command("go", append([]string{"env"}, vars...)...).Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ecrauth test: go env:", err)
		return 1
	}
	for i, v := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		os.Setenv(vars[i], v)
	}
	for _, k := range []string{"ECRLOGIN_CACHE_DIR", "ECRLOGIN_NO_CACHE", "ECRLOGIN_LOG", "ECRLOGIN_TIMEOUT", "AWS_ECR_CACHE_DIR", "AWS_ECR_DISABLE_CACHE", "XDG_CACHE_HOME", "DOCKER_CONFIG", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"} {
		os.Unsetenv(k)
	}
	// The binaries are built with -race under -race; they exit when done.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return fakeaws.RunHermetic(m.Run)
}
