package kubelet

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports fails if a non-test file imports anything but the standard
// library and ecr: the point of writing these types by hand is to keep
// k8s.io (and the AWS SDK) out of this package, and so out of whatever
// links it.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && path != "github.com/ecrlogin/docker-credential-ecrlogin/ecr" {
				t.Errorf("%s imports %q; only the standard library and ecr are allowed", name, path)
			}
		}
	}
}
