//go:build windows

package cache

import (
	"os"
	"syscall"
	"unsafe"
)

// lockExcludes reports whether Lock excludes other holders on this system.
const lockExcludes = true

// LockFileEx and UnlockFileEx are not in package syscall, and this package
// stays off golang.org/x/sys (the front links it on every docker pull), so
// they are looked up in kernel32.dll, which package syscall registers as a
// system DLL: it is loaded from the system directory only, never from the
// search path. Looking up costs nothing until the first lock.
var (
	kernel32         = syscall.NewLazyDLL("kernel32.dll")
	procLockFileEx   = kernel32.NewProc("LockFileEx")
	procUnlockFileEx = kernel32.NewProc("UnlockFileEx")
)

const (
	lockfileFailImmediately = 0x1
	lockfileExclusiveLock   = 0x2

	// errorLockViolation is what LockFileEx returns, with
	// LOCKFILE_FAIL_IMMEDIATELY, when another handle holds the range.
	errorLockViolation syscall.Errno = 33

	// lockRange is the whole of any file (offset 0, length 2^64-1): the
	// lock is on the file, not on bytes of it, as flock's is.
	lockRange = ^uint32(0)
)

// tryLock makes one non-blocking attempt to take an exclusive LockFileEx
// lock on f. Such locks belong to the file handle, so two opens of one
// file exclude each other even within a process, as flock's do, and
// Windows releases them when the handle is closed or its process exits,
// however it exits.
func tryLock(f *os.File) (ok bool, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(h uintptr) {
		lerr = lockFileEx(syscall.Handle(h), lockfileExclusiveLock|lockfileFailImmediately)
	}); err != nil {
		return false, err
	}
	switch lerr {
	case nil:
		return true, nil
	case errorLockViolation:
		return false, nil
	}
	return false, &os.PathError{Op: "LockFileEx", Path: f.Name(), Err: lerr}
}

// unlockFile releases the lock on f. Closing f would release it too;
// unlocking first makes the release immediate rather than whenever Windows
// gets round to it after the close.
func unlockFile(f *os.File) {
	if procUnlockFileEx.Find() != nil {
		return // then LockFileEx cannot have locked anything either
	}
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(h uintptr) {
			var ol syscall.Overlapped
			procUnlockFileEx.Call(h, 0, uintptr(lockRange), uintptr(lockRange), uintptr(unsafe.Pointer(&ol)))
		})
	}
}

// lockFileEx calls LockFileEx on the whole file. Find first, because
// LazyProc.Call panics on a missing procedure.
func lockFileEx(h syscall.Handle, flags uint32) error {
	if err := procLockFileEx.Find(); err != nil {
		return err
	}
	var ol syscall.Overlapped // offset 0
	r, _, errno := procLockFileEx.Call(uintptr(h), uintptr(flags), 0, uintptr(lockRange), uintptr(lockRange), uintptr(unsafe.Pointer(&ol)))
	if r != 0 {
		return nil
	}
	if e, ok := errno.(syscall.Errno); ok && e != 0 {
		return e
	}
	return syscall.EINVAL
}
