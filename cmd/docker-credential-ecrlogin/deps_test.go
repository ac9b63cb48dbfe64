package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFrontDependencies keeps the front small: docker execs it for every
// pull and push, and linking the AWS SDK (about 3 ms of package init and
// 6 ms per exec) or net/http would cost that on every one. Only the standard
// library, the credential-helper protocol package and our own SDK-free
// packages are allowed.
func TestFrontDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}|{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := []string{
		"github.com/docker/docker-credential-helpers/credentials",
		"github.com/pelletier/go-toml/v2/unstable",
		"github.com/pelletier/go-toml/v2/internal/parserbridge",
		"github.com/ecrlogin/docker-credential-ecrlogin/cache",
		"github.com/ecrlogin/docker-credential-ecrlogin/ecr",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/config",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/fetchcmd",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/settings",
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/version",
		"github.com/ecrlogin/docker-credential-ecrlogin/cmd/docker-credential-ecrlogin",
	}
	var n int
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		nonStd, path, _ := strings.Cut(line, "|")
		n++
		if path == "net/http" || strings.HasPrefix(path, "net/http/") {
			t.Errorf("the front links %s", path)
		}
		if nonStd == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || nonStd == a
		}
		if !ok {
			t.Errorf("the front links %s, which is not on the allowed list", nonStd)
		}
	}
	if n < 10 {
		t.Fatalf("go list -deps listed only %d packages; the check would prove nothing", n)
	}
}
