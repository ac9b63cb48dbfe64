package ecrauth_test

import (
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestDependencies keeps the library's promise: it satisfies
// go-containerregistry's authn.Helper by shape, so programs that use
// another registry client do not link go-containerregistry through it.
// It also checks the library links the SDK fetcher, that is, that it is
// built on the same pieces as the binaries rather than a copy.
func TestDependencies(t *testing.T) {
	want := map[string]bool{
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine": false,
		"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch":       false,
	}
	for _, p := range depcheck.Linked(t) {
		if strings.HasPrefix(p.Path, "github.com/google/go-containerregistry") {
			t.Errorf("ecrauth links %s", p.Path)
		}
		if _, ok := want[p.Path]; ok {
			want[p.Path] = true
		}
	}
	for d, found := range want {
		if !found {
			t.Errorf("ecrauth does not link %s", d)
		}
	}
}
