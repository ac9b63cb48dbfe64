package config

import (
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestDependencies keeps the package fit for the front, which reads the
// file on every get: no AWS SDK, no net/http, and of go-toml only its
// low-level parser (the decoder costs 0.2 ms per exec; see doc.go).
func TestDependencies(t *testing.T) {
	allowed := map[string]bool{
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/config":  true,
		"github.com/ecrlogin/docker-credential-ecrlogin/ecr":              true,
		"github.com/ecrlogin/docker-credential-ecrlogin/cache":            true,
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir": true,
		"github.com/pelletier/go-toml/v2/unstable":                        true,
		"github.com/docker/docker-credential-helpers/credentials":         true, // through ecr
		"github.com/pelletier/go-toml/v2/internal/parserbridge":           true,
	}
	for _, p := range depcheck.Linked(t) {
		if depcheck.IsNetHTTP(p.Path) {
			t.Errorf("internal/config links %s", p.Path)
		}
		if !p.Standard && !allowed[p.Path] {
			t.Errorf("internal/config links %s, which is not on the allowed list", p.Path)
		}
	}
}
