package kubelet

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

const image = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    CredentialProviderRequest
		wantErr string // a piece of the message; "" means success
	}{
		{
			name: "v1",
			in:   `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"` + image + `"}`,
			want: CredentialProviderRequest{APIVersion: APIVersionV1, Kind: KindRequest, Image: image},
		},
		{
			name: "v1beta1",
			in:   `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","image":"` + image + `"}`,
			want: CredentialProviderRequest{APIVersion: APIVersionV1beta1, Kind: KindRequest, Image: image},
		},
		{
			name: "service account",
			in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"` + image + `",
				"serviceAccountToken":"a.b.c","serviceAccountAnnotations":{"eks.amazonaws.com/ecr-role-arn":"arn:aws:iam::111122223333:role/r"}}`,
			want: CredentialProviderRequest{APIVersion: APIVersionV1, Kind: KindRequest, Image: image, ServiceAccountToken: "a.b.c",
				ServiceAccountAnnotations: map[string]string{RoleAnnotation: "arn:aws:iam::111122223333:role/r"}},
		},
		{
			name: "unknown fields are ignored",
			in:   `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"` + image + `","future":{"x":1}}`,
			want: CredentialProviderRequest{APIVersion: APIVersionV1, Kind: KindRequest, Image: image},
		},
		{
			name:    "field names are case sensitive",
			in:      `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","IMAGE":"` + image + `"}`,
			wantErr: "image is missing",
		},
		{name: "empty", in: "", wantErr: "standard input is empty"},
		{name: "blank", in: " \n\t", wantErr: "standard input is empty"},
		{name: "not JSON", in: "get", wantErr: "not a JSON object"},
		{name: "truncated", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1"`, wantErr: "unexpected end of input"},
		{name: "array", in: `[]`, wantErr: "not a JSON object"},
		{name: "null", in: `null`, wantErr: "request is null"},
		{name: "two objects", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"x/y"} {}`, wantErr: "data after"},
		{name: "no apiVersion", in: `{"kind":"CredentialProviderRequest","image":"x.y/z"}`, wantErr: "apiVersion is missing"},
		{name: "v1alpha1", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","kind":"CredentialProviderRequest","image":"x.y/z"}`, wantErr: `unknown apiVersion "credentialprovider.kubelet.k8s.io/v1alpha1"`},
		{name: "other group", in: `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}`, wantErr: "unknown apiVersion"},
		{name: "wrong kind", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","image":"x.y/z"}`, wantErr: `kind is "CredentialProviderResponse"`},
		{name: "no kind", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"x.y/z"}`, wantErr: `kind is ""`},
		{name: "no image", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"}`, wantErr: "image is missing"},
		{name: "image not a string", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":7}`, wantErr: "field image: cannot unmarshal number"},
		{name: "annotations not an object", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"x.y/z","serviceAccountAnnotations":"a"}`, wantErr: "field serviceAccountAnnotations"},
		{name: "too large", in: `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"` + strings.Repeat("a", MaxRequest) + `"}`, wantErr: "larger than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRequest(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalidRequest) {
					t.Fatalf("DecodeRequest(%.60q) = %v, want an ErrInvalidRequest containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("DecodeRequest(%.60q) error %q spans lines", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeRequest(%.60q) = %v", tt.in, err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, tt.want); g != w {
				t.Errorf("DecodeRequest(%.60q) = %s, want %s", tt.in, g, w)
			}
		})
	}
}

func TestNewResponse(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		version   string
		expiresIn time.Duration
		want      string
	}{
		{"v1 twelve hours", APIVersionV1, 12*time.Hour - 4*time.Second,
			`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"5h59m58s","auth":{"h.example":{"username":"AWS","password":"pw"}}}`},
		{"v1beta1 echoed", APIVersionV1beta1, time.Hour + 999*time.Millisecond,
			`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"30m0s","auth":{"h.example":{"username":"AWS","password":"pw"}}}`},
		{"expired means do not cache", APIVersionV1, -time.Minute,
			`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"0s","auth":{"h.example":{"username":"AWS","password":"pw"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := CredentialProviderRequest{APIVersion: tt.version, Kind: KindRequest, Image: "h.example/x"}
			tok := ecr.Token{Username: "AWS", Secret: "pw", ExpiresAt: now.Add(tt.expiresIn)}
			if got := mustJSON(t, NewResponse(req, "h.example", tok, now)); got != tt.want {
				t.Errorf("NewResponse(%s, expires in %v) = %s, want %s", tt.version, tt.expiresIn, got, tt.want)
			}
		})
	}
}

func TestDurationRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 5*time.Hour + 59*time.Minute + 58*time.Second} {
		b, err := json.Marshal(Duration(d))
		if err != nil {
			t.Fatal(err)
		}
		var got Duration
		if err := json.Unmarshal(b, &got); err != nil || time.Duration(got) != d {
			t.Errorf("Duration round trip of %v via %s = %v, %v", d, b, time.Duration(got), err)
		}
	}
	var d Duration
	for _, bad := range []string{`5`, `"5 hours"`, `null`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil && bad != `null` {
			t.Errorf("Unmarshal(%s) into Duration = nil error, want one", bad)
		}
	}
}

func TestRegistryHost(t *testing.T) {
	tests := []struct {
		image, want string
		noRegistry  bool // the error wraps ErrNoRegistry
		wantErr     bool
	}{
		{image: image, want: "111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/team/app", want: "111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + strings.Repeat("a", 64), want: "111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{image: "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1@sha256:" + strings.Repeat("b", 64), want: "111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{image: "111122223333.dkr.ecr.us-east-1.amazonaws.com:443/app:1", want: "111122223333.dkr.ecr.us-east-1.amazonaws.com:443"},
		{image: "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app", want: "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com"},
		{image: "111122223333.dkr-ecr.us-east-1.on.aws/app", want: "111122223333.dkr-ecr.us-east-1.on.aws"},
		{image: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app", want: "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"},
		{image: "public.ecr.aws/x/y", want: "public.ecr.aws"},
		{image: "public.ecr.aws/x/y:latest", want: "public.ecr.aws"},
		{image: "localhost/app", want: "localhost"},
		{image: "nginx", noRegistry: true},
		{image: "nginx:1.27", noRegistry: true},
		{image: "library/nginx", noRegistry: true},
		{image: "/app", noRegistry: true},
		{image: "x.y@sha256:abc/app", noRegistry: true},
		{image: "", wantErr: true},
		{image: "https://public.ecr.aws/x/y", wantErr: true},
		{image: "public.ecr.aws/x y", wantErr: true},
		{image: "public.ecr.aws/x\ny", wantErr: true},
		{image: "pu\u00e9blic.ecr.aws/x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			got, err := RegistryHost(tt.image)
			switch {
			case tt.noRegistry || tt.wantErr:
				if err == nil || errors.Is(err, ErrNoRegistry) != tt.noRegistry {
					t.Errorf("RegistryHost(%q) = %q, %v, want an error (ErrNoRegistry: %v)", tt.image, got, err, tt.noRegistry)
				}
			case err != nil || got != tt.want:
				t.Errorf("RegistryHost(%q) = %q, %v, want %q", tt.image, got, err, tt.want)
			}
		})
	}
}

// jwt builds an unsigned token with the given claims: the signature is
// never checked, so any third part will do.
func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc([]byte(claims)) + ".c2ln"
}

func TestServiceAccountOf(t *testing.T) {
	const good = `{"aud":["sts.amazonaws.com"],"sub":"system:serviceaccount:team-a:puller",
		"kubernetes.io":{"namespace":"team-a","serviceaccount":{"name":"puller","uid":"8e3c2d1a-0000-4000-8000-000000000001"},"pod":{"name":"p","uid":"u"}}}`
	tests := []struct {
		name, token, want string
	}{
		{"bound token", jwt(good), "team-a/puller/8e3c2d1a-0000-4000-8000-000000000001"},
		{"padded payload", strings.Replace(jwt(good), ".c2ln", "", 1) + "==.c2ln", "team-a/puller/8e3c2d1a-0000-4000-8000-000000000001"},
		{"no uid", jwt(`{"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b"}}}`), ""},
		{"no kubernetes claim", jwt(`{"sub":"system:serviceaccount:a:b"}`), ""},
		{"slash in name", jwt(`{"kubernetes.io":{"namespace":"a","serviceaccount":{"name":"b/c","uid":"u"}}}`), ""},
		{"claims not an object", jwt(`"x"`), ""},
		{"payload not base64", "a.!!!.c", ""},
		{"two parts", "a.b", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa, err := ServiceAccountOf(tt.token)
			if tt.want == "" {
				if err == nil {
					t.Errorf("ServiceAccountOf(%q) = %v, want an error", tt.token, sa)
				}
				return
			}
			if err != nil || sa.String() != tt.want {
				t.Errorf("ServiceAccountOf(%q) = %q, %v, want %q", tt.token, sa, err, tt.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
