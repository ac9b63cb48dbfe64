package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		ServerURL: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		Username:  "AWS",
		Secret:    "eyJwYXlsb2FkIjoi" + strings.Repeat("QUJDREVGR0g", 250),
		FetchedAt: t0,
		ExpiresAt: t0.Add(12 * time.Hour),
	}
}

// sameEntry compares entries as stored: times by instant.
func sameEntry(a, b Entry) bool {
	return a.ServerURL == b.ServerURL && a.Username == b.Username && a.Secret == b.Secret &&
		a.FetchedAt.Equal(b.FetchedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.Stored == b.Stored && a.NotFound == b.NotFound &&
		sameFailure(a.Failure, b.Failure)
}

func sameFailure(a, b *Failure) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.At.Equal(b.At) && a.Code == b.Code && a.Message == b.Message && a.Source == b.Source && a.Hint == b.Hint
}

func TestNilCache(t *testing.T) {
	t.Parallel()
	var c *Cache
	if _, err := c.Get(Key("k")); !errors.Is(err, ErrMiss) {
		t.Errorf("nil.Get = %v, want ErrMiss", err)
	}
	if err := c.Put(Key("k"), sampleEntry()); err != nil {
		t.Errorf("nil.Put = %v, want nil", err)
	}
	if err := c.Delete(Key("k")); err != nil {
		t.Errorf("nil.Delete = %v, want nil", err)
	}
	unlock, err := c.Lock(context.Background(), Key("k"))
	if err != nil || unlock == nil {
		t.Fatalf("nil.Lock = %v (unlock nil: %v); want a no-op unlock", err, unlock == nil)
	}
	unlock()
	if list, err := c.List(); list != nil || err != nil {
		t.Errorf("nil.List = %v, %v; want nil, nil", list, err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	clock := testclock.New(t0)
	c, _ := openTestCache(t, Options{Now: clock.Now})
	tests := []struct {
		name string
		in   Entry
		want Entry
	}{
		{"typical", sampleEntry(), sampleEntry()},
		{"stored from docker login", Entry{ServerURL: "r", Username: "AWS", Secret: "s", FetchedAt: t0, ExpiresAt: t0.Add(time.Hour), Stored: true},
			Entry{ServerURL: "r", Username: "AWS", Secret: "s", FetchedAt: t0, ExpiresAt: t0.Add(time.Hour), Stored: true}},
		{"zero times", Entry{Secret: "s"}, Entry{Secret: "s"}},
		{"sub-millisecond times truncate", Entry{Secret: "s", FetchedAt: t0.Add(1500 * time.Microsecond), ExpiresAt: t0.Add(time.Hour + 999*time.Microsecond)},
			Entry{Secret: "s", FetchedAt: t0.Add(time.Millisecond), ExpiresAt: t0.Add(time.Hour)}},
		{"other zone", Entry{Secret: "s", FetchedAt: t0.In(time.FixedZone("x", 3600)), ExpiresAt: t0.Add(time.Hour)}, Entry{Secret: "s", FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}},
		{"odd characters", Entry{ServerURL: "h\n\"\\}{\u2028", Username: "ü\x00", Secret: "line1\nline2\r\n}"}, Entry{ServerURL: "h\n\"\\}{\u2028", Username: "ü\x00", Secret: "line1\nline2\r\n}"}},
		{"near the size limit", Entry{Secret: strings.Repeat("x", maxEntrySize-100)}, Entry{Secret: strings.Repeat("x", maxEntrySize-100)}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := Key("round trip", fmt.Sprint(i))
			if err := c.Put(key, tt.in); err != nil {
				t.Fatalf("Put = %v", err)
			}
			got, err := c.Get(key)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			if !sameEntry(got, tt.want) {
				t.Errorf("Get = %+v, want %+v", got, tt.want)
			}
			if tt.want.FetchedAt.IsZero() != got.FetchedAt.IsZero() || tt.want.ExpiresAt.IsZero() != got.ExpiresAt.IsZero() {
				t.Errorf("zero times did not survive: got %+v", got)
			}
		})
	}
}

func TestPutRejects(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	tests := []struct {
		name    string
		key     string
		e       Entry
		wantErr error
	}{
		{"no secret", Key("a"), Entry{Username: "AWS"}, errNoSecret},
		{"too large", Key("a"), Entry{Secret: strings.Repeat("x", maxEntrySize)}, errEntryTooLarge},
		{"empty key", "", sampleEntry(), errInvalidKey},
		{"path in key", "../escape", sampleEntry(), errInvalidKey},
		{"slash in key", "a/b", sampleEntry(), errInvalidKey},
		{"dot in key", "a.json", sampleEntry(), errInvalidKey},
		{"long key", strings.Repeat("a", maxKeyLen+1), sampleEntry(), errInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Put(tt.key, tt.e); !errors.Is(err, tt.wantErr) {
				t.Errorf("Put(%.20q) = %v, want %v", tt.key, err, tt.wantErr)
			}
			if _, err := c.Get(tt.key); err == nil || (tt.wantErr == errInvalidKey) != errors.Is(err, errInvalidKey) {
				t.Errorf("Get(%.20q) = %v", tt.key, err)
			}
		})
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) > 0 {
		t.Errorf("rejected Puts left files: %q", names)
	}
	if exists(filepath.Dir(dir), "escape.json") {
		t.Errorf("Put escaped the cache directory")
	}
}

