package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Platform is one GOOS/GOARCH pair a release ships for.
type platform struct{ goos, goarch string }

// platforms are the six targets: where docker runs (Docker Desktop on
// macOS and Windows, Linux hosts, CI runners and cluster nodes), each on
// amd64 and arm64.
var platforms = []platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func (p platform) String() string { return p.goos + "-" + p.goarch }

// exe is the suffix of executables on p.
func (p platform) exe() string {
	if p.goos == "windows" {
		return ".exe"
	}
	return ""
}

// Commands are the two binaries, by their main package directories.
var commands = []string{"docker-credential-ecrlogin", "ecrlogin"}

// Docs go into every archive beside the binaries, from the module root.
var docs = []string{"LICENSE", "README.md"}

// versionVar is where the link stamps the version (as in the Makefile).
const versionVar = "github.com/ecrlogin/docker-credential-ecrlogin/internal/version.Version"

// options are one run's settings.
type options struct {
	version   string
	out       string
	buildOnly bool      // -cross: binaries only
	root      string    // module root; empty means find it with go env GOMOD
	mtime     time.Time // time of every archive entry; run sets it (see releaseTime) when zero
	log       io.Writer // progress lines; nil discards
}

var versionRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// checkVersion accepts a semantic version with the v, as git tags have it.
func checkVersion(v string) error {
	if v == "" {
		return errors.New("no version: run make release VERSION=vX.Y.Z")
	}
	if !versionRE.MatchString(v) {
		return fmt.Errorf("version %q is not vX.Y.Z (or vX.Y.Z-suffix)", v)
	}
	return nil
}

// checkStamp accepts any version stamp that passes through -ldflags
// intact: printable, without spaces or quotes.
func checkStamp(v string) error {
	for _, r := range v {
		if r <= ' ' || r == '\'' || r == '"' || r == 0x7f {
			return fmt.Errorf("version %q has a space, a quote or a control character", v)
		}
	}
	return nil
}

// run builds every platform and, unless buildOnly, archives each and
// writes SHA256SUMS.
func run(ctx context.Context, opts options) error {
	if opts.log == nil {
		opts.log = io.Discard
	}
	if opts.root == "" {
		root, err := moduleRoot(ctx)
		if err != nil {
			return err
		}
		opts.root = root
	}
	if err := os.MkdirAll(opts.out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	if opts.buildOnly {
		for _, p := range platforms {
			if err := build(ctx, opts, p, filepath.Join(opts.out, p.String())); err != nil {
				return err
			}
		}
		return nil
	}
	if opts.mtime.IsZero() {
		t, err := releaseTime(ctx, opts.root)
		if err != nil {
			return err
		}
		opts.mtime = t
	}
	staging, err := os.MkdirTemp(opts.out, ".build-")
	if err != nil {
		return fmt.Errorf("create staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	var sums strings.Builder
	for _, p := range platforms {
		bin := filepath.Join(staging, p.String())
		if err := build(ctx, opts, p, bin); err != nil {
			return err
		}
		name, data, err := pack(opts, p, bin)
		if err != nil {
			return fmt.Errorf("pack %s: %w", p, err)
		}
		if err := os.WriteFile(filepath.Join(opts.out, name), data, 0o644); err != nil {
			return fmt.Errorf("write archive: %w", err)
		}
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(data), name)
		fmt.Fprintf(opts.log, "release: %s\n", filepath.Join(opts.out, name))
	}
	if err := os.WriteFile(filepath.Join(opts.out, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		return fmt.Errorf("write SHA256SUMS: %w", err)
	}
	fmt.Fprintf(opts.log, "release: %s\n", filepath.Join(opts.out, "SHA256SUMS"))
	return nil
}

// build compiles both commands for p into dir, statically and with nothing
// of this machine in them (see the package doc).
func build(ctx context.Context, opts options, p platform, dir string) error {
	fmt.Fprintf(opts.log, "release: building %s\n", p)
	args := []string{"build", "-trimpath",
		"-ldflags=-s -w -buildid= -X " + versionVar + "=" + opts.version,
		"-o", dir + string(filepath.Separator)}
	for _, c := range commands {
		args = append(args, "./cmd/"+c)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = opts.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.goos, "GOARCH="+p.goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", p, err, out)
	}
	return nil
}

// archiveFile is one file of an archive.
type archiveFile struct {
	name string // base name inside the archive's directory
	mode os.FileMode
	data []byte
}

// archiveName is the base name shared by p's archive and its directory.
func archiveName(version string, p platform) string {
	return "docker-credential-ecrlogin-" + version + "-" + p.String()
}

// pack returns the file name and bytes of p's archive of the binaries in
// bin and the docs.
func pack(opts options, p platform, bin string) (name string, data []byte, err error) {
	var files []archiveFile
	// docs first, then binaries: LICENSE, README.md, docker-credential-…,
	// ecrlogin, which is also byte order.
	for _, d := range docs {
		b, err := os.ReadFile(filepath.Join(opts.root, d))
		if err != nil {
			return "", nil, err
		}
		files = append(files, archiveFile{d, 0o644, b})
	}
	for _, c := range commands {
		b, err := os.ReadFile(filepath.Join(bin, c+p.exe()))
		if err != nil {
			return "", nil, err
		}
		files = append(files, archiveFile{c + p.exe(), 0o755, b})
	}
	dir := archiveName(opts.version, p)
	if p.goos == "windows" {
		data, err = zipArchive(dir, files, opts.mtime)
		return dir + ".zip", data, err
	}
	data, err = tarGzArchive(dir, files, opts.mtime)
	return dir + ".tar.gz", data, err
}

// tarGzArchive packs files into dir/ as a gzipped ustar archive in which
// only the names, modes, sizes and contents vary.
func tarGzArchive(dir string, files []archiveFile, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression) // header: no name, no time
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	hdr := func(name string, mode os.FileMode, size int64, typ byte) *tar.Header {
		return &tar.Header{Typeflag: typ, Name: name, Mode: int64(mode), Size: size, ModTime: mtime, Format: tar.FormatUSTAR}
	}
	if err := tw.WriteHeader(hdr(dir+"/", 0o755, 0, tar.TypeDir)); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := tw.WriteHeader(hdr(dir+"/"+f.name, f.mode, int64(len(f.data)), tar.TypeReg)); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipArchive packs files into dir/ as a zip archive in which only the
// names, modes, sizes and contents vary.
func zipArchive(dir string, files []archiveFile, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, mode os.FileMode, method uint16) (io.Writer, error) {
		h := &zip.FileHeader{Name: name, Method: method, Modified: mtime.UTC()}
		h.SetMode(mode)
		return zw.CreateHeader(h)
	}
	if _, err := add(dir+"/", os.ModeDir|0o755, zip.Store); err != nil {
		return nil, err
	}
	for _, f := range files {
		w, err := add(dir+"/"+f.name, f.mode, zip.Deflate)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// releaseTime is SOURCE_DATE_EPOCH if set, else HEAD's commit time: the
// same for every run from one commit.
func releaseTime(ctx context.Context, root string) (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 315532800 { // zip cannot date before 1980
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not seconds since 1970 after 1980", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	cmd := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct", "HEAD")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return time.Time{}, fmt.Errorf("date the archives from git (or set SOURCE_DATE_EPOCH): %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("date the archives: git commit time %q: %w", out, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the docker-credential-ecrlogin module; run from its checkout")
	}
	return filepath.Dir(mod), nil
}
