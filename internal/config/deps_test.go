package config

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the package fit for the front, which reads the
// file on every get: no AWS SDK, no net/http, and of go-toml only its
// low-level parser (the decoder costs 0.2 ms per exec; see doc.go).
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}|{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/config":  true,
		"github.com/ecrlogin/docker-credential-ecrlogin/ecr":              true,
		"github.com/ecrlogin/docker-credential-ecrlogin/cache":            true,
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir": true,
		"github.com/pelletier/go-toml/v2/unstable":                        true,
		"github.com/docker/docker-credential-helpers/credentials":         true, // through ecr
		"github.com/pelletier/go-toml/v2/internal/parserbridge":           true,
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, line := range lines {
		nonStd, path, _ := strings.Cut(line, "|")
		if path == "net/http" || strings.HasPrefix(path, "net/http/") {
			t.Errorf("internal/config links %s", path)
		}
		if nonStd != "" && !allowed[nonStd] {
			t.Errorf("internal/config links %s, which is not on the allowed list", nonStd)
		}
	}
	if len(lines) < 10 {
		t.Fatalf("go list -deps listed only %d packages; the check would prove nothing", len(lines))
	}
}
