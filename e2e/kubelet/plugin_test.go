package kubelet

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/kubernetes/pkg/credentialprovider/plugin"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// readmeConfig returns the CredentialProviderConfig the README gives,
// with its cache directory moved to cacheDir: the kubelet's own config
// loader parses and validates it, so a mistake in the README fails here.
func readmeConfig(t *testing.T, cacheDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "### `credential-provider.yaml`")
	if ok {
		_, rest, ok = strings.Cut(rest, "```yaml\n")
	}
	config, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 || !strings.Contains(config, "/var/cache/ecrlogin") {
		t.Fatal("README.md has no ```yaml block under ### `credential-provider.yaml` setting /var/cache/ecrlogin")
	}
	return strings.ReplaceAll(config, "/var/cache/ecrlogin", cacheDir)
}

// TestThroughKubeletPlugin drives ecrlogin through the kubelet's own
// credential provider code (k8s.io/kubernetes/pkg/credentialprovider/plugin):
// it reads the provider config, execs the binary from the plugin directory
// with the kubelet's request, decodes the response with the kubelet's
// codec and matches the auth keys against the image, exactly as the
// kubelet does before a pull. The plugin registry is process-global, so
// this is one test.
func TestThroughKubeletPlugin(t *testing.T) {
	w := newWorld(t)
	// The kubelet passes its own environment to the plugin.
	for _, kv := range w.env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	binDir := t.TempDir()
	if err := os.Symlink(ecrlogin(t), filepath.Join(binDir, "ecrlogin")); err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(t.TempDir(), "credential-provider.yaml")
	cacheDir := filepath.Join(t.TempDir(), "cache")
	if err := os.WriteFile(configPath, []byte(readmeConfig(t, cacheDir)), 0o600); err != nil {
		t.Fatal(err)
	}

	const role = "arn:aws:iam::111122223333:role/puller"
	accounts := map[string]*corev1.ServiceAccount{
		"team-a/puller": {ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "puller", UID: "uid-a",
			Annotations: map[string]string{"eks.amazonaws.com/ecr-role-arn": role}}},
		"team-b/puller": {ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "puller", UID: "uid-b",
			Annotations: map[string]string{"eks.amazonaws.com/ecr-role-arn": role}}},
		"team-c/default": {ObjectMeta: metav1.ObjectMeta{Namespace: "team-c", Name: "default", UID: "uid-c"}},
	}
	tokens := map[string]string{} // namespace/name → the token handed out
	getAccount := func(namespace, name string) (*corev1.ServiceAccount, error) {
		sa, ok := accounts[namespace+"/"+name]
		if !ok {
			t.Errorf("kubelet asked for unknown service account %s/%s", namespace, name)
			return &corev1.ServiceAccount{}, nil
		}
		return sa, nil
	}
	getToken := func(namespace, name string, tr *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
		sa := accounts[namespace+"/"+name]
		claims := `{"aud":["` + strings.Join(tr.Spec.Audiences, `","`) + `"],"kubernetes.io":{"namespace":"` + namespace +
			`","serviceaccount":{"name":"` + name + `","uid":"` + string(sa.UID) + `"}}}`
		tok := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".c2ln"
		tokens[namespace+"/"+name] = tok
		out := tr.DeepCopy()
		out.Status.Token = tok
		return out, nil
	}
	if err := plugin.RegisterCredentialProviderPlugins(configPath, binDir, getToken, getAccount); err != nil {
		t.Fatalf("RegisterCredentialProviderPlugins: %v", err)
	}

	pull := func(namespace, pod, account, image string) {
		t.Helper()
		keyring := plugin.NewExternalCredentialProviderDockerKeyring(namespace, pod, string(types.UID(pod+"-uid")), account)
		auths, ok := keyring.Lookup(image)
		if !ok || len(auths) != 1 || auths[0].Username != "AWS" || auths[0].Password == "" {
			t.Fatalf("Lookup(%q) for %s/%s = %d credentials (found %v), want one for AWS", image, namespace, account, len(auths), ok)
		}
	}
	const image = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"
	count := func(service, action string, want int) {
		t.Helper()
		if got := w.fake.Count(service, action); got != want {
			t.Errorf("fake %s %s calls = %d, want %d", service, action, got, want)
		}
	}

	pull("team-a", "p1", "puller", image)
	count(fakeaws.ServiceSTS, "AssumeRoleWithWebIdentity", 1)
	count(fakeaws.ServiceECR, "GetAuthorizationToken", 1)
	pull("team-b", "p2", "puller", image)
	count(fakeaws.ServiceSTS, "AssumeRoleWithWebIdentity", 2)
	count(fakeaws.ServiceECR, "GetAuthorizationToken", 2)
	for _, c := range w.fake.Calls() {
		if c.Action == "AssumeRoleWithWebIdentity" && c.WebIdentityToken != tokens["team-a/puller"] && c.WebIdentityToken != tokens["team-b/puller"] {
			t.Errorf("fake STS got a token the kubelet never issued: %.40q...", c.WebIdentityToken)
		}
	}
	// No role annotation: the node's credentials, no STS call.
	pull("team-c", "p3", "default", image)
	count(fakeaws.ServiceSTS, "AssumeRoleWithWebIdentity", 2)
	count(fakeaws.ServiceECR, "GetAuthorizationToken", 3)
	// A pod without a service account (a static pod) is allowed too.
	pull("kube-system", "static", "", "public.ecr.aws/x/y:1")
	count(fakeaws.ServiceECRPublic, "GetAuthorizationToken", 1)
	// The README's env sends the cache where it says: one entry per
	// service account, one for the node's identity in each of the two
	// APIs.
	if entries, _ := filepath.Glob(filepath.Join(cacheDir, "*.json")); len(entries) != 4 {
		t.Errorf("cache entries in the config's ECRLOGIN_CACHE_DIR = %d, want 4", len(entries))
	}
	// Images the config does not match never reach the plugin.
	keyring := plugin.NewExternalCredentialProviderDockerKeyring("team-c", "p4", "p4-uid", "default")
	if auths, _ := keyring.Lookup("ghcr.io/x/y:1"); len(auths) != 0 {
		t.Errorf("Lookup(ghcr.io/x/y:1) = %d credentials, want none", len(auths))
	}
}
