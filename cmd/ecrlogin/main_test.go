package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/scripttest"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// TestScripts runs the .txtar scripts in testdata/script against the real,
// freshly built binaries, each with its own fake AWS, HOME, DOCKER_CONFIG
// ($WORK/docker) and cache (see package scripttest for the environment and
// the shared commands). This suite's own commands:
//
//	cmpconfig FILE WANT         FILE is WANT without WANT's final newline (docker
//	                            writes none; txtar files always end in one)
//	secretis JSON TOKEN         the Secret in the JSON file JSON is the token in TOKEN
//	kubelet_request FILE VERSION IMAGE [NS/NAME/UID [ROLE]]
//	                            write a CredentialProviderRequest, with a
//	                            service-account token for NS/NAME/UID and the
//	                            role annotation when given
//	kubelet_sts_saw NS/NAME/UID ROLE
//	                            the fake STS got AssumeRoleWithWebIdentity for
//	                            ROLE with exactly that account's token
//	entries DIR N               DIR holds N cache entries (*.json files)
func TestScripts(t *testing.T) {
	scripttest.Run(t, "testdata/script", map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"cmpconfig":       cmdCmpConfig,
		"secretis":        cmdSecretIs,
		"kubelet_request": cmdKubeletRequest,
		"kubelet_sts_saw": cmdKubeletSTSSaw,
		"entries":         cmdEntries,
	})
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
	for _, c := range scripttest.Fake(ts).Calls() {
		if c.Service == fakeaws.ServiceSTS && c.Action == "AssumeRoleWithWebIdentity" && c.RoleARN == args[1] && c.WebIdentityToken == token {
			n++
		}
	}
	if (n == 1) == neg {
		ts.Fatalf("fake STS AssumeRoleWithWebIdentity calls for %s with %s's token = %d, want %s1", args[1], args[0], n, map[bool]string{true: "not ", false: ""}[neg])
	}
}

func cmdEntries(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: entries DIR N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	entries, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.json"))
	ts.Check(err)
	if len(entries) != want {
		ts.Fatalf("cache entries under %s = %d (%v), want %d", args[0], len(entries), entries, want)
	}
}
