package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestProcessLockExclusion has 16 processes increment a counter file under
// one key's lock, non-atomically, while another process keeps removing the
// lock file whenever it is free. Any lapse in exclusion loses a count.
func TestProcessLockExclusion(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	const procs, each = 16, 3
	_, dir := openTestCache(t, Options{})
	counter := filepath.Join(t.TempDir(), "counter")
	key := Key("counter")
	env := map[string]string{"DIR": dir, "KEY": key, "COUNTER": counter, "N": strconv.Itoa(each)}

	reaper := startChild(t, "reap", env)
	reaper.expect(t, "ready")
	children := make([]*child, procs)
	for i := range children {
		children[i] = startChild(t, "count", env)
	}
	for _, ch := range children {
		ch.wait(t)
	}
	t.Logf("reaper: %s", strings.TrimSpace(reaper.wait(t)))

	data, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), strconv.Itoa(procs*each); got != want {
		t.Errorf("counter = %s after %d processes × %d locked increments, want %s", got, procs, each, want)
	}
}

// TestProcessPutDistinctKeys has 16 processes Put one key each at once: no
// Put may lose another's entry.
func TestProcessPutDistinctKeys(t *testing.T) {
	t.Parallel()
	const procs = 16
	c, dir := openTestCache(t, Options{})
	children := make([]*child, procs)
	for i := range children {
		children[i] = startChild(t, "put", map[string]string{"DIR": dir, "KEY": Key("distinct", strconv.Itoa(i)), "ID": strconv.Itoa(i)})
	}
	for _, ch := range children {
		ch.wait(t)
	}
	for i := range procs {
		e, err := c.Get(Key("distinct", strconv.Itoa(i)))
		if err != nil {
			t.Errorf("entry %d: %v", i, err)
			continue
		}
		if gen, err := checkBigEntry(e); err != nil || gen != i {
			t.Errorf("entry %d: generation %d, %v", i, gen, err)
		}
	}
	if list, err := c.List(); err != nil || len(list) != procs {
		t.Errorf("List = %d entries, %v; want %d", len(list), err, procs)
	}
}

// TestProcessPutSameKey has 16 processes Put the same key at once: the
// survivor is one of their entries, whole.
func TestProcessPutSameKey(t *testing.T) {
	t.Parallel()
	const procs = 16
	c, dir := openTestCache(t, Options{})
	key := Key("same")
	children := make([]*child, procs)
	for i := range children {
		children[i] = startChild(t, "put", map[string]string{"DIR": dir, "KEY": key, "ID": strconv.Itoa(i)})
	}
	for _, ch := range children {
		ch.wait(t)
	}
	e, err := c.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	if gen, err := checkBigEntry(e); err != nil || gen < 0 || gen >= procs {
		t.Errorf("surviving entry: generation %d, %v", gen, err)
	}
	if temps, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix)); len(temps) > 0 {
		t.Errorf("finished writers left temporary files: %q", temps)
	}
}

// TestProcessKilledWriter kills (SIGKILL on unix) a process that rewrites
// one key with large entries in a loop, at random moments. Afterwards Get
// must return a complete entry, the first or one the writer finished,
// never an error; and cleanup must remove what the writer left behind.
func TestProcessKilledWriter(t *testing.T) {
	t.Parallel()
	c, dir := openTestCache(t, Options{})
	key := Key("killed")
	if err := c.Put(key, bigEntry(0, bigSecretLen)); err != nil {
		t.Fatal(err)
	}
	gens := map[int]int{}
	for range 10 {
		ch := startChild(t, "putloop", map[string]string{"DIR": dir, "KEY": key})
		ch.expect(t, "ready")
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
		if err := ch.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		ch.cmd.Wait()
		e, err := c.Get(key)
		if err != nil {
			t.Fatalf("Get after killing the writer: %v", err)
		}
		gen, err := checkBigEntry(e)
		if err != nil {
			t.Fatalf("Get after killing the writer returned a broken entry: %v", err)
		}
		gens[gen]++
	}
	temps, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix))
	t.Logf("generations seen: %v; temporary files left by killed writers: %d", gens, len(temps))

	// Cleanup, run as if much later, removes leftovers (whose times may be
	// anything up to the entries' expiry).
	later := time.Now().Add(13 * time.Hour)
	cl, err := Open(dir, Options{Now: func() time.Time { return later }})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Put(Key("trigger"), Entry{Secret: "s", ExpiresAt: later.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if temps, _ := filepath.Glob(filepath.Join(dir, "*"+tempSuffix)); len(temps) > 0 {
		t.Errorf("cleanup left temporary files: %q", temps)
	}
}

// TestProcessLockTimeout has a child hold a lock: Lock in this process
// gives up when its context ends, and succeeds once the holder is killed,
// since the kernel releases a dead process's locks.
func TestProcessLockTimeout(t *testing.T) {
	t.Parallel()
	skipIfLockExcludesNothing(t)
	c, dir := openTestCache(t, Options{})
	key := Key("held elsewhere")
	holder := startChild(t, "hold", map[string]string{"DIR": dir, "KEY": key})
	holder.expect(t, "locked")

	for _, d := range []time.Duration{-time.Second, 0, 30 * time.Millisecond} {
		t.Run(fmt.Sprint("timeout ", d), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			unlock, err := c.Lock(ctx, key)
			if err == nil {
				unlock()
				t.Fatal("Lock succeeded while another process held the lock")
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Lock = %v, want an error wrapping context.DeadlineExceeded", err)
			}
		})
	}

	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	holder.cmd.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlock, err := c.Lock(ctx, key)
	if err != nil {
		t.Fatalf("Lock after the holder died = %v", err)
	}
	unlock()
}
