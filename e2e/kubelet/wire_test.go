package kubelet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	credv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
	credv1beta1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1beta1"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

const image = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"

// world is one fake AWS and the environment that points ecrlogin at it.
type world struct {
	fake *fakeaws.Server
	env  []string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	home := t.TempDir()
	env := append(os.Environ(), fakeaws.ClientEnv(home)...)
	env = append(env, fake.Env(base)...)
	env = append(env, "ECRLOGIN_CACHE_DIR="+filepath.Join(t.TempDir(), "cache"), "AWS_ECR_ROLE_ARN=")
	return &world{fake: fake, env: env}
}

// ecrlogin returns the path of an ecrlogin built from the main module for
// this test binary.
func ecrlogin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ecrlogin-e2e-kubelet-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		cmd := exec.Command(goTool(), "build", "-trimpath", "-o", filepath.Join(dir, "ecrlogin"+exe()), "./cmd/ecrlogin")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building ecrlogin: %v", buildErr)
	}
	return filepath.Join(binDir, "ecrlogin"+exe())
}

// exec runs `ecrlogin kubelet` with request on stdin and returns stdout.
func (w *world) exec(t *testing.T, request []byte) []byte {
	t.Helper()
	cmd := exec.Command(ecrlogin(t), "kubelet")
	cmd.Env = w.env
	cmd.Stdin = bytes.NewReader(request)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ecrlogin kubelet: %v\nstderr: %s", err, stderr.String())
	}
	return stdout.Bytes()
}

// strictDecoder decodes with apimachinery's strict JSON serializer over a
// scheme holding both versions, as the kubelet's own decoding would, but
// refusing unknown and duplicate fields on top.
func strictDecoder(t *testing.T) kruntime.Decoder {
	t.Helper()
	scheme := kruntime.NewScheme()
	if err := credv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := credv1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme, kjson.SerializerOptions{Strict: true})
}

func TestResponseWireFormat(t *testing.T) {
	tests := []struct {
		version string
		request kruntime.Object
		into    func() kruntime.Object
		check   func(t *testing.T, obj kruntime.Object)
	}{
		{
			version: "v1",
			request: &credv1.CredentialProviderRequest{Image: image},
			into:    func() kruntime.Object { return &credv1.CredentialProviderResponse{} },
			check: func(t *testing.T, obj kruntime.Object) {
				r := obj.(*credv1.CredentialProviderResponse)
				checkResponse(t, string(r.CacheKeyType), r.CacheDuration.Duration, len(r.Auth), r.Auth[registry(image)].Username, r.Auth[registry(image)].Password)
			},
		},
		{
			version: "v1beta1",
			request: &credv1beta1.CredentialProviderRequest{Image: image},
			into:    func() kruntime.Object { return &credv1beta1.CredentialProviderResponse{} },
			check: func(t *testing.T, obj kruntime.Object) {
				r := obj.(*credv1beta1.CredentialProviderResponse)
				checkResponse(t, string(r.CacheKeyType), r.CacheDuration.Duration, len(r.Auth), r.Auth[registry(image)].Username, r.Auth[registry(image)].Password)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			w := newWorld(t)
			gv := schema.GroupVersion{Group: "credentialprovider.kubelet.k8s.io", Version: tt.version}
			tt.request.GetObjectKind().SetGroupVersionKind(gv.WithKind("CredentialProviderRequest"))
			req, err := json.Marshal(tt.request)
			if err != nil {
				t.Fatal(err)
			}
			out := w.exec(t, req)

			// encoding/json with DisallowUnknownFields: every field we
			// write exists upstream under exactly that name and type.
			dec := json.NewDecoder(bytes.NewReader(out))
			dec.DisallowUnknownFields()
			plain := tt.into()
			if err := dec.Decode(plain); err != nil {
				t.Fatalf("strict json.Decode(%s) = %v", out, err)
			}
			tt.check(t, plain)

			// apimachinery's strict serializer, and the version and kind.
			obj, gvk, err := strictDecoder(t).Decode(out, nil, tt.into())
			if err != nil {
				t.Fatalf("strict apimachinery Decode(%s) = %v", out, err)
			}
			if want := gv.WithKind("CredentialProviderResponse"); *gvk != want {
				t.Errorf("response GroupVersionKind = %v, want %v", *gvk, want)
			}
			tt.check(t, obj)
			if n := w.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 1 {
				t.Errorf("GetAuthorizationToken calls = %d, want 1", n)
			}
		})
	}
}

// TestServiceAccountRequest sends the service-account fields as the
// upstream v1 type encodes them and checks they reach STS.
func TestServiceAccountRequest(t *testing.T) {
	w := newWorld(t)
	claims := `{"kubernetes.io":{"namespace":"team-a","serviceaccount":{"name":"puller","uid":"0b7c1e3e-1111-4000-8000-000000000001"}}}`
	token := "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".c2ln"
	const role = "arn:aws:iam::111122223333:role/puller"
	req := &credv1.CredentialProviderRequest{
		Image:                     image,
		ServiceAccountToken:       token,
		ServiceAccountAnnotations: map[string]string{"eks.amazonaws.com/ecr-role-arn": role},
	}
	req.SetGroupVersionKind(credv1.SchemeGroupVersion.WithKind("CredentialProviderRequest"))
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out := w.exec(t, b)
	var resp credv1.CredentialProviderResponse
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		t.Fatalf("strict json.Decode(%s) = %v", out, err)
	}
	var saw bool
	for _, c := range w.fake.Calls() {
		if c.Action == "AssumeRoleWithWebIdentity" && c.WebIdentityToken == token && c.RoleARN == role {
			saw = true
		}
	}
	if !saw {
		t.Errorf("fake STS calls = %+v, want AssumeRoleWithWebIdentity for %s with the request's token", w.fake.Calls(), role)
	}
}

func checkResponse(t *testing.T, keyType string, d time.Duration, n int, user, pass string) {
	t.Helper()
	if keyType != "Registry" {
		t.Errorf("cacheKeyType = %q, want Registry", keyType)
	}
	if d < 5*time.Hour+59*time.Minute || d > 6*time.Hour {
		t.Errorf("cacheDuration = %v, want half of 12h less a few seconds", d)
	}
	if n != 1 || user != "AWS" || pass == "" {
		t.Errorf("auth = %d entries, %q for %s with password %t, want one, AWS with a password", n, user, registry(image), pass != "")
	}
}

func registry(image string) string {
	host, _, _ := strings.Cut(image, "/")
	return host
}

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"+exe()); fileExists(p) {
		return p
	}
	return "go"
}

func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
