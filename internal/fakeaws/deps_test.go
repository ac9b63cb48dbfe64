package fakeaws_test

import (
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// TestStandardLibraryOnly keeps the package linkable into the demo program:
// it may import only the standard library, and never testing.
func TestStandardLibraryOnly(t *testing.T) {
	for name, paths := range depcheck.Imports(t) {
		for _, path := range paths {
			if !depcheck.IsStandard(path) || path == "testing" || strings.HasPrefix(path, "testing/") {
				t.Errorf("%s imports %q; package fakeaws may use only the standard library, without testing", name, path)
			}
		}
	}
}
