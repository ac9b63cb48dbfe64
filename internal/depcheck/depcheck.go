// Package depcheck is test support for the tests that keep a package's
// dependencies what they should be: the front must not link the AWS SDK
// or net/http, the cache must stay on a short list of standard packages,
// the fakes must not import testing, and so on. Each test states its own
// rule; this package only lists what there is to judge.
package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Package is one package a build links.
type Package struct {
	Path     string
	Standard bool // in the standard library
}

// Linked returns every package the package in the working directory links,
// as `go list -deps` reports them, standard ones included. It fails t if
// go list fails or lists fewer than 10 packages: a rule checked against
// so few would prove nothing.
func Linked(t testing.TB) []Package {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.Standard}} {{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	var pkgs []Package
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		std, path, _ := strings.Cut(line, " ")
		pkgs = append(pkgs, Package{Path: path, Standard: std == "true"})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list -deps listed only %d packages; the check would prove nothing", len(pkgs))
	}
	return pkgs
}

// IsNetHTTP reports whether path is net/http or one of its subpackages.
func IsNetHTTP(path string) bool {
	return path == "net/http" || strings.HasPrefix(path, "net/http/")
}

// Sources parses the non-test .go files of the package in the working
// directory, by file name. It fails t if there are none.
func Sources(t testing.TB) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := make(map[string]*ast.File)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	if len(files) == 0 {
		t.Fatal("no non-test .go files here; the check would prove nothing")
	}
	return files
}

// Imports returns, for each non-test file of the package in the working
// directory, the paths it imports.
func Imports(t testing.TB) map[string][]string {
	t.Helper()
	imports := make(map[string][]string)
	for name, f := range Sources(t) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			imports[name] = append(imports[name], path)
		}
	}
	return imports
}

// IsStandard reports whether an import path names a standard package:
// its first element has no dot, as for every path outside GOROOT.
func IsStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
