//go:build unix && !aix && (illumos || !solaris)

// flock(2) is in package syscall on every unix but AIX and Solaris proper;
// those two build lock_other.go.

package cache

import (
	"os"
	"syscall"
)

// lockExcludes reports whether Lock excludes other holders on this system.
const lockExcludes = true

// tryLock makes one non-blocking attempt to take an exclusive flock on f.
// flock locks belong to the open file description, so two opens of one
// file exclude each other even within a process, and the kernel drops the
// lock when its holder exits, however it exits.
func tryLock(f *os.File) (ok bool, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if ferr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB); ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	switch ferr {
	case nil:
		return true, nil
	case syscall.EWOULDBLOCK:
		return false, nil
	}
	return false, &os.PathError{Op: "flock", Path: f.Name(), Err: ferr}
}

// unlockFile releases the flock on f. Closing f would release it too;
// unlocking first keeps the release independent of any other descriptor
// for the same open file.
func unlockFile(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			syscall.Flock(int(fd), syscall.LOCK_UN)
		})
	}
}
