// Package cache keeps registry credentials on disk between runs of the
// credential helper, so that docker's many short-lived helper processes
// share one token instead of each asking the registry for its own.
//
// The cache is a directory of small files, one per key:
//
//	<key>.json   the entry (see Entry), replaced whole by rename
//	<key>.lock   the key's cross-process lock (see Cache.Lock)
//	*.tmp        an entry being written, or left by a writer that died
//	trim.txt     its modification time records the last cleanup
//
// Keys are opaque to this package; callers build them with Key from
// whatever identifies a credential (registry, account, identity). The
// package knows nothing about AWS.
//
// # Concurrency
//
// A *Cache is safe for concurrent use by multiple goroutines, and one cache
// directory is safe for concurrent use by multiple processes on a local file
// system:
//
//   - Readers take no lock. Put writes a complete file under a temporary
//     name, syncs it and renames it over the entry, so Get sees the old
//     entry or the new one, never a mix, even if a writer is killed.
//   - Lock excludes other holders of the same key, in this process and in
//     others (flock on unix, LockFileEx on Windows). Callers use it so that
//     one process refreshes a token while the others wait and then read
//     the result. A holder that dies releases the lock with it.
//   - LockOrFresh lets the waiters share the holder's outcome: its fresh
//     entry, or the failure it records with PutFailure. A failure is shared
//     only with callers already waiting when it was recorded and for at
//     most FailureLifetime, and is never served as a hit, so it is not
//     remembered: a caller that starts later tries again.
//   - Cleanup never removes an entry or lock file without holding that
//     key's lock, and Lock checks after locking that its file is still the
//     one the path names, so removing lock files cannot let two holders in.
//
// On network file systems rename is usually still atomic but the lock may
// not exclude; the worst outcome is two processes fetching the same token.
// On systems with neither flock in package syscall nor LockFileEx (plan9,
// wasm, AIX, Solaris) Lock excludes nothing (see lock_other.go), with the
// same worst outcome.
//
// Windows keeps a file that is open elsewhere from being renamed over or
// removed (os.Open does not share delete access). So there Put retries the
// rename briefly while a reader or a virus scanner has the entry open, and
// fails, leaving the old entry whole, only if the file stays open for half
// a second; the caller logs that and a later refresh writes again. Cleanup
// skips an expired entry or lock file that someone has open, until the next
// cleanup; it removes a lock file just after releasing it, which cannot let
// two holders in, since the removal fails if anyone has opened it since.
//
// # Failure
//
// The cache is an optimisation, never a source of failure: a nil *Cache is
// a valid, disabled cache, every unreadable entry is a miss (ErrMiss), and
// write errors are returned for the caller to log, never panicked on.
//
// # Clocks
//
// Freshness is judged by wall-clock times written into each entry (see
// Entry.Fresh). A clock that jumps forward makes entries look older, which
// only causes an early refresh. A clock that jumps back makes the current
// time fall before an entry's FetchedAt; Fresh then reports false, so the
// entry is refreshed and the new FetchedAt is consistent with the clock
// again; if that refresh fails, Usable still judges by ExpiresAt alone.
// Cleanup treats a last-cleanup time in the future as due, so it is not
// suspended until the clock catches up.
package cache
