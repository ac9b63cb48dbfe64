package ecrauth_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the library's promise: it satisfies
// go-containerregistry's authn.Helper by shape, so programs that use
// another registry client do not link go-containerregistry through it.
// It also checks the library links the SDK fetcher, that is, that it is
// built on the same pieces as the binaries rather than a copy.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %d packages; the check would prove nothing", len(deps))
	}
	want := map[string]bool{
		"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine": false,
		"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch":       false,
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/google/go-containerregistry") {
			t.Errorf("ecrauth links %s", d)
		}
		if _, ok := want[d]; ok {
			want[d] = true
		}
	}
	for d, found := range want {
		if !found {
			t.Errorf("ecrauth does not link %s", d)
		}
	}
}
