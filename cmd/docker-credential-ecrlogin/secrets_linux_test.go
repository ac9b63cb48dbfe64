package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestSecretsStayPut runs every action of the front and every subcommand
// of ecrlogin there is, with debug logging, through success and failure,
// and then looks for the secrets everywhere they must not be: the
// registry token (and its base64 form), a password given to store, the
// AWS secret key and session token. Only the protocol's Secret field (of
// get, and of `ecrlogin fetch`'s reply to the front) and `ecrlogin
// token`'s output may carry a token; cache entries may hold it on disk.
// It scans stdout and stderr of each run, every file under HOME, the
// cache and TMPDIR, and the argv and environment of each child process
// the front starts (read from /proc while a slow ECR holds the child).
// Cache files and lock files must be 0600, directories 0700.
func TestSecretsStayPut(t *testing.T) {
	fake, env := startFake(t)
	home := envValue(env, "HOME")
	cacheDir := envValue(env, "ECRLOGIN_CACHE_DIR")
	tmp := filepath.Join(home, "tmp")
	if err := os.MkdirAll(filepath.Join(home, ".docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	const sessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKENzzQ7"
	const storedPassword = "stored-password-EXAMPLE-0123456789"
	env = append(env, "ECRLOGIN_LOG=debug", "TMPDIR="+tmp, "AWS_SESSION_TOKEN="+sessionToken,
		"DOCKER_CONFIG="+filepath.Join(home, ".docker"))
	front, tool := testbin.Path(t, testbin.Front), testbin.Path(t, testbin.Tool)

	type run struct {
		name        string
		out, errOut []byte
		secretOK    bool // stdout is a protocol answer whose Secret field may hold a token
		tokenOK     bool // stdout is `ecrlogin token`'s
		children    []childInfo
	}
	var runs []run
	do := func(name string, wantFail bool, stdin string, argv ...string) run {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children := watchChildren(cmd.Process.Pid)
		err := cmd.Wait()
		r := run{name: name, out: out.Bytes(), errOut: errOut.Bytes(), children: children()}
		if (err != nil) != wantFail {
			t.Errorf("%s: err = %v (want failure: %t)\nstdout: %s\nstderr: %s", name, err, wantFail, r.out, r.errOut)
		}
		runs = append(runs, r)
		return r
	}
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

	// A cold get, held by a slow ECR so that its child can be seen.
	fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: 700 * time.Millisecond, Times: 1})
	r := do("get cold", false, host, front, "get")
	r.secretOK = true
	runs[len(runs)-1] = r
	if len(r.children) == 0 {
		t.Errorf("saw no child of the cold get; the argv and environment check is void")
	}
	var answer struct{ Secret string }
	if err := json.Unmarshal(r.out, &answer); err != nil || answer.Secret == "" {
		t.Fatalf("cold get answered %q", r.out)
	}
	token := answer.Secret
	do("get hit", false, host, front, "get")
	runs[len(runs)-1].secretOK = true
	do("token", false, "", tool, "token", host)
	runs[len(runs)-1].tokenOK = true
	do("fetch", false, `{"serverURL":"`+host+`","selection":{}}`, tool, "fetch")
	runs[len(runs)-1].secretOK = true
	do("list", false, "", front, "list")
	do("version", false, "", front, "version")
	do("store", false, `{"ServerURL":"222233334444.dkr.ecr.eu-west-1.amazonaws.com","Username":"AWS","Secret":"`+storedPassword+`"}`, front, "store")
	do("get stored", false, "222233334444.dkr.ecr.eu-west-1.amazonaws.com", front, "get")
	runs[len(runs)-1].secretOK = true
	do("erase stored", false, "222233334444.dkr.ecr.eu-west-1.amazonaws.com", front, "erase")
	do("store refused", true, `{"ServerURL":"ghcr.io","Username":"AWS","Secret":"`+storedPassword+`"}`, front, "store")
	do("configure", false, "", tool, "configure", host)
	do("erase", false, host, front, "erase")
	fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
	do("get refused", true, host, front, "get")
	do("token refused", true, "", tool, "token", host)
	do("fetch refused", true, `{"serverURL":"`+host+`","selection":{}}`, tool, "fetch")
	do("fetch malformed", true, `{"serverURL":`, tool, "fetch")

	tokenB64 := base64.StdEncoding.EncodeToString([]byte("AWS:" + token))
	secrets := map[string]string{
		"the registry token":        token,
		"the base64 registry token": tokenB64,
		"the stored password":       storedPassword,
		"the AWS secret key":        fakeaws.ExampleSecretAccessKey,
		"the AWS session token":     sessionToken,
	}
	registry := map[string]bool{"the registry token": true, "the base64 registry token": true, "the stored password": true}
	find := func(where string, data []byte, allowRegistry bool) {
		for what, s := range secrets {
			if allowRegistry && registry[what] {
				continue
			}
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %s", where, what)
			}
		}
	}
	for _, r := range runs {
		out := r.out
		switch {
		case r.tokenOK:
			out = bytes.ReplaceAll(out, []byte(token), nil)
		case r.secretOK:
			out = withoutSecretField(t, r.name, out)
		}
		find(r.name+" stdout", out, false)
		find(r.name+" stderr", r.errOut, false)
		for _, c := range r.children {
			find(r.name+" child argv "+strconv.Quote(c.argv), []byte(c.argv), false)
			// The child inherits the caller's environment, secret key and
			// session token included; nothing else of ours may be in it.
			env := c.environ
			for _, kv := range []string{"AWS_SECRET_ACCESS_KEY=" + fakeaws.ExampleSecretAccessKey, "AWS_SESSION_TOKEN=" + sessionToken} {
				env = strings.Replace(env, kv+"\x00", "", 1)
			}
			find(r.name+" child environment", []byte(env), false)
		}
	}

	// Files: only cache entries may hold a registry token; nothing may
	// hold an AWS secret. Modes: cache files 0600, directories 0700.
	for _, root := range []string{home, cacheDir, tmp} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read %s: %v", path, err)
				return nil
			}
			entry := filepath.Dir(path) == cacheDir && strings.HasSuffix(path, ".json")
			find(path, data, entry)
			return nil
		})
	}
	files := 0
	filepath.WalkDir(cacheDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		} else if strings.HasSuffix(path, ".lock") || strings.HasSuffix(path, ".json") {
			files++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if files == 0 {
		t.Errorf("no cache entry or lock file to check the modes of")
	}
}