// TestGetMiss plants every kind of bad entry file: each must be a miss (not
// another error, not a crash), and a Put must then replace it.
func TestGetMiss(t *testing.T) {
	t.Parallel()
	valid := mustEncode(t, sampleEntry())
	tests := []struct {
		name  string
		plant func(t *testing.T, path string)
	}{
		{"absent", func(*testing.T, string) {}},
		{"empty", file(nil)},
		{"newline only", file([]byte("\n"))},
		{"truncated", file(valid[:len(valid)/2])},
		{"truncated before newline", file(valid[:len(valid)-2])},
		{"not json", file([]byte("hello\n"))},
		{"json null", file([]byte("null\n"))},
		{"json array", file([]byte(`[1,2,3]` + "\n"))},
		{"json string", file([]byte(`"x"` + "\n"))},
		{"no version", file(bytes.Replace(valid, []byte(`"v":1,`), nil, 1))},
		{"version 0", file(bytes.Replace(valid, []byte(`"v":1,`), []byte(`"v":0,`), 1))},
		{"version 2", file(bytes.Replace(valid, []byte(`"v":1,`), []byte(`"v":2,`), 1))},
		{"version as string", file(bytes.Replace(valid, []byte(`"v":1,`), []byte(`"v":"1",`), 1))},
		{"time as string", file([]byte(`{"v":1,"secret":"s","expires_ms":"soon"}` + "\n"))},
		{"secret as number", file([]byte(`{"v":1,"secret":5}` + "\n"))},
		{"no secret", file([]byte(`{"v":1,"user":"AWS","expires_ms":1}` + "\n"))},
		{"binary garbage", file(bytes.Repeat([]byte{0, 0xff, '{', '\n'}, 100))},
		{"huge", file(bytes.Repeat([]byte("x"), 10*maxEntrySize))},
		{"huge with newlines", file(bytes.Repeat([]byte("{\"v\":1}\n"), maxEntrySize))},
		{"valid then huge padding", file(append(bytes.TrimSuffix(valid, []byte("\n")), bytes.Repeat([]byte(" "), maxEntrySize)...))},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
			writeRaw(t, path, "inside", valid, time.Time{})
		}},
		{"symlink to a valid entry", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			writeRaw(t, filepath.Dir(target), filepath.Base(target), valid, time.Time{})
			symlink(t, target, path)
		}},
		{"dangling symlink", func(t *testing.T, path string) {
			symlink(t, filepath.Join(t.TempDir(), "nothing"), path)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, dir := openTestCache(t, Options{Now: testclock.New(t0).Now})
			key := Key(tt.name)
			path := filepath.Join(dir, key+entrySuffix)
			tt.plant(t, path)
			if _, err := c.Get(key); !errors.Is(err, ErrMiss) {
				t.Fatalf("Get = %v, want ErrMiss", err)
			}
			list, err := c.List()
			if len(list) != 0 || err != nil {
				t.Errorf("List = %v, %v; want nothing", list, err)
			}
			want := sampleEntry()
			if err := c.Put(key, want); err != nil {
				t.Fatalf("Put over it = %v", err)
			}
			if got, err := c.Get(key); err != nil || !sameEntry(got, want) {
				t.Errorf("Get after Put = %+v, %v; want %+v", got, err, want)
			}
		})
	}
}

// file plants data as the entry file.
func file(data []byte) func(*testing.T, string) {
	return func(t *testing.T, path string) {
		writeRaw(t, filepath.Dir(path), filepath.Base(path), data, time.Time{})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symlinks: %v", err)
	}
}

