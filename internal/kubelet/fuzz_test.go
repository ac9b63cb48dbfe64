package kubelet

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzDecodeRequest checks DecodeRequest's contract on any input: it never
// panics; an error wraps ErrInvalidRequest and is one line; a success has
// a known version, the request kind and an image, and an image's host,
// when it has one, is a prefix of the image.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		req, err := DecodeRequest(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("DecodeRequest(%q) = %q, want a one-line ErrInvalidRequest", in, err)
			}
			return
		}
		if (req.APIVersion != APIVersionV1 && req.APIVersion != APIVersionV1beta1) || req.Kind != KindRequest || req.Image == "" {
			t.Fatalf("DecodeRequest(%q) = %+v, want a complete request", in, req)
		}
		if host, err := RegistryHost(req.Image); err == nil && !strings.HasPrefix(req.Image, host+"/") {
			t.Fatalf("RegistryHost(%q) = %q, not the image's first component", req.Image, host)
		}
	})
}