// withoutSecretField removes the Secret field from a protocol answer (get's
// credentials, or a fetch reply's token), so the rest can be scanned.
func withoutSecretField(t *testing.T, name string, out []byte) []byte {
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		return out // not an answer: scan it whole
	}
	delete(v, "Secret")
	if tok, ok := v["token"].(map[string]any); ok {
		delete(tok, "secret")
	}
	b, _ := json.Marshal(v)
	return b
}

type childInfo struct{ argv, environ string }

// watchChildren polls /proc for the children of pid until the returned
// function is called, and returns what it saw of each: argv and the
// environment, NUL-separated as the kernel gives them.
func watchChildren(pid int) func() []childInfo {
	var mu sync.Mutex
	seen := map[int]childInfo{}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			dirs, _ := os.ReadDir("/proc")
			for _, d := range dirs {
				n, err := strconv.Atoi(d.Name())
				if err != nil || !isChildOf(n, pid) {
					continue
				}
				argv, err1 := os.ReadFile("/proc/" + d.Name() + "/cmdline")
				env, err2 := os.ReadFile("/proc/" + d.Name() + "/environ")
				if err1 == nil && err2 == nil && len(argv) > 0 {
					mu.Lock()
					seen[n] = childInfo{string(argv), string(env)}
					mu.Unlock()
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() []childInfo {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		var out []childInfo
		for _, c := range seen {
			out = append(out, c)
		}
		return out
	}
}

// isChildOf reports whether process n's parent is pid, from /proc/n/stat.
func isChildOf(n, pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(n) + "/stat")
	if err != nil {
		return false
	}
	// The command name, in parentheses, may hold spaces: the fields that
	// follow start after the last ")".
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(string(stat[i+1:]))
	return len(f) > 1 && f[1] == strconv.Itoa(pid)
}
