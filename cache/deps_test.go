package cache

import (
	"go/ast"
	"strconv"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/depcheck"
)

// allowedImports is everything the package may import. The front binary
// serves cache hits with this package on every docker pull, so it must stay
// on the standard library and off the heavy parts of it (no net/http, no
// golang.org/x/sys). Add to the list deliberately, not to make this pass.
var allowedImports = map[string]bool{
	"context":       true,
	"crypto/sha256": true,
	"runtime":       true,
	// The AWS SDK's home-directory rule, shared with the identity
	// fingerprint: standard library only (see its own imports).
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir": true,
	"encoding/binary": true,
	"encoding/hex":    true,
	"encoding/json":   true,
	"errors":          true,
	"fmt":             true,
	"io":              true,
	"io/fs":           true,
	"log/slog":        true,
	"os":              true,
	"path/filepath":   true,
	"strconv":         true,
	"strings":         true,
	"sync":            true,
	"sync/atomic":     true,
	"syscall":         true,
	"time":            true,
	// lock_windows.go passes an OVERLAPPED to LockFileEx by address.
	"unsafe": true,
}

// TestImports fails if a non-test file imports something outside
// allowedImports, or declares an init function: the package must do no
// work before it is called.
func TestImports(t *testing.T) {
	t.Parallel()
	for name, f := range depcheck.Sources(t) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowedImports[path] {
				t.Errorf("%s imports %q, which is not in allowedImports", name, path)
			}
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" {
				t.Errorf("%s declares func init", name)
			}
		}
	}
}
