//go:build !unix

package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// openNoFollow is the flag that makes opening a symlink fail. Systems other
// than unix have none; entryFile checks with Lstat instead.
const openNoFollow = 0

// entryFile is an entry opened for reading.
type entryFile struct{ f *os.File }

// openEntryFile opens the entry at path if it is a regular file. Without
// O_NOFOLLOW the check and the open are two steps, so a symlink swapped in
// between would be followed; the directory is private to its owner, so only
// the owner could do that.
func openEntryFile(path string) (entryFile, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return entryFile{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	if err != nil {
		return entryFile{}, err
	}
	if !fi.Mode().IsRegular() {
		return entryFile{}, fmt.Errorf("%w: %s is not a regular file", ErrMiss, path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return entryFile{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	if err != nil {
		return entryFile{}, err
	}
	return entryFile{f}, nil
}

// read reads into p, returning 0 and no error at end of file.
func (f entryFile) read(p []byte) (int, error) {
	n, err := f.f.Read(p)
	if err == io.EOF {
		return n, nil
	}
	return n, err
}

func (f entryFile) close() {
	f.f.Close()
}
