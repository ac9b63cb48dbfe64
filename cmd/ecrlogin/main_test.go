package main

import (
	"encoding/base64"
	"encoding/json"
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

type kubeletFakeKey struct{}

// TestKubeletScripts runs testdata/script/kubelet_*.txtar against the real,
// freshly built binaries, the way the kubelet execs a provider: each script
// gets its own fake AWS (ECR, ECR Public, STS on loopback), its own HOME
// and cache directory, and static AWS keys standing for the node's
// credentials.
//
// Extra script commands (prefixed, so they merge with other suites'):
//
//	kubelet_calls SERVICE ACTION N    the fake saw exactly N calls
//	kubelet_request FILE VERSION IMAGE [NS/NAME/UID [ROLE]]
//	                                  write a request, with a service-account
//	                                  token for NS/NAME/UID and the role
//	                                  annotation when given
//	kubelet_sts_saw NS/NAME/UID ROLE  the fake STS got AssumeRoleWithWebIdentity
//	                                  for ROLE with exactly that account's token
//	kubelet_entries DIR N             DIR holds N cache entries (*.json files)
//	kubelet_fault ACTION KIND         make the fake fail ACTION: hang, accessdenied
//	kubelet_bigfile PATH SIZE         write SIZE bytes of 'a' to PATH
//	kubelet_nofilewith DIR TEXT       no file under DIR holds TEXT (and there are files)
func TestKubeletScripts(t *testing.T) {
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
			env.Values[kubeletFakeKey{}] = fake
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				return err
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("BIN", bin)
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("ECRLOGIN_CACHE_DIR", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("AWS_ECR_ROLE_ARN", "")
			for _, kv := range append(fakeaws.ClientEnv(home), fake.Env(base)...) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"kubelet_calls":      cmdKubeletCalls,
			"kubelet_request":    cmdKubeletRequest,
			"kubelet_sts_saw":    cmdKubeletSTSSaw,
			"kubelet_entries":    cmdKubeletEntries,
			"kubelet_fault":      cmdKubeletFault,
			"kubelet_nofilewith": cmdKubeletNoFileWith,
			"kubelet_bigfile":    cmdKubeletBigfile,
		},
	})
}

func kubeletFake(ts *testscript.TestScript) *fakeaws.Server {
	return ts.Value(kubeletFakeKey{}).(*fakeaws.Server)
}

func cmdKubeletCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: kubelet_calls SERVICE ACTION N")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	if got := kubeletFake(ts).Count(args[0], args[1]); got != want {
		ts.Fatalf("fake %s %s calls = %d, want %d", args[0], args[1], got, want)
	}
}

// serviceAccountToken is the projected token the test kubelet sends for
// "ns/name/uid": unsigned, as nothing on our side verifies it, and the
// same for the same account so the fake's record can be compared.
func serviceAccountToken(ts *testscript.TestScript, account string) string {
	parts := strings.Split(account, "/")
	if len(parts) != 3 {
		ts.Fatalf("service account %q is not NS/NAME/UID", account)
	}
	claims, err := json.Marshal(map[string]any{
		"aud": []string{"sts.amazonaws.com"},
		"sub": "system:serviceaccount:" + parts[0] + ":" + parts[1],
		"kubernetes.io": map[string]any{
			"namespace":      parts[0],
			"serviceaccount": map[string]string{"name": parts[1], "uid": parts[2]},
		},
	})
	ts.Check(err)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func cmdKubeletRequest(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 5 {
		ts.Fatalf("usage: kubelet_request FILE VERSION IMAGE [NS/NAME/UID [ROLE]]")
	}
	req := map[string]any{
		"apiVersion": "credentialprovider.kubelet.k8s.io/" + args[1],
		"kind":       "CredentialProviderRequest",
		"image":      args[2],
	}
	if len(args) >= 4 {
		req["serviceAccountToken"] = serviceAccountToken(ts, args[3])
	}
	if len(args) == 5 {
		req["serviceAccountAnnotations"] = map[string]string{"eks.amazonaws.com/ecr-role-arn": args[4]}
	}
	b, err := json.Marshal(req)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
}

func cmdKubeletSTSSaw(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: kubelet_sts_saw NS/NAME/UID ROLE")
	}
	token := serviceAccountToken(ts, args[0])
	n := 0
	for _, c := range kubeletFake(ts).Calls() {
		if c.Service == fakeaws.ServiceSTS && c.Action == "AssumeRoleWithWebIdentity" && c.RoleARN == args[1] && c.WebIdentityToken == token {
			n++
		}
	}
	if (n == 1) == neg {
		ts.Fatalf("fake STS AssumeRoleWithWebIdentity calls for %s with %s's token = %d, want %s1", args[1], args[0], n, map[bool]string{true: "not ", false: ""}[neg])
	}
}

func cmdKubeletEntries(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kubelet_entries DIR N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	entries, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.json"))
	ts.Check(err)
	if len(entries) != want {
		ts.Fatalf("cache entries under %s = %d (%v), want %d", args[0], len(entries), entries, want)
	}
}

func cmdKubeletFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kubelet_fault ACTION hang|accessdenied")
	}
	switch args[1] {
	case "hang":
		kubeletFake(ts).SetFault(args[0], fakeaws.Hang())
	case "accessdenied":
		kubeletFake(ts).SetFault(args[0], fakeaws.AccessDenied())
	default:
		ts.Fatalf("unknown fault kind %q", args[1])
	}
}

func cmdKubeletNoFileWith(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kubelet_nofilewith DIR TEXT")
	}
	n := 0
	ts.Check(filepath.Walk(ts.MkAbs(args[0]), func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), args[1]) {
			ts.Fatalf("%s contains %q", p, args[1])
		}
		return err
	}))
	if n == 0 {
		ts.Fatalf("no files under %s: the audit would prove nothing", args[0])
	}
}

func cmdKubeletBigfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kubelet_bigfile PATH SIZE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Repeat("a", n)), 0o644))
}
