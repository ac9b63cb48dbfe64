package cache

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Concurrency tests need real second processes: they re-exec this test
// binary with CACHE_TEST_CHILD naming a role, and TestMain runs that role
// instead of the tests. Roles take their parameters from CACHE_TEST_*
// variables, report progress as lines on stdout and fail with exit status 1
// and a message on stderr.
const childRoleEnv = "CACHE_TEST_CHILD"

func TestMain(m *testing.M) {
	if role := os.Getenv(childRoleEnv); role != "" {
		if err := runChild(role); err != nil {
			fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(role string) error {
	dir := os.Getenv("CACHE_TEST_DIR")
	key := os.Getenv("CACHE_TEST_KEY")
	c, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	switch role {
	case "count":
		// Increment a counter file under the key's lock, non-atomically
		// (read, pause, write), so overlapping holders would lose counts.
		n, _ := strconv.Atoi(os.Getenv("CACHE_TEST_N"))
		counter := os.Getenv("CACHE_TEST_COUNTER")
		for range n {
			if err := lockedIncrement(c, key, counter); err != nil {
				return err
			}
			time.Sleep(time.Millisecond) // let the reaper in between holders
		}
		return nil
	case "reap":
		// Remove the key's lock file whenever it is free, as cleanup does,
		// until stdin closes; then report how often.
		done := make(chan struct{})
		go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
		fmt.Println("ready")
		reaped := 0
		for {
			select {
			case <-done:
				fmt.Println("reaped", reaped)
				return nil
			default:
			}
			if c.reapLock(key) {
				reaped++
			}
		}
	case "put":
		id, _ := strconv.Atoi(os.Getenv("CACHE_TEST_ID"))
		return c.Put(key, bigEntry(id, 2000))
	case "putloop":
		// Rewrite one key with large entries until killed.
		for i := 1; ; i++ {
			if err := c.Put(key, bigEntry(i, bigSecretLen)); err != nil {
				return err
			}
			if i == 1 {
				fmt.Println("ready")
			}
		}
	case "hold":
		unlock, err := c.Lock(context.Background(), key)
		if err != nil {
			return err
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin)
		unlock()
		return nil
	case "readonly":
		return checkReadOnly(dir)
	}
	return fmt.Errorf("unknown role %q", role)
}

// lockedIncrement adds one to the number in the file counter while holding
// key's lock.
func lockedIncrement(c *Cache, key, counter string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	unlock, err := c.Lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	n := 0
	data, err := os.ReadFile(counter)
	switch {
	case err == nil:
		if n, err = strconv.Atoi(string(data)); err != nil {
			return fmt.Errorf("counter %q: %w", data, err)
		}
	case !os.IsNotExist(err):
		return err
	}
	time.Sleep(time.Millisecond)
	return os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600)
}

// bigSecretLen makes entries big enough that writing one takes a while,
// yet within maxEntrySize.
const bigSecretLen = 60000

// bigEntry is generation gen of a self-checking entry: checkBigEntry can
// tell a complete one from anything else.
func bigEntry(gen, secretLen int) Entry {
	return Entry{
		ServerURL: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
		Username:  "gen-" + strconv.Itoa(gen),
		Secret:    strings.Repeat(string(rune('a'+gen%26)), secretLen),
		FetchedAt: time.UnixMilli(1_900_000_000_000),
		ExpiresAt: time.Now().Add(12 * time.Hour).Truncate(time.Millisecond),
	}
}

// checkBigEntry reports whether e is a complete bigEntry, and which
// generation.
func checkBigEntry(e Entry) (gen int, err error) {
	g, ok := strings.CutPrefix(e.Username, "gen-")
	if !ok {
		return 0, fmt.Errorf("username %q", e.Username)
	}
	if gen, err = strconv.Atoi(g); err != nil {
		return 0, err
	}
	if len(e.Secret) < 1 || strings.Trim(e.Secret, string(rune('a'+gen%26))) != "" {
		return gen, fmt.Errorf("generation %d: secret of %d bytes is not all %q", gen, len(e.Secret), rune('a'+gen%26))
	}
	return gen, nil
}

// child is a running child process of the test binary.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *strings.Builder
}

// startChild starts role with the given CACHE_TEST_* settings.
func startChild(t *testing.T, role string, env map[string]string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childRoleEnv+"="+role)
	for k, v := range env {
		cmd.Env = append(cmd.Env, "CACHE_TEST_"+k+"="+v)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: new(strings.Builder)}
	cmd.Stderr = ch.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return ch
}

// expect reads the child's next stdout line and fails unless it is want.
func (ch *child) expect(t *testing.T, want string) {
	t.Helper()
	line, err := ch.stdout.ReadString('\n')
	if got := strings.TrimSpace(line); got != want {
		ch.cmd.Process.Kill()
		ch.cmd.Wait()
		t.Fatalf("child said %q (%v), want %q; stderr:\n%s", got, err, want, ch.stderr)
	}
}

// wait closes the child's stdin, waits for it to exit and fails unless it
// succeeded. It returns what the child still had to say on stdout.
func (ch *child) wait(t *testing.T) string {
	t.Helper()
	ch.stdin.Close()
	rest, _ := io.ReadAll(ch.stdout)
	if err := ch.cmd.Wait(); err != nil {
		t.Errorf("child: %v; stderr:\n%s", err, ch.stderr)
	}
	return string(rest)
}

// t0 is the test clock's usual start, on a millisecond so entries round
// trip exactly.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// openTestCache opens a cache in a fresh directory.
func openTestCache(t testing.TB, opts Options) (*Cache, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	c, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%q) = %v", dir, err)
	}
	return c, dir
}

// writeRaw writes a file into the cache directory directly, bypassing Put,
// with the given modification time (unless zero).
func writeRaw(t testing.TB, dir, name string, data []byte, mtime time.Time) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// mustEncode is encodeEntry for entries known to be valid.
func mustEncode(t testing.TB, e Entry) []byte {
	t.Helper()
	data, err := encodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// exists reports whether name is in dir.
func exists(dir, name string) bool {
	_, err := os.Lstat(filepath.Join(dir, name))
	return err == nil
}
