package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	// ErrMiss reports that the cache holds no usable entry for a key: none
	// at all, or a file that is corrupt, truncated, of another format
	// version, of the wrong shape, a directory or a symlink. Callers fetch
	// afresh and Put the result, which replaces whatever was there.
	ErrMiss = errors.New("cache miss")

	// ErrUnsafe reports a cache directory that others could tamper with:
	// group- or world-writable, or owned by another user. Open refuses it
	// rather than serve credentials someone else could have planted, and
	// never changes its permissions, since the directory is not its own.
	ErrUnsafe = errors.New("cache directory is unsafe")

	errInvalidKey = errors.New("invalid cache key")
)

const (
	entrySuffix = ".json"
	lockSuffix  = ".lock"
	tempSuffix  = ".tmp"

	// maxKeyLen bounds keys well below file-name limits once suffixes and
	// the temporary-file infix are added.
	maxKeyLen = 128
)

// Options configures a Cache. The zero value is ready to use.
type Options struct {
	// Logger receives debug records about misses and cleanup, never a
	// secret. Nil discards.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now; tests inject their own.
	Now func() time.Time
}

// Cache is a directory of credential entries. A nil *Cache is a valid,
// disabled cache: Get misses, Put and Delete do nothing and return nil,
// Lock returns a no-op unlock and List returns nothing, so callers running
// uncached need no branches.
//
// A Cache holds no open files and no goroutines; it needs no Close.
type Cache struct {
	dir string
	log *slog.Logger
	now func() time.Time

	// warned is set once the cache has logged, at warning level, that it
	// cannot be written; later failures are logged at debug level, so an
	// unusable directory costs the user one line, not one per entry.
	warned atomic.Bool

	// lockHook, if set, is called by Lock with "busy" after each attempt
	// that found the lock held and "stale" after each lock that turned out
	// to be on a removed file. Tests only.
	lockHook func(event string)
}

// Open returns the cache in dir, creating dir (mode 0700, and any missing
// parents) if it does not exist.
//
// Open refuses, with an error wrapping ErrUnsafe, a directory that is group-
// or world-writable or (on unix) owned by anyone but the current user, or a
// symlink to such a directory. The caller then runs uncached. It does not
// check the directory's parents.
//
// Open does not probe for write access: in a read-only directory it
// succeeds, Get works, and Put and Lock return errors for the caller to log.
func Open(dir string, opts Options) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("open cache: no directory")
	}
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		fi, err = createDir(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open cache: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open cache: %s is not a directory", dir)
	}
	if err := checkDirSafe(fi); err != nil {
		return nil, fmt.Errorf("open cache %s: %w", dir, err)
	}
	c := &Cache{dir: dir, log: opts.Logger, now: opts.Now}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// createDir makes dir with mode 0700. A umask can only take bits away, so
