package cache

import (
	"path/filepath"
	"testing"
	"time"
)

// TestPutOverEntryHeldTooLong: a reader that keeps the entry open past the
// retry window makes Put fail, after the window and not much later, and
// the old entry stays whole and readable. Only Windows refuses to rename
// over an open file, so only Windows has the window.
func TestPutOverEntryHeldTooLong(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	key := Key("held open")
	if err := c.Put(key, bigEntry(1, 2000)); err != nil {
		t.Fatal(err)
	}
	reader, err := openEntryFile(filepath.Join(dir, key+entrySuffix))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = c.Put(key, bigEntry(2, 2000))
	d := time.Since(start)
	reader.close()
	if err == nil {
		t.Fatalf("Put while a reader held the entry throughout = nil, want an error")
	}
	if d < renameRetryFor || d > renameRetryFor+time.Second {
		t.Errorf("Put gave up after %v, want just over %v", d, renameRetryFor)
	}
	e, err := c.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	if gen, err := checkBigEntry(e); err != nil || gen != 1 {
		t.Errorf("Get after the failed Put = generation %d, %v; want the old entry, 1", gen, err)
	}
}
