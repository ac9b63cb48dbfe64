package ecrauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecrauth"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestSharedWithBinary checks that the library and the real
// docker-credential-ecrlogin share one cache: with the same environment,
// and no cache directory given to the library (so it finds the cache by
// the binaries' rules), a token fetched by either is served by the other
// from disk, with no second API call.
func TestSharedWithBinary(t *testing.T) {
	tests := []struct {
		name          string
		first, second func(t *testing.T) string
	}{
		{name: "library then binary", first: libraryGet, second: binaryGet},
		{name: "binary then library", first: binaryGet, second: libraryGet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			t.Setenv("ECRLOGIN_CACHE_DIR", t.TempDir())
			first := tt.first(t)
			if !fake.ValidPassword("AWS", first) {
				t.Fatalf("first get returned a password the fake never issued")
			}
			if second := tt.second(t); second != first {
				t.Errorf("second get returned another token than the first")
			}
			if n := tokenCalls(fake); n != 1 {
				t.Errorf("fake ECR saw %d token calls, want 1: the second get should be a cache hit", n)
			}
		})
	}
}

// TestSingleFlightAcrossProcesses releases goroutines of this process,
// through the library, and helper processes together on a cold cache:
// the cache's lock makes them share one API call.
func TestSingleFlightAcrossProcesses(t *testing.T) {
	const goroutines, processes = 8, 3
	fake := startFake(t)
	t.Setenv("ECRLOGIN_CACHE_DIR", t.TempDir())
	front := testbin.Path(t, testbin.Front) // built before the start line, not during the race
	// Long enough that every client is waiting while the first fetches.
	fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: 2 * time.Second})

	h := newHelper(t, ecrauth.Options{})
	secrets := make([]string, goroutines+processes)
	errs := make([]error, goroutines+processes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines + processes {
		wg.Go(func() {
			<-start
			if i < goroutines {
				_, secrets[i], errs[i] = h.Get(ecrHost)
				return
			}
			secrets[i], errs[i] = runBinaryGet(t.Context(), front)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("client %d: %v", i, err)
		} else if secrets[i] != secrets[0] {
			t.Errorf("client %d got another token than client 0", i)
		}
	}
	if n := tokenCalls(fake); n != 1 {
		t.Errorf("%d goroutines and %d processes made %d token calls, want 1", goroutines, processes, n)
	}
}

func libraryGet(t *testing.T) string {
	t.Helper()
	h := newHelper(t, ecrauth.Options{})
	user, secret, err := h.Get(ecrHost)
	if err != nil || user != "AWS" {
		t.Fatalf("library Get(%q) = %q, _, %v; want AWS", ecrHost, user, err)
	}
	return secret
}

func binaryGet(t *testing.T) string {
	t.Helper()
	secret, err := runBinaryGet(t.Context(), testbin.Path(t, testbin.Front))
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// runBinaryGet runs front, `docker-credential-ecrlogin get`, for ecrHost, as
// docker would, in this process's environment.
func runBinaryGet(ctx context.Context, front string) (string, error) {
	cmd := exec.CommandContext(ctx, front, "get")
	cmd.Stdin = strings.NewReader(ecrHost + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker-credential-ecrlogin get: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var creds struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal(out, &creds); err != nil || creds.Username != "AWS" {
		return "", fmt.Errorf("docker-credential-ecrlogin get printed %q (%v); want AWS credentials", out, err)
	}
	return creds.Secret, nil
}
