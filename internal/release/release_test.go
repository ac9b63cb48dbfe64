package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// entry is what the test checks of one archive member.
type entry struct {
	name  string
	mode  os.FileMode
	mtime time.Time
}

// TestReleaseReproducible runs the release twice from this checkout into
// two directories: the archives must be byte-identical, hold exactly the
// expected entries with fixed owners, modes and times, match SHA256SUMS,
// and the Linux binaries must be static and stamped with the version.
func TestReleaseReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 12 binaries twice; skipped with -short")
	}
	const version = "v0.0.0-test"
	mtime := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	// The command itself, built without the race detector, does the work:
	// compressing 30 MB under -race would take minutes.
	tool := filepath.Join(t.TempDir(), "release"+exeSuffix())
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/release: %v\n%s", err, out)
	}
	var outs [2]string
	for i := range outs {
		outs[i] = filepath.Join(t.TempDir(), "dist")
		cmd := exec.Command(tool, "-version", version, "-out", outs[i])
		cmd.Env = append(os.Environ(), fmt.Sprintf("SOURCE_DATE_EPOCH=%d", mtime.Unix()))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("release run %d: %v\n%s", i+1, err, out)
		}
	}

	var want []string
	for _, p := range platforms {
		want = append(want, archiveName(version, p)+map[bool]string{true: ".zip", false: ".tar.gz"}[p.goos == "windows"])
	}
	want = append(want, "SHA256SUMS")
	slices.Sort(want)
	for _, out := range outs {
		if got := listDir(t, out); !slices.Equal(got, want) {
			t.Fatalf("%s holds %q, want %q", out, got, want)
		}
	}
	for _, name := range want {
		a, b := readFile(t, filepath.Join(outs[0], name)), readFile(t, filepath.Join(outs[1], name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs (%d and %d bytes)", name, len(a), len(b))
		}
	}

	sums := string(readFile(t, filepath.Join(outs[0], "SHA256SUMS")))
	for _, p := range platforms {
		dir := archiveName(version, p)
		file := dir + ".tar.gz"
		if p.goos == "windows" {
			file = dir + ".zip"
		}
		t.Run(p.String(), func(t *testing.T) {
			data := readFile(t, filepath.Join(outs[0], file))
			if line := fmt.Sprintf("%x  %s\n", sha256.Sum256(data), file); !strings.Contains(sums, line) {
				t.Errorf("SHA256SUMS lacks %q", line)
			}
			var got []entry
			var bins map[string][]byte
			if p.goos == "windows" {
				got, bins = readZip(t, data)
			} else {
				got, bins = readTarGz(t, data)
			}
			wantEntries := []entry{
				{dir + "/", os.ModeDir | 0o755, mtime},
				{dir + "/LICENSE", 0o644, mtime},
				{dir + "/README.md", 0o644, mtime},
				{dir + "/docker-credential-ecrlogin" + p.exe(), 0o755, mtime},
				{dir + "/ecrlogin" + p.exe(), 0o755, mtime},
			}
			if !slices.Equal(got, wantEntries) {
				t.Errorf("%s holds\n%v\nwant\n%v", file, got, wantEntries)
			}
			if p.goos != "linux" {
				return
			}
			for _, c := range commands {
				f, err := elf.NewFile(bytes.NewReader(bins[c]))
				if err != nil {
					t.Fatalf("%s: %v", c, err)
				}
				for _, prog := range f.Progs {
					if prog.Type == elf.PT_INTERP {
						t.Errorf("%s for %s is dynamically linked (has PT_INTERP); want static", c, p)
					}
				}
			}
			if p.goos == runtime.GOOS && p.goarch == runtime.GOARCH {
				for _, c := range commands {
					if out := runVersion(t, bins[c]); !strings.Contains(out, version) {
						t.Errorf("%s --version = %q, want it to say %s", c, out, version)
					}
				}
			}
		})
	}
}

// TestCheckVersion: make release takes vX.Y.Z with an optional suffix and
// nothing else.
func TestCheckVersion(t *testing.T) {
	for _, tt := range []struct {
		v  string
		ok bool
	}{
		{"v1.2.3", true},
		{"v0.0.0-test", true},
		{"v10.20.30-rc.1", true},
		{"", false},
		{"1.2.3", false},
		{"v1.2", false},
		{"v01.2.3", false},
		{"v1.2.3 ", false},
		{"v1.2.3/../x", false},
	} {
		t.Run(tt.v, func(t *testing.T) {
			if err := checkVersion(tt.v); (err == nil) != tt.ok {
				t.Errorf("checkVersion(%q) = %v, want ok=%v", tt.v, err, tt.ok)
			}
		})
	}
}

// TestCheckStamp: make cross takes any stamp -ldflags can carry.
func TestCheckStamp(t *testing.T) {
	for _, tt := range []struct {
		v  string
		ok bool
	}{
		{"devel", true},
		{"1a2b3c4-dirty", true},
		{"v1.2.3-4-g1a2b3c4", true},
		{"a b", false},
		{"a'b", false},
		{`a"b`, false},
		{"a\nb", false},
	} {
		t.Run(tt.v, func(t *testing.T) {
			if err := checkStamp(tt.v); (err == nil) != tt.ok {
				t.Errorf("checkStamp(%q) = %v, want ok=%v", tt.v, err, tt.ok)
			}
		})
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readTarGz lists a .tar.gz, checking the gzip header and the owners, and
// returns the binaries' contents by command name.
func readTarGz(t *testing.T, data []byte) ([]entry, map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, time %v; want neither", zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var entries []entry
	bins := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d/%d (%q/%q), want 0/0 with no names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		entries = append(entries, entry{h.Name, h.FileInfo().Mode(), h.ModTime.UTC()})
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		bins[filepath.Base(h.Name)] = b
	}
	return entries, bins
}

// readZip lists a .zip and returns the binaries' contents by command name
// (without .exe).
func readZip(t *testing.T, data []byte) ([]entry, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []entry
	bins := map[string][]byte{}
	for _, f := range zr.File {
		entries = append(entries, entry{f.Name, f.Mode(), f.Modified.UTC()})
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		bins[strings.TrimSuffix(filepath.Base(f.Name), ".exe")] = b
	}
	return entries, bins
}

// exeSuffix is the suffix of executables here.
func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// runVersion writes a binary out and runs it with --version.
func runVersion(t *testing.T, bin []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(path, bin, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, "--version").CombinedOutput()
	if err != nil {
		t.Errorf("%s --version: %v\n%s", path, err, out)
	}
	return string(out)
}
