package scripttest

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

type fakeKey struct{}

// Run runs the .txtar scripts in dir with the shared environment and
// commands plus extra (which win over shared ones of the same name).
//
// Environment: PATH starts with the built binaries (also $BIN); HOME is
// $WORK/home; ECRLOGIN_CACHE_DIR is $WORK/cache; DOCKER_CONFIG is
// $WORK/docker; FAKE_URL is the fake's base URL; AWS is fakeaws.ClientEnv
// plus the fake's endpoints.
//
// Commands:
//
//	calls SERVICE ACTION N         the fake saw exactly N calls (ecr, ecr-public, sts, sso)
//	fault ACTION KIND [TIMES]      make the fake fail: accessdenied, throttling, servererror, hang, clear
//	signedby SERVICE ACTION KEY    the last such call was signed with an access key id starting with KEY
//	mode PATH PERM                 PATH's permission bits are PERM (octal), e.g. 0600
//	bigfile PATH SIZE              write SIZE bytes of 'a' to PATH
//	nofilewith DIR TEXT            no file under DIR contains TEXT (and there are files: secrets audit)
//	lacks FILE TEXTFILE            FILE does not contain TEXTFILE's text (secrets audit)
func Run(t *testing.T, dir string, extra map[string]func(ts *testscript.TestScript, neg bool, args []string)) {
	bin := testbin.Dir(t)
	cmds := map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"calls":      cmdCalls,
		"fault":      cmdFault,
		"signedby":   cmdSignedBy,
		"mode":       cmdMode,
		"bigfile":    cmdBigfile,
		"nofilewith": cmdNoFileWith,
		"lacks":      cmdLacks,
	}
	for k, v := range extra {
		cmds[k] = v
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
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
			env.Setenv("AWS_ECR_ROLE_ARN", "")
			env.Setenv("FAKE_URL", base)
			for _, kv := range append(fakeaws.ClientEnv(home), fake.Env(base)...) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: cmds,
	})
}

// Fake returns the script's fake AWS.
func Fake(ts *testscript.TestScript) *fakeaws.Server {
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
	if got := Fake(ts).Count(args[0], args[1]); (got == want) == neg {
		ts.Fatalf("fake %s %s calls = %d, want %s%d", args[0], args[1], got, not(neg), want)
	}
}

func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: fault ACTION KIND [TIMES]")
	}
	fake := Fake(ts)
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

// cmdSignedBy checks which identity the last such call ran as: the cache
// key was computed from the script's environment, and the key that signed
// the call must be the one that environment selects.
func cmdSignedBy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: signedby SERVICE ACTION KEYPREFIX")
	}
	var last *fakeaws.Call
	for _, c := range Fake(ts).Calls() {
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
		ts.Fatalf("mode of %s = %#o, want %s%#o", args[0], got, not(neg), want)
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
