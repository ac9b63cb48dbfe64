package dockerconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
)

// Result is what Update did.
type Result struct {
	// Path is the file read and written: the config path with symlinks
	// followed.
	Path string
	// Changes lists what changed; empty when the file was already
	// configured.
	Changes []Change
	// Diff is a unified diff from the old file to the new one; "" when
	// nothing changed.
	Diff string
	// Written reports that the file was replaced (never on a dry run).
	Written bool
}

// maxLinks bounds symlink chains, as the kernel does (ELOOP).
const maxLinks = 40

// Update applies e to the config file at path and, unless dryRun, writes
// the result. It holds a lock file beside the target (removed afterwards)
// across the read, the edit and the write, so concurrent Updates each keep
// the other's entries; a dry run takes no lock and creates nothing.
//
// A missing file (and directory) is created 0600 (0700). An existing file
// keeps its mode and owner; if it is a symlink, its target is replaced and
// the link kept. When the edit changes nothing, nothing is written and the
// file stays byte for byte as it was. A malformed file is an error wrapping
// ErrMalformed and is left untouched; a host that is not ECR is an error
// wrapping ecr.ErrNotECR, with nothing written.
func Update(ctx context.Context, path string, e Edit, dryRun bool) (Result, error) {
	target, err := resolve(path)
	if err != nil {
		return Result{}, err
	}
	res := Result{Path: target}
	if !dryRun {
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return res, fmt.Errorf("create docker config directory: %w", err)
		}
		unlock, err := cache.LockFile(ctx, target+".lock")
		if err != nil {
			return res, fmt.Errorf("lock docker config: %w", err)
		}
		defer unlock()
	}
	old, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("read docker config: %w", err)
	}
	c, err := Parse(old)
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.Path = target
		}
		return res, err
	}
	changes, out, err := c.Apply(e)
	if err != nil || len(changes) == 0 {
		return res, err
	}
	res.Changes = changes
	res.Diff = Diff(target, old, out)
	if dryRun {
		return res, nil
	}
	if err := writeAtomic(target, out); err != nil {
		return res, err
	}
	res.Written = true
	return res, nil
}

// resolve follows symlinks from path to the file they end at, which need
// not exist (a dangling link is followed to where its target would be).
func resolve(path string) (string, error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("docker config: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !fi.Mode().IsRegular() {
				return "", fmt.Errorf("docker config %s is not a regular file", p)
			}
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("docker config: %w", err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", fmt.Errorf("docker config %s: too many levels of symbolic links", path)
}

// writeAtomic replaces the file at path with data: a temporary file in the
// same directory (so the rename cannot cross file systems), given the old
// file's mode and owner, synced, then renamed over it. Readers see the old
// file or the new one, never a part; no temporary file survives an error.
func writeAtomic(path string, data []byte) (err error) {
	mode := fs.FileMode(0o600)
	fi, statErr := os.Stat(path)
	if statErr == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write docker config: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write docker config: %w", err)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if statErr == nil {
		if err := keepOwner(tmp, fi); err != nil {
			return err
		}
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}
