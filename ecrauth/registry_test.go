package ecrauth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecrauth"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/registrytest"
)

// TestPushPull pushes an image through go-containerregistry's remote
// package with the library in process as its keychain, against a real
// registry that accepts only passwords the fake ECR issued, pulls it back
// and compares. The failing case shows the test can tell: when ECR denies
// the token, the keychain falls through to anonymous and the registry
// refuses the push.
func TestPushPull(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(fake *fakeaws.Server)
		wantErr bool
	}{
		{name: "token from ECR"},
		{
			name:    "ECR denies the token",
			arrange: func(fake *fakeaws.Server) { fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied()) },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			if tt.arrange != nil {
				tt.arrange(fake)
			}
			reg, err := registrytest.Start(registrytest.Config{Hosts: []string{ecrHost}, Authorize: fake.ValidPassword})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := reg.Close(); err != nil {
					t.Errorf("stop registry: %v", err)
				}
			})
			h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir()})
			opts := []remote.Option{
				remote.WithContext(t.Context()),
				remote.WithAuthFromKeychain(authn.NewKeychainFromHelper(h)),
				remote.WithTransport(reg.Transport()),
			}
			ref, err := name.ParseReference(ecrHost + "/app:v1")
			if err != nil {
				t.Fatal(err)
			}
			img, err := random.Image(1024, 2)
			if err != nil {
				t.Fatal(err)
			}

			err = remote.Write(ref, img, opts...)
			if tt.wantErr {
				var terr *transport.Error
				if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
					t.Errorf("push with ECR denying the token: err = %v, want 401 from the registry", err)
				}
				if st := reg.Stats(); st.Writes != 0 {
					t.Errorf("registry accepted %d writes without credentials", st.Writes)
				}
				return
			}
			if err != nil {
				t.Fatalf("push %s: %v", ref, err)
			}
			got, err := remote.Image(ref, opts...)
			if err != nil {
				t.Fatalf("pull %s: %v", ref, err)
			}
			wantManifest, _ := img.RawManifest()
			gotManifest, err := got.RawManifest()
			if err != nil || !bytes.Equal(gotManifest, wantManifest) {
				t.Errorf("pulled manifest differs from the pushed one (err %v)", err)
			}
			layers, err := got.Layers()
			if err != nil || len(layers) != 2 {
				t.Fatalf("pulled image has %d layers (err %v), want 2", len(layers), err)
			}
			for i, l := range layers {
				// The registry's bytes, hashed here, against the digest
				// the pushed manifest names.
				rc, err := l.Compressed()
				if err != nil {
					t.Fatalf("pull layer %d: %v", i, err)
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatalf("read layer %d: %v", i, err)
				}
				sum := sha256.Sum256(data)
				want, _ := l.Digest()
				if got := "sha256:" + hex.EncodeToString(sum[:]); got != want.String() {
					t.Errorf("layer %d hashes to %s, the manifest says %s", i, got, want)
				}
			}
			if st := reg.Stats(); st.Writes == 0 || st.RefusedWrites != 0 {
				t.Errorf("registry stats %+v: want authenticated writes only", st)
			}
			if n := tokenCalls(fake); n != 1 {
				t.Errorf("push and pull made %d token calls, want 1 (the cache serves the rest)", n)
			}
		})
	}
}
