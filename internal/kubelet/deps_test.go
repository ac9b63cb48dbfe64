package kubelet

import (
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestImports fails if a non-test file imports anything but the standard
// library and ecr: the point of writing these types by hand is to keep
// k8s.io (and the AWS SDK) out of this package, and so out of whatever
// links it.
func TestImports(t *testing.T) {
	for name, paths := range depcheck.Imports(t) {
		for _, path := range paths {
			if !depcheck.IsStandard(path) && path != "github.com/ecrlogin/docker-credential-ecrlogin/ecr" {
				t.Errorf("%s imports %q; only the standard library and ecr are allowed", name, path)
			}
		}
	}
}
