package ecrauth_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecrauth"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// Example gets the credentials for a registry, with the identity the
// environment selects and the cache the binaries share.
func Example() {
	defer fakeAWS()()

	h, err := ecrauth.New(ecrauth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	user, secret, err := h.Get("111122223333.dkr.ecr.us-east-1.amazonaws.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(user, secret != "")
	// Output: AWS true
}

// Example_goContainerRegistry wires the library into go-containerregistry:
// ECR hosts from the library, every other host from the docker
// configuration. Pass kc to remote.WithAuthFromKeychain, or to crane.
func Example_goContainerRegistry() {
	defer fakeAWS()()

	h, err := ecrauth.New(ecrauth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	kc := authn.NewMultiKeychain(authn.NewKeychainFromHelper(h), authn.DefaultKeychain)

	for _, host := range []string{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "ghcr.io"} {
		reg, err := name.NewRegistry(host)
		if err != nil {
			fmt.Println(err)
			return
		}
		auth, err := kc.Resolve(reg)
		if err != nil {
			fmt.Println(err)
			return
		}
		if auth == authn.Anonymous {
			// Not ECR: the library's keychain fell through, and so did
			// the docker configuration's, which has nothing for it.
			fmt.Println(host, "anonymous")
			continue
		}
		cfg, err := auth.Authorization()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(host, cfg.Username)
	}
	// Output:
	// 111122223333.dkr.ecr.us-east-1.amazonaws.com AWS
	// ghcr.io anonymous
}

// ExampleHelper_Get_notECR tells a host that is not ECR, which a caller
// hands to the next credential source, from a failure.
func ExampleHelper_Get_notECR() {
	defer fakeAWS()()

	h, err := ecrauth.New(ecrauth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _, err = h.Get("registry.example.com")
	fmt.Println(errors.Is(err, ecrauth.ErrNotECR))
	// Output: true
}

// ExampleHelper_GetContext bounds one call by the caller's context as well
// as by Options.Timeout, and tells failures apart with errors.Is.
func ExampleHelper_GetContext() {
	fake, undo, err := fakeAWSServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer undo()
	fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())

	h, err := ecrauth.New(ecrauth.Options{Timeout: 10 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = h.GetContext(ctx, "111122223333.dkr.ecr.us-east-1.amazonaws.com")
	var e *ecrauth.Error
	fmt.Println(errors.Is(err, ecrauth.ErrAccessDenied), errors.As(err, &e) && e.Code == "AccessDeniedException")
	// Output: true true
}

// ExampleHelper_Token gets the token with its expiry.
func ExampleHelper_Token() {
	defer fakeAWS()()

	h, err := ecrauth.New(ecrauth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := h.Token(context.Background(), "111122223333.dkr.ecr.us-east-1.amazonaws.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Username, time.Until(tok.ExpiresAt) > 11*time.Hour)
	// Output: AWS true
}

// fakeAWS points this process at a fake ECR for the examples, which run in
// go test where no AWS account is at hand: the AWS endpoints, a temporary
// cache directory and an empty docker configuration. It returns the
// function that undoes it. A failure is printed, which fails the example.
func fakeAWS() (undo func()) {
	_, undo, err := fakeAWSServer()
	if err != nil {
		fmt.Println(err)
		return func() {}
	}
	return undo
}

// fakeAWSServer is fakeAWS, with the fake, for examples that program it.
func fakeAWSServer() (*fakeaws.Server, func(), error) {
	fake := fakeaws.New()
	base, stop, err := fake.Start("")
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "ecrauth-example-")
	if err != nil {
		stop()
		return nil, nil, err
	}
	env := append(fake.Env(base), "ECRLOGIN_CACHE_DIR="+filepath.Join(dir, "cache"), "DOCKER_CONFIG="+filepath.Join(dir, "docker"))
	var restore []func()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		restore = append(restore, func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		})
	}
	return fake, func() {
		for _, r := range restore {
			r()
		}
		stop()
		os.RemoveAll(dir)
	}, nil
}
