//go:build unix

package cache

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow makes opening a symlink fail instead of following it, so a
// link planted in the cache directory cannot make the cache read or write
// some other file.
const openNoFollow = syscall.O_NOFOLLOW

// entryFile is an entry opened for reading: a raw descriptor, so that the
// hit path costs open, read and close and nothing else (no os.File, no
// fstat, no poller registration).
type entryFile int

// openEntryFile opens the entry at path without following a symlink and
// without blocking: O_NONBLOCK makes no difference to a regular file, but a
// FIFO planted in the cache directory then reads as empty (a miss) instead
// of hanging the helper.
func openEntryFile(path string) (entryFile, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			return entryFile(fd), nil
		}
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.ENOENT {
			return -1, &absentError{path: path}
		}
		perr := &fs.PathError{Op: "open", Path: path, Err: err}
		// O_NOFOLLOW's error for a symlink differs between systems (ELOOP,
		// EMLINK, EFTYPE); asking what the path is covers them all.
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return -1, fmt.Errorf("%w: %s is not a regular file: %w", ErrMiss, path, perr)
		}
		return -1, perr
	}
}

// read reads into p, returning 0 and no error at end of file. A directory
// or a FIFO with a writer but no data is a miss.
func (f entryFile) read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), p)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EISDIR, syscall.EAGAIN:
			return 0, fmt.Errorf("%w: read: %w", ErrMiss, err)
		default:
			return 0, fmt.Errorf("read: %w", err)
		}
	}
}

func (f entryFile) close() {
	syscall.Close(int(f))
}
