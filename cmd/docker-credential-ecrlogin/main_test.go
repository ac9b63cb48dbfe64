package main

import (
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
// freshly built binaries, the way docker execs them: each script gets its
// own fake AWS (ECR, ECR Public, STS on loopback), its own HOME and cache
// directory, and static AWS keys, and nothing from the machine's own AWS
// setup.
//
// Extra script commands:
//
//	calls SERVICE ACTION N     the fake saw exactly N calls (ecr, ecr-public, sts)
//	fault ACTION KIND [TIMES]  make the fake fail: accessdenied, throttling, servererror, hang, clear
//	mode PATH PERM             PATH's permission bits are PERM (octal), e.g. 0600
//	bigfile PATH SIZE          write SIZE bytes of 'a' to PATH
//	nofilewith DIR TEXT        no file under DIR contains TEXT (secrets audit)
//	signedby SERVICE ACTION KEY  the fake's last such call was signed with an access key id starting with KEY
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
			"bigfile":    cmdBigfile,
			"nofilewith": cmdNoFileWith,
			"signedby":   cmdSignedBy,
		},
	})
}

func fakeOf(ts *testscript.TestScript) *fakeaws.Server {
	return ts.Value(fakeKey{}).(*fakeaws.Server)
}

func cmdCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: calls SERVICE ACTION N")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	got := fakeOf(ts).Count(args[0], args[1])
	if (got == want) == neg {
		ts.Fatalf("fake %s %s calls = %d, want %s%d", args[0], args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: fault ACTION KIND [TIMES]")
	}
	fake := fakeOf(ts)
	var f fakeaws.Fault
	switch args[1] {
	case "accessdenied":
		f = fakeaws.AccessDenied()
	case "throttling":
		f = fakeaws.Throttling()
	case "servererror":
		f = fakeaws.ServerError()
	case "hang":
		f = fakeaws.Hang()
	case "clear":
		fake.ClearFaults()
		return
	default:
		ts.Fatalf("unknown fault kind %q", args[1])
	}
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		f.Times = n
	}
	fake.SetFault(args[0], f)
}

// cmdSignedBy checks which identity the last fetch ran as: the cache key
// was computed from the script's environment, and the key that signed the
// call must be the one that environment selects.
func cmdSignedBy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: signedby SERVICE ACTION KEYPREFIX")
	}
	var last *fakeaws.Call
	for _, c := range fakeOf(ts).Calls() {
		if c.Service == args[0] && c.Action == args[1] {
			last = &c
		}
	}
	if last == nil {
		ts.Fatalf("no %s %s call", args[0], args[1])
	}
	if !strings.HasPrefix(last.AccessKeyID, args[2]) {
		ts.Fatalf("last %s %s call signed with %s, want %s…", args[0], args[1], last.AccessKeyID, args[2])
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
		ts.Fatalf("mode of %s = %#o, want %s%#o", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

func cmdBigfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: bigfile PATH SIZE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Repeat("a", n)), 0o644))
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
		if strings.Contains(p, args[1]) {
			return fmt.Errorf("file name %s contains %q", p, args[1])
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
