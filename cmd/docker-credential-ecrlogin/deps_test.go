package main

import (
	"slices"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestFrontDependencies keeps the front small: docker execs it for every
// pull and push, and linking the AWS SDK (about 3 ms of package init and
// 6 ms per exec) or net/http would cost that on every one. Only the standard
// library, the credential-helper protocol package and our own SDK-free
// packages are allowed.
func TestFrontDependencies(t *testing.T) {
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
	for _, p := range depcheck.Linked(t) {
		if depcheck.IsNetHTTP(p.Path) {
			t.Errorf("the front links %s", p.Path)
		}
		if !p.Standard && !slices.Contains(allowed, p.Path) {
			t.Errorf("the front links %s, which is not on the allowed list", p.Path)
		}
	}
}
