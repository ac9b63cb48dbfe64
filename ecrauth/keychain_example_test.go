package ecrauth_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecrauth"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// ecrKeychain is a go-containerregistry keychain over the library that,
// unlike authn.NewKeychainFromHelper, reports failures: it falls through
// (answers authn.Anonymous) only for a host that is not ECR, and for ECR
// Public with no AWS credentials, where anonymous pulls work. Any other
// error ends the lookup, so the user reads "access denied" rather than a
// bare 401 from the registry.
type ecrKeychain struct{ h *ecrauth.Helper }

func (k ecrKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

// ResolveContext is what authn.Resolve and the multi-keychain call, so the
// registry client's context bounds the lookup.
func (k ecrKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	user, secret, err := k.h.GetContext(ctx, r.RegistryStr())
	switch {
	case errors.Is(err, ecrauth.ErrNotECR):
		return authn.Anonymous, nil
	case errors.Is(err, ecrauth.ErrNoCredentials) && r.RegistryStr() == "public.ecr.aws":
		return authn.Anonymous, nil
	case err != nil:
		return nil, err
	}
	return authn.FromConfig(authn.AuthConfig{Username: user, Password: secret}), nil
}

// Example_keychainReportingFailures uses ecrKeychain in a multi-keychain:
// other hosts fall through to the docker configuration, ECR failures are
// returned.
func Example_keychainReportingFailures() {
	fake, undo, err := fakeAWSServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer undo()
	fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())

	h, err := ecrauth.New(ecrauth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	kc := authn.NewMultiKeychain(ecrKeychain{h}, authn.DefaultKeychain)

	for _, host := range []string{"ghcr.io", "111122223333.dkr.ecr.us-east-1.amazonaws.com"} {
		reg, _ := name.NewRegistry(host)
		auth, err := authn.Resolve(context.Background(), kc, reg)
		switch {
		case errors.Is(err, ecrauth.ErrAccessDenied):
			fmt.Println(host, "access denied")
		case err != nil:
			fmt.Println(host, err)
		case auth == authn.Anonymous:
			fmt.Println(host, "anonymous")
		}
	}
	// Output:
	// ghcr.io anonymous
	// 111122223333.dkr.ecr.us-east-1.amazonaws.com access denied
}
