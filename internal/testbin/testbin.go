package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Front and Tool are the binaries' file names.
const (
	Front = "docker-credential-ecrlogin"
	Tool  = "ecrlogin"
)

var (
	once   sync.Once
	dir    string
	output string
	err    error
)

// Dir returns a directory holding freshly built binaries of both commands.
// They are built once per test process (with -race when the test binary
// has it, so races in the real processes fail the tests too) and removed
// by Cleanup, which the caller's TestMain should defer.
func Dir(t testing.TB) string {
	t.Helper()
	once.Do(build)
	if err != nil {
		t.Fatalf("building binaries: %v\n%s", err, output)
	}
	return dir
}

// Path returns the full path of the named binary (Front or Tool).
func Path(t testing.TB, name string) string {
	return filepath.Join(Dir(t), name+exeSuffix())
}

// Cleanup removes the binaries built by Dir, if any.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

func build() {
	dir, err = os.MkdirTemp("", "ecrlogin-bin-")
	if err != nil {
		return
	}
	root, rerr := moduleRoot()
	if rerr != nil {
		err = rerr
		return
	}
	args := []string{"build", "-trimpath", "-o", dir + string(filepath.Separator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/"+Front, "./cmd/"+Tool)
	cmd := exec.Command(goTool(), args...)
	cmd.Dir = root
	out, berr := cmd.CombinedOutput()
	output, err = string(out), berr
}

// moduleRoot asks the go command where go.mod is, so tests work from any
// package directory.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"+exeSuffix()); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
