package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

type fakeKey struct{}

// TestScripts runs the .txtar scripts in testdata/script against the real,
// freshly built binaries: each script gets its own fake AWS (ECR, ECR
// Public, STS on loopback), its own HOME, DOCKER_CONFIG ($WORK/docker) and
// cache directory, static AWS keys, and nothing from the machine's own
// AWS or docker setup.
//
// Extra script commands:
//
//	calls SERVICE ACTION N      the fake saw exactly N calls (ecr, ecr-public, sts)
//	fault ACTION KIND           make the fake fail: accessdenied, clear
//	mode PATH PERM              PATH's permission bits are PERM (octal), e.g. 0600
//	cmpconfig FILE WANT         FILE is WANT without WANT's final newline (docker
//	                            writes none; txtar files always end in one)
//	secretis JSON TOKEN         the Secret in the JSON file JSON is the token in TOKEN
//	lacks FILE TEXTFILE         FILE does not contain TEXTFILE's text (secrets audit)
//	nofilewith DIR TEXT         no file under DIR contains TEXT (secrets audit)
func TestScripts(t *testing.T) {
	bin := testbin.Dir(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			fake := fakeaws.New()
			base, stop, err := fake.Start("127.0.0.1:0")
			if err != nil {
				return err
			}
			env.Defer(func() { stop() })
			env.Values[fakeKey{}] = fake
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("BIN", bin)
			// Race-enabled binaries otherwise sleep a second at exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("ECRLOGIN_CACHE_DIR", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, "docker"))
			env.Setenv("FAKE_URL", base)
			for _, kv := range append(fakeaws.ClientEnv(home), fake.Env(base)...) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"calls":      cmdCalls,
			"fault":      cmdFault,
			"mode":       cmdMode,
			"cmpconfig":  cmdCmpConfig,
			"secretis":   cmdSecretIs,
			"lacks":      cmdLacks,
			"nofilewith": cmdNoFileWith,
		},
	})
}

func fakeOf(ts *testscript.TestScript) *fakeaws.Server {
	return ts.Value(fakeKey{}).(*fakeaws.Server)
}

func not(neg bool) string {
	if neg {
		return "not "
	}
	return ""
}

func cmdCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: calls SERVICE ACTION N")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	if got := fakeOf(ts).Count(args[0], args[1]); (got == want) == neg {
		ts.Fatalf("fake %s %s calls = %d, want %s%d", args[0], args[1], got, not(neg), want)
	}
}

func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fault ACTION KIND")
	}
	switch args[1] {
	case "accessdenied":
		fakeOf(ts).SetFault(args[0], fakeaws.AccessDenied())
	case "clear":
		fakeOf(ts).ClearFaults()
	default:
		ts.Fatalf("unknown fault kind %q", args[1])
	}
}

func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode PATH PERM")
	}
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fi.Mode().Perm(); (got == os.FileMode(want)) == neg {
		ts.Fatalf("mode of %s = %#o, want %s%#o", args[0], got, not(neg), want)
	}
}

func cmdCmpConfig(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpconfig FILE WANT")
	}
	got, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	want = bytes.TrimSuffix(want, []byte("\n"))
	if !bytes.Equal(got, want) {
		ts.Fatalf("%s =\n%s\nwant (%s):\n%s", args[0], got, args[1], want)
	}
}

func cmdSecretIs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: secretis JSON TOKEN")
	}
	var reply struct{ Secret string }
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &reply))
	token := strings.TrimSuffix(ts.ReadFile(args[1]), "\n")
	if token == "" {
		ts.Fatalf("%s holds no token", args[1])
	}
	if (reply.Secret == token) == neg {
		ts.Fatalf("Secret in %s is %sthe token in %s", args[0], map[bool]string{true: "", false: "not "}[neg], args[1])
	}
}

func cmdLacks(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: lacks FILE TEXTFILE")
	}
	text := strings.TrimSpace(ts.ReadFile(args[1]))
	if text == "" {
		ts.Fatalf("%s is empty: the check would prove nothing", args[1])
	}
	if strings.Contains(ts.ReadFile(args[0]), text) {
		ts.Fatalf("%s contains the text of %s", args[0], args[1])
	}
}

func cmdNoFileWith(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: nofilewith DIR TEXT")
	}
	var n int
	err := filepath.Walk(ts.MkAbs(args[0]), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			n++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), args[1]) {
				return fmt.Errorf("%s contains %q", p, args[1])
			}
		}
		return nil
	})
	ts.Check(err)
	if n == 0 {
		ts.Fatalf("no files under %s: the audit would prove nothing", args[0])
	}
}
