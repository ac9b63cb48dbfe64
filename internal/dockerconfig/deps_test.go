package dockerconfig

import (
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestNoSDK fails if the package links the AWS SDK or net/http, directly
// or through the packages it imports: it is meant for diagnosis in either
// binary, including the front, which links neither.
func TestNoSDK(t *testing.T) {
	for _, p := range depcheck.Linked(t) {
		if strings.HasPrefix(p.Path, "github.com/aws/") || depcheck.IsNetHTTP(p.Path) {
			t.Errorf("dockerconfig depends on %s", p.Path)
		}
	}
}
