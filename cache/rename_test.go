package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPutOverOpenEntry replaces an entry while a reader has it open, the
// way Get opens it, and closes it a little later. Put must succeed (on
// Windows, by retrying the rename until the reader is done) and Get must
// then see the new entry, whole.
func TestPutOverOpenEntry(t *testing.T) {
	t.Parallel()
	for _, hold := range []time.Duration{0, 30 * time.Millisecond, 150 * time.Millisecond} {
		t.Run(hold.String(), func(t *testing.T) {
			t.Parallel()
			c, dir := openTestCache(t, Options{})
			key := Key("open", hold.String())
			if err := c.Put(key, bigEntry(1, 2000)); err != nil {
				t.Fatal(err)
			}
			reader, err := openEntryFile(filepath.Join(dir, key+entrySuffix))
			if err != nil {
				t.Fatal(err)
			}
			closed := make(chan struct{})
			go func() {
				time.Sleep(hold)
				reader.close()
				close(closed)
			}()
			if err := c.Put(key, bigEntry(2, 2000)); err != nil {
				t.Errorf("Put while a reader held the entry for %v = %v", hold, err)
			}
			<-closed
			e, err := c.Get(key)
			if err != nil {
				t.Fatal(err)
			}
			if gen, err := checkBigEntry(e); err != nil || gen != 2 {
				t.Errorf("Get after Put = generation %d, %v; want 2", gen, err)
			}
			if temps, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix)); len(temps) > 0 {
				t.Errorf("Put left temporary files: %q", temps)
			}
		})
	}
}

// TestReplaceFileOverDirectory: a directory where the entry belongs is
// refused at once, not retried, so write can clear it.
func TestReplaceFileOverDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := replaceFile(src, dst)
	if err == nil {
		t.Fatalf("replaceFile(file, non-empty directory) = nil, want an error")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("replaceFile(file, directory) took %v to fail; want no retries", d)
	}
}