// the mode is reset afterwards in case it took the owner's; this is the one
// place the package changes a directory's mode, and only one it has just
// created.
func createDir(dir string) (fs.FileInfo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() == 0o700 || !fi.IsDir() {
		return fi, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	return os.Stat(dir)
}

// Get returns the entry stored under key. The error wraps ErrMiss if there
// is no usable entry; any other error is I/O trouble (say, permission
// denied), which callers also treat as a miss. Get does not judge
// freshness: see Entry.Fresh.
//
// A hit is one open and one read of one small file, with no lock and no
// directory scan.
func (c *Cache) Get(key string) (Entry, error) {
	if c == nil {
		return Entry{}, ErrMiss
	}
	if err := checkKey(key); err != nil {
		return Entry{}, fmt.Errorf("get cache entry: %w", err)
	}
	e, err := readEntry(c.path(key, entrySuffix))
	if err != nil {
		if a, ok := err.(*absentError); ok {
			return Entry{}, a
		}
		if errors.Is(err, ErrMiss) && !errors.Is(err, fs.ErrNotExist) {
			c.log.Debug("unusable cache entry", "key", key, "err", err)
		}
		return Entry{}, fmt.Errorf("get cache entry: %w", err)
	}
	return e, nil
}

// Put stores e under key, replacing any previous entry or junk of that
// name. The write is atomic and durable: the entry goes to a temporary file
// (mode 0600) in the cache directory, is synced and renamed into place, so
// a reader sees the old entry or the new one and a crash leaves one of
// them, never a torn file. Put takes no lock; callers that refresh hold
// Lock for the key so that others wait for the new entry.
//
// Afterwards, at most once an hour, Put removes expired entries, stray
// temporary files and idle lock files, so the directory does not grow
// without bound. Cleanup failures are logged, not returned.
func (c *Cache) Put(key string, e Entry) error {
	if c == nil {
		return nil
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put cache entry: %w", err)
	}
	data, err := encodeEntry(e)
	if err != nil {
		return fmt.Errorf("put cache entry: %w", err)
	}
	if err := c.write(key, data, e.ExpiresAt); err != nil {
		c.degraded("write", key, err)
		return fmt.Errorf("put cache entry: %w", err)
	}
	c.maybeCleanup()
	return nil
}

// write puts data in place for key. The entry file's modification time is
// set to expires, a hint that lets cleanup skip unexpired entries without
// reading them; cleanup reads an entry before removing it, so a wrong hint
// costs time, never an entry.
func (c *Cache) write(key string, data []byte, expires time.Time) (err error) {
	f, err := os.CreateTemp(c.dir, key+".*"+tempSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	// CreateTemp uses 0600, but a umask such as 0277 may have taken the
	// owner's write bit; reset it so the file is exactly 0600.
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	// Only hint expiry times that are in the future and that the file
	// system can hold; anything else keeps the creation time, which marks
	// the entry for a (reading) check at the next cleanup.
	if now := c.now(); expires.After(now) && expires.Year() < 2200 {
		if err := os.Chtimes(tmp, expires, expires); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	dst := c.path(key, entrySuffix)
	if err := replaceFile(tmp, dst); err != nil {
		// rename cannot replace a directory. Something made one where an
		// entry belongs; it is junk in our namespace, so clear it once.
		fi, statErr := os.Lstat(dst)
		if statErr != nil || !fi.IsDir() {
			return err
		}
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	}
	// Make the rename itself durable. Best effort: some systems cannot
	// sync a directory, and the entry is already safely in place for any
	// outcome short of a power cut.
	syncDir(c.dir)
	return nil
}

// PutFailure records under key that the caller's refresh failed, so that
// the callers waiting in LockOrFresh for that refresh take f as their
// answer (see LockOrFresh). The caller holds key's lock. The previous
// entry's credentials, if any, stay beside the failure, so a token that
// is still usable is not lost; a NotFound entry does not (the refresh was
// meant to replace it). f.At defaults to now.
//
// The record is never served as a hit: Get returns it, but an entry with
// only a failure is neither Fresh nor Usable, the next successful Put
// replaces it, and cleanup removes it like an expired entry.
func (c *Cache) PutFailure(key string, f Failure) error {
	if c == nil {
		return nil
	}
	if f.At.IsZero() {
		f.At = c.now()
	}
	e, err := c.Get(key)
	if err != nil || e.NotFound {
		e = Entry{}
	}
	e.Failure = &f
	return c.Put(key, e)
}

// Delete removes the entry stored under key. An absent entry is not an
// error. Its lock file stays; cleanup removes it once idle.
func (c *Cache) Delete(key string) error {
	if c == nil {
		return nil
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete cache entry: %w", err)
	}
	if err := os.RemoveAll(c.path(key, entrySuffix)); err != nil {
		return fmt.Errorf("delete cache entry: %w", err)
	}
	return nil
}

// List returns every entry with credentials that has not expired
// (ExpiresAt after now; NotFound entries hold none), in no particular
// order. Misses are skipped silently; entries that could not be read for
// other reasons are skipped and reported, joined, in err, alongside the
// entries that could.
func (c *Cache) List() ([]Entry, error) {
	if c == nil {
		return nil, nil
	}
	names, err := c.names()
	if err != nil {
		return nil, fmt.Errorf("list cache: %w", err)
	}
	now := c.now()
	var entries []Entry
	var errs []error
	for _, name := range names {
		key, ok := strings.CutSuffix(name, entrySuffix)
		if !ok || checkKey(key) != nil {
			continue
		}
		e, err := readEntry(c.path(key, entrySuffix))
		switch {
		case errors.Is(err, ErrMiss):
		case err != nil:
			errs = append(errs, err)
		case e.ExpiresAt.After(now) && !e.NotFound:
			entries = append(entries, e)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return entries, fmt.Errorf("list cache: %w", err)
	}
	return entries, nil
}

// names returns the names in the cache directory, unsorted.
func (c *Cache) names() ([]string, error) {
	d, err := os.Open(c.dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// degraded logs that the cache could not be written (op is "lock" or
// "write"): once per Cache at warning level, saying that tokens are still
// served, uncached; after that at debug level. This is how an unusable
// cache directory shows: a log line, never a failed get.
func (c *Cache) degraded(op, key string, err error) {
	if c.warned.CompareAndSwap(false, true) {
		c.log.Warn("cache directory is not writable; fetching without the cache", "dir", c.dir, "op", op, "err", err)
		return
	}
	c.log.Debug("cache not writable", "op", op, "key", key, "err", err)
}

// syncDir makes a rename in dir durable, as far as the system allows.
// Errors are ignored: some systems (Windows) cannot sync a directory, and
// the rename has already happened.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// path names key's file with the given suffix. Plain concatenation: the
// directory came through Open and the key through checkKey, so there is
// nothing for filepath.Join to clean, and the hit path saves its work.
func (c *Cache) path(key, suffix string) string {
	return c.dir + string(os.PathSeparator) + key + suffix
}

// checkKey accepts keys that are safe as a file-name stem everywhere:
// 1 to maxKeyLen characters from [A-Za-z0-9_-]. Key's output always
// passes; the check keeps a malformed caller-made key from naming a path
// outside the cache directory.
func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("%w: length %d", errInvalidKey, len(key))
	}
	for i := 0; i < len(key); i++ {
		switch b := key[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '_', b == '-':
		default:
			return fmt.Errorf("%w: %q", errInvalidKey, key)
		}
	}
	return nil
}

// readEntry reads and decodes the entry file at path, reading at most
// maxEntrySize+1 bytes. Absence, a symlink or a directory is an error
// wrapping ErrMiss, as is anything decodeEntry rejects.
//
// Put's files end in the only newline they contain, so a read that ends in
// a newline has the whole file and the hit path stops after one read
// instead of reading again to see end-of-file. A short read of anything
// else is simply continued.
func readEntry(path string) (Entry, error) {
	f, err := openEntryFile(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.close()
	// Big enough for a typical token in one read; larger files grow the
	// buffer up to one byte past the limit, which is how "too large" shows.
	buf := make([]byte, 8<<10)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, min(2*len(buf), maxEntrySize+1)-len(buf))...)
		}
		m, err := f.read(buf[n:])
		if err != nil {
			return Entry{}, err
		}
		n += m
		if n > maxEntrySize {
			return Entry{}, fmt.Errorf("%w: %w: more than %d bytes", ErrMiss, errEntryTooLarge, maxEntrySize)
		}
		if m == 0 || buf[n-1] == '\n' {
			break
		}
	}
	return decodeEntry(buf[:n])
}

// absentError is the miss for an entry that does not exist. It is the
// commonest miss, met on every hit path that finds no stored login, so it
// is built without fmt; its text is Get's usual wrapped one.
type absentError struct{ path string }

func (e *absentError) Error() string {
	return "get cache entry: " + ErrMiss.Error() + ": open " + e.path + ": " + syscall.ENOENT.Error()
}

func (e *absentError) Unwrap() []error {
	return []error{ErrMiss, &fs.PathError{Op: "open", Path: e.path, Err: syscall.ENOENT}}
}