// TestPutDoesNotWriteThroughSymlink checks that replacing a planted symlink
// replaces the link, leaving its target alone.
func TestPutDoesNotWriteThroughSymlink(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	key := Key("link")
	target := filepath.Join(t.TempDir(), "victim")
	writeRaw(t, filepath.Dir(target), filepath.Base(target), []byte("precious"), time.Time{})
	symlink(t, target, filepath.Join(dir, key+entrySuffix))
	if err := c.Put(key, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(target); string(data) != "precious" {
		t.Errorf("symlink target now holds %q, %v", data, err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, key+entrySuffix)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("entry after Put: %v, %v; want a regular file", fi, err)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	c, _ := openTestCache(t, Options{})
	key := Key("d")
	if err := c.Delete(key); err != nil {
		t.Errorf("Delete(absent) = %v, want nil", err)
	}
	if err := c.Put(key, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(key); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if _, err := c.Get(key); !errors.Is(err, ErrMiss) {
		t.Errorf("Get after Delete = %v, want ErrMiss", err)
	}
	if err := c.Delete("../x"); !errors.Is(err, errInvalidKey) {
		t.Errorf("Delete(bad key) = %v, want errInvalidKey", err)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	clock := testclock.New(t0)
	c, dir := openTestCache(t, Options{Now: clock.Now})
	want := map[string]bool{}
	for i, life := range []time.Duration{time.Hour, 2 * time.Minute, time.Nanosecond, 0, -time.Hour} {
		e := Entry{ServerURL: fmt.Sprintf("host%d", i), Secret: "s", FetchedAt: t0.Add(-time.Hour), ExpiresAt: t0.Add(life)}
		if err := c.Put(Key(e.ServerURL), e); err != nil {
			t.Fatal(err)
		}
		if life >= time.Millisecond { // stored times are truncated to milliseconds
			want[e.ServerURL] = true
		}
	}
	writeRaw(t, dir, Key("junk")+entrySuffix, []byte("junk"), time.Time{})
	writeRaw(t, dir, "not-an-entry.txt", []byte("{}"), time.Time{})
	writeRaw(t, dir, "bad.key.json", mustEncode(t, Entry{ServerURL: "bad", Secret: "s", ExpiresAt: t0.Add(time.Hour)}), time.Time{})
	list, err := c.List()
	if err != nil {
		t.Fatalf("List = %v", err)
	}
	got := map[string]bool{}
	for _, e := range list {
		got[e.ServerURL] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("List returned %v, want %v", got, want)
	}
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b", "cache")
	c, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("Stat(%s) = %v, %v", dir, fi, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Errorf("new cache directory has mode %v, want 0700", fi.Mode().Perm())
	}
	if err := c.Put(Key("x"), sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); err != nil {
		t.Errorf("reopening = %v", err)
	}
}

func TestOpenRejectsNonDirectory(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	writeRaw(t, tmp, "file", []byte("x"), time.Time{})
	for _, dir := range []string{"", filepath.Join(tmp, "file"), filepath.Join(tmp, "file", "sub")} {
		if c, err := Open(dir, Options{}); err == nil || c != nil {
			t.Errorf("Open(%q) = %v, %v; want an error", dir, c, err)
		}
	}
}

// TestVanishedDir removes the cache directory under an open Cache: writes
// fail with errors, reads miss, nothing panics.
func TestVanishedDir(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	key := Key("v")
	if err := c.Put(key, sampleEntry()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(key); !errors.Is(err, ErrMiss) {
		t.Errorf("Get = %v, want ErrMiss", err)
	}
	if err := c.Put(key, sampleEntry()); err == nil {
		t.Errorf("Put into a vanished directory succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if unlock, err := c.Lock(ctx, key); err == nil {
		unlock()
		t.Errorf("Lock in a vanished directory succeeded")
	}
	if _, err := c.List(); err == nil {
		t.Errorf("List of a vanished directory succeeded")
	}
	if err := c.Delete(key); err != nil {
		t.Errorf("Delete in a vanished directory = %v, want nil (absent)", err)
	}
}

// checkReadOnly exercises a cache whose directory turns read-only: Open
// still works, Get works, Put, Lock and Delete return errors. Permission
// bits do not bind root, so as root TestReadOnlyDir runs it in a child
// process as another user.
func checkReadOnly(base string) error {
	dir := filepath.Join(base, "cache")
	c, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	key, other := Key("ro"), Key("ro other")
	want := sampleEntry()
	if err := c.Put(key, want); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		return err
	}
	defer os.Chmod(dir, 0o700)
	if err := os.Chmod(base, 0o500); err != nil {
		return err
	}
	defer os.Chmod(base, 0o700)

	if _, err := Open(filepath.Join(base, "new"), Options{}); err == nil {
		return errors.New("Open created a directory in a read-only parent")
	}
	var logged bytes.Buffer
	c, err = Open(dir, Options{Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return fmt.Errorf("Open(read-only dir) = %w", err)
	}
	if got, err := c.Get(key); err != nil || !sameEntry(got, want) {
		return fmt.Errorf("Get = %+v, %w", got, err)
	}
	if _, err := c.Get(other); !errors.Is(err, ErrMiss) {
		return fmt.Errorf("Get(absent) = %v, want ErrMiss", err)
	}
	if err := c.Put(other, want); err == nil {
		return errors.New("Put of a new key in a read-only dir succeeded")
	}
	if err := c.Put(key, want); err == nil {
		return errors.New("Put over an entry in a read-only dir succeeded")
	}
	if err := c.Delete(key); err == nil {
		return errors.New("Delete in a read-only dir succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if unlock, err := c.Lock(ctx, other); err == nil {
		unlock()
		return errors.New("Lock that must create a lock file in a read-only dir succeeded")
	}
	// LockOrFresh, which refreshers use, degrades instead: no error, a
	// no-op unlock, and the refresh goes ahead uncached.
	unlock, fresh, err := c.LockOrFresh(ctx, other)
	if err != nil || fresh != nil || unlock == nil {
		return fmt.Errorf("LockOrFresh in a read-only dir = %v, %v; want a no-op unlock and no error", fresh, err)
	}
	unlock()
	if err := c.Put(other, want); err == nil {
		return errors.New("Put after LockOrFresh in a read-only dir succeeded")
	}
	// All of that is one warning line, not one per failure.
	if n := strings.Count(logged.String(), "level=WARN"); n != 1 || !strings.Contains(logged.String(), "not writable") {
		return fmt.Errorf("logged %q; want exactly one warning that the cache is not writable", logged.String())
	}
	if list, err := c.List(); err != nil || len(list) != 1 {
		return fmt.Errorf("List = %v, %w; want one entry", list, err)
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix)); len(names) > 0 {
		return fmt.Errorf("failed Puts left temporary files %q", names)
	}
	return nil
}

func TestCleanup(t *testing.T) {
	t.Parallel()
	clock := testclock.New(t0)
	c, dir := openTestCache(t, Options{Now: clock.Now})
	put := func(name string, fetched time.Time, life time.Duration) string {
		t.Helper()
		key := Key(name)
		if err := c.Put(key, Entry{ServerURL: name, Secret: "s", FetchedAt: fetched, ExpiresAt: fetched.Add(life)}); err != nil {
			t.Fatal(err)
		}
		return key
	}
	// The first Put runs cleanup (there is no marker yet); later ones
	// within the hour do not.
	short := put("short", t0, time.Hour)
	long := put("long", t0, 24*time.Hour)
	if !exists(dir, cleanupMarker) {
		t.Fatalf("no %s after the first Put", cleanupMarker)
	}

	clock.Advance(2 * time.Hour) // short has expired
	now := clock.Now()
	// A fresh entry whose modification time (the expiry hint) is wrong must
	// survive: cleanup reads before it removes.
	misdated := Key("misdated")
	writeRaw(t, dir, misdated+entrySuffix, mustEncode(t, Entry{ServerURL: "misdated", Secret: "s", ExpiresAt: now.Add(time.Hour)}), now.Add(-time.Hour))
	junk := Key("junk")
	writeRaw(t, dir, junk+entrySuffix, []byte("junk"), now.Add(-time.Hour))
	writeRaw(t, dir, long+".123.tmp", []byte("stray"), now.Add(-2*strayTempAge))
	writeRaw(t, dir, short+".456.tmp", []byte("in progress"), now.Add(-strayTempAge/2))
	writeRaw(t, dir, Key("idle")+lockSuffix, nil, now.Add(-2*idleLockAge))
	writeRaw(t, dir, Key("young")+lockSuffix, nil, now.Add(-idleLockAge/2))
	writeRaw(t, dir, Key("held")+lockSuffix, nil, now.Add(-2*idleLockAge))
	unlockHeld, err := c.Lock(context.Background(), Key("held"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlockHeld()
	// An expired entry whose lock is held is being refreshed: leave it.
	busy := Key("busy")
	writeRaw(t, dir, busy+entrySuffix, mustEncode(t, Entry{Secret: "s", ExpiresAt: now.Add(-time.Hour)}), now.Add(-time.Hour))
	unlockBusy, err := c.Lock(context.Background(), busy)
	if err != nil {
		t.Fatal(err)
	}
	defer unlockBusy()
	writeRaw(t, dir, "unrelated.txt", []byte("mine"), now.Add(-48*time.Hour))

	put("trigger", now, time.Hour)
	for _, tt := range []struct {
		name string
		file string
		want bool
	}{
		{"expired entry", short + entrySuffix, false},
		{"junk entry", junk + entrySuffix, false},
		{"unexpired entry", long + entrySuffix, true},
		{"misdated unexpired entry", misdated + entrySuffix, true},
		{"expired entry being refreshed", busy + entrySuffix, true},
		{"entry just put", Key("trigger") + entrySuffix, true},
		{"stray temp file", long + ".123.tmp", false},
		{"young temp file", short + ".456.tmp", true},
		{"idle lock file", Key("idle") + lockSuffix, false},
		{"young lock file", Key("young") + lockSuffix, true},
		{"held lock file", Key("held") + lockSuffix, true},
		{"lock file of a removed entry", short + lockSuffix, false},
		{"unrelated file", "unrelated.txt", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := exists(dir, tt.file); got != tt.want {
				t.Errorf("exists(%s) = %v, want %v", tt.file, got, tt.want)
			}
		})
	}

	// Within cleanupInterval of the last cleanup, Put does not clean.
	later := Key("later")
	writeRaw(t, dir, later+entrySuffix, mustEncode(t, Entry{Secret: "s", ExpiresAt: now.Add(-time.Hour)}), time.Time{})
	clock.Set(now.Add(cleanupInterval - time.Second))
	put("trigger", clock.Now(), time.Hour)
	if !exists(dir, later+entrySuffix) {
		t.Errorf("cleanup ran within %v of the last", cleanupInterval)
	}
	clock.Set(now.Add(cleanupInterval))
	put("trigger", clock.Now(), time.Hour)
	if exists(dir, later+entrySuffix) {
		t.Errorf("no cleanup %v after the last", cleanupInterval)
	}

	// A clock that goes back puts the marker in the future: cleanup runs
	// rather than waiting for the clock to catch up.
	clock.Set(t0.Add(-24 * time.Hour))
	old := Key("old")
	writeRaw(t, dir, old+entrySuffix, mustEncode(t, Entry{Secret: "s", ExpiresAt: t0.Add(-48 * time.Hour)}), time.Time{})
	put("after jump", clock.Now(), time.Hour)
	if exists(dir, old+entrySuffix) {
		t.Errorf("no cleanup after the clock went back")
	}
}

// TestCleanup10000 checks that cleanup copes with a large directory, and
// that hits in it still work.
func TestCleanup10000(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow")
	}
	clock := testclock.New(t0)
	c, dir := openTestCache(t, Options{Now: clock.Now})
	const n = 10000
	for i := range n {
		e := Entry{ServerURL: fmt.Sprint(i), Secret: "s", FetchedAt: t0}
		if i%2 == 0 {
			e.ExpiresAt = t0.Add(-time.Minute)
		} else {
			e.ExpiresAt = t0.Add(time.Hour)
		}
		writeRaw(t, dir, Key(fmt.Sprint(i))+entrySuffix, mustEncode(t, e), e.ExpiresAt)
	}
	if err := c.Put(Key("new"), sampleEntry()); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*"+entrySuffix))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != n/2+1 {
		t.Errorf("%d entries after cleanup, want %d", len(names), n/2+1)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, "*"+lockSuffix)); len(locks) != 0 {
		t.Errorf("cleanup left %d lock files", len(locks))
	}
	for _, i := range []int{0, 1, n - 2, n - 1} {
		_, err := c.Get(Key(fmt.Sprint(i)))
		if expired := i%2 == 0; expired != errors.Is(err, ErrMiss) || (!expired && err != nil) {
			t.Errorf("Get(%d) = %v", i, err)
		}
	}
	list, err := c.List()
	if err != nil || len(list) != n/2+1 {
		t.Errorf("List = %d entries, %v; want %d", len(list), err, n/2+1)
	}
}

func TestGetErrorIsNotMissForIOTrouble(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no ENOTDIR on windows")
	}
	c, dir := openTestCache(t, Options{})
	// Replace the directory by a file: open fails with ENOTDIR, which is
	// trouble, not a statement about the entry.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, filepath.Dir(dir), filepath.Base(dir), []byte("x"), time.Time{})
	_, err := c.Get(Key("x"))
	if err == nil || errors.Is(err, ErrMiss) || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get with the directory replaced by a file = %v, want an I/O error that is not ErrMiss", err)
	}
}
