package kubelet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// The API versions and kinds of the protocol. v1beta1 is what kubelets
// before 1.26 send; its schema is v1's.
const (
	APIVersionV1      = "credentialprovider.kubelet.k8s.io/v1"
	APIVersionV1beta1 = "credentialprovider.kubelet.k8s.io/v1beta1"
	KindRequest       = "CredentialProviderRequest"
	KindResponse      = "CredentialProviderResponse"
)

// RoleAnnotation is the service-account annotation that names the IAM role
// a pod's image pulls run as in the service-account mode.
const RoleAnnotation = "eks.amazonaws.com/ecr-role-arn"

// MaxRequest bounds what DecodeRequest reads. A request is an image name,
// a service-account token (a few KiB at most) and the annotations the
// provider config lets through; anything larger is not from a kubelet.
const MaxRequest = 64 << 10

// ErrInvalidRequest is wrapped by every error of DecodeRequest: the input
// is not a credential provider request this plugin understands.
var ErrInvalidRequest = errors.New("invalid credential provider request")

// CredentialProviderRequest is what the kubelet writes on the plugin's
// standard input: the image being pulled and, when the provider config
// has tokenAttributes (kubelet 1.33 and later), the pod's service-account
// token and the annotations of its service account.
type CredentialProviderRequest struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	// Image is the image reference being pulled, as written in the pod
	// spec: 111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1.
	Image string `json:"image"`
	// ServiceAccountToken is a projected token for the pod's service
	// account, with the audience the provider config names. It is a
	// secret: it never goes into an error, a log or a cache key.
	ServiceAccountToken       string            `json:"serviceAccountToken,omitempty"`
	ServiceAccountAnnotations map[string]string `json:"serviceAccountAnnotations,omitempty"`
}

// PluginCacheKeyType says how the kubelet keys its in-memory cache of a
// response.
type PluginCacheKeyType string

// The cache key types of the protocol.
const (
	ImagePluginCacheKeyType    PluginCacheKeyType = "Image"
	RegistryPluginCacheKeyType PluginCacheKeyType = "Registry"
	GlobalPluginCacheKeyType   PluginCacheKeyType = "Global"
)

// CredentialProviderResponse is what the plugin writes on standard output.
type CredentialProviderResponse struct {
	APIVersion    string             `json:"apiVersion,omitempty"`
	Kind          string             `json:"kind,omitempty"`
	CacheKeyType  PluginCacheKeyType `json:"cacheKeyType"`
	CacheDuration *Duration          `json:"cacheDuration,omitempty"`
	// Auth maps an image pattern (here: the registry host as the image
	// names it) to the credentials for it.
	Auth map[string]AuthConfig `json:"auth,omitempty"`
}

// AuthConfig is one username and password pair.
type AuthConfig struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Duration is a time.Duration that travels as its String form ("5h59m58s"),
// as the upstream metav1.Duration does.
type Duration time.Duration

// MarshalJSON writes d as a quoted Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a quoted Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration is not a string: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// DecodeRequest reads one request from r, at most MaxRequest bytes.
//
// It is strict where a mistake would mean answering the wrong question:
// the input must be exactly one JSON object, with a known apiVersion, the
// request kind and an image, and the fields it knows must have exactly
// their JSON names (encoding/json alone would also take "IMAGE"). Fields it
// does not know are ignored: the kubelet adds fields to v1 without a new
// version (serviceAccountToken came that way), and an older plugin must
// keep working under a newer kubelet.
//
// Every error wraps ErrInvalidRequest and is one line that quotes no more
// than a short, escaped piece of the input.
func DecodeRequest(r io.Reader) (CredentialProviderRequest, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRequest+1))
	if err != nil {
		return CredentialProviderRequest{}, invalid("reading the request: %v", err)
	}
	if len(b) > MaxRequest {
		return CredentialProviderRequest{}, invalid("the request is larger than %d KiB", MaxRequest>>10)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return CredentialProviderRequest{}, invalid("standard input is empty; expected a CredentialProviderRequest")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return CredentialProviderRequest{}, invalid("the request is not a JSON object: %v", jsonReason(err))
	}
	if fields == nil {
		return CredentialProviderRequest{}, invalid("the request is null; expected a CredentialProviderRequest")
	}
	if _, err := dec.Token(); err != io.EOF {
		return CredentialProviderRequest{}, invalid("the request has data after its JSON object")
	}

	var req CredentialProviderRequest
	for _, f := range []struct {
		name string
		into any
	}{
		{"apiVersion", &req.APIVersion},
		{"kind", &req.Kind},
		{"image", &req.Image},
		{"serviceAccountToken", &req.ServiceAccountToken},
		{"serviceAccountAnnotations", &req.ServiceAccountAnnotations},
	} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, f.into); err != nil {
			return CredentialProviderRequest{}, invalid("field %s: %v", f.name, jsonReason(err))
		}
	}
	switch req.APIVersion {
	case APIVersionV1, APIVersionV1beta1:
	case "":
		return CredentialProviderRequest{}, invalid("apiVersion is missing; expected %s or %s", APIVersionV1, APIVersionV1beta1)
	default:
		return CredentialProviderRequest{}, invalid("unknown apiVersion %s; expected %s or %s", quote(req.APIVersion), APIVersionV1, APIVersionV1beta1)
	}
	if req.Kind != KindRequest {
		return CredentialProviderRequest{}, invalid("kind is %s; expected %s", quote(req.Kind), KindRequest)
	}
	if req.Image == "" {
		return CredentialProviderRequest{}, invalid("image is missing")
	}
	return req, nil
}

// NewResponse answers req with tok for the registry host, as of now.
//
// The kubelet keeps the answer per registry (one token serves every image
// there) for half of the token's remaining validity: it then asks again,
// and by then the disk cache may hold a fresher token, so a pull never
// meets a token about to expire. A token with nothing left gets a zero
// duration, which tells the kubelet not to keep it at all.
func NewResponse(req CredentialProviderRequest, host string, tok ecr.Token, now time.Time) CredentialProviderResponse {
	half := max(tok.ExpiresAt.Sub(now)/2, 0).Truncate(time.Second)
	d := Duration(half)
	return CredentialProviderResponse{
		APIVersion:    req.APIVersion,
		Kind:          KindResponse,
		CacheKeyType:  RegistryPluginCacheKeyType,
		CacheDuration: &d,
		Auth:          map[string]AuthConfig{host: {Username: tok.Username, Password: tok.Secret}},
	}
}

// NewAnonymousResponse is the answer for a registry that is pulled from
// anonymously (ECR Public with no AWS credentials on the node): no auth,
// for cacheDuration, so the kubelet pulls without credentials and does not
// ask again for a while.
func NewAnonymousResponse(req CredentialProviderRequest, cacheDuration time.Duration) CredentialProviderResponse {
	d := Duration(cacheDuration.Truncate(time.Second))
	return CredentialProviderResponse{
		APIVersion:    req.APIVersion,
		Kind:          KindResponse,
		CacheKeyType:  RegistryPluginCacheKeyType,
		CacheDuration: &d,
		Auth:          map[string]AuthConfig{},
	}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}

// jsonReason is a decoding error's message, minus the package prefix
// encoding/json puts on some of them.
func jsonReason(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// quote escapes and shortens untrusted input for an error message.
func quote(s string) string {
	const max = 100
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
