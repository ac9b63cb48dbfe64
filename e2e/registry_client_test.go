package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// The test binary re-exec'd as a client process reads what to do from
// these variables (see runChild).
const (
	childModeEnv = "ECRLOGIN_E2E_CHILD"
	childRefEnv  = "ECRLOGIN_E2E_REF"
)

// How many clients push at once on a cold cache: goroutines of this
// process, whose keychain lookups each exec the helper, and separate
// processes, whose helpers race through the cache's cross-process lock.
const (
	pushGoroutines = 4
	pushProcesses  = 3
)

const repo = ecrHost + "/demo"

// TestRegistryClient is the whole story through go-containerregistry, the
// library behind crane, ko and many CI tools: several clients push on a
// cold cache at once, everything is pulled back and verified, tags are
// listed and an image copied — and the fake ECR was asked for a token
// exactly once, and the registry saw only authenticated writes.
func TestRegistryClient(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()

	pushed := map[string]v1.Hash{}
	for _, r := range pushFromEverywhere(ctx, w, pushGoroutines, pushProcesses) {
		if r.err != nil {
			t.Errorf("push %s from %s: %v", r.tag, r.pusher, r.err)
			continue
		}
		pushed[r.tag] = r.digest
	}
	if t.Failed() {
		t.FailNow()
	}

	opts := w.remoteOptions(ctx)
	for tag, want := range pushed {
		img, err := remote.Image(parseRef(t, repo+":"+tag), opts...)
		if err != nil {
			t.Errorf("pull %s: %v", tag, err)
			continue
		}
		if got, _ := img.Digest(); got != want {
			t.Errorf("pull %s: digest %v, want %v (what the pusher saw)", tag, got, want)
		}
		if err := checkImageContent(img, nil); err != nil {
			t.Errorf("pull %s: %v", tag, err)
		}
	}

	repository, err := name.NewRepository(repo)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(repository, opts...)
	if err != nil {
		t.Fatalf("list tags: %v", err)
	}
	wantTags := make([]string, 0, len(pushed))
	for tag := range pushed {
		wantTags = append(wantTags, tag)
	}
	slices.Sort(tags)
	slices.Sort(wantTags)
	if !slices.Equal(tags, wantTags) {
		t.Errorf("tags of %s = %v, want %v", repo, tags, wantTags)
	}

	const copied = ecrHost + "/demo-copy:1"
	src := repo + ":goroutine-0"
	if err := crane.Copy(src, copied,
		crane.WithContext(ctx),
		crane.WithAuthFromKeychain(authn.DefaultKeychain),
		crane.WithTransport(w.registry.Transport()),
	); err != nil {
		t.Fatalf("copy %s to %s: %v", src, copied, err)
	}
	desc, err := remote.Head(parseRef(t, copied), opts...)
	if err != nil {
		t.Fatalf("head %s: %v", copied, err)
	}
	if desc.Digest != pushed["goroutine-0"] {
		t.Errorf("copy has digest %v, want %v", desc.Digest, pushed["goroutine-0"])
	}

	if n := w.tokenCalls(); n != 1 {
		t.Errorf("fake ECR saw %d GetAuthorizationToken calls for %d clients, want exactly 1 (the cache should serve the rest)",
			n, pushGoroutines+pushProcesses)
	}
	st := w.registry.Stats()
	if st.Writes == 0 || st.RefusedWrites != 0 {
		t.Errorf("registry stats %+v: want some writes and no refused (unauthenticated or wrongly authenticated) ones", st)
	}

	w.checkAnonymousRefused(t, "/v2/demo/manifests/goroutine-0")
	_, err = remote.Image(parseRef(t, src), remote.WithContext(ctx),
		remote.WithTransport(w.registry.Transport()), remote.WithAuth(authn.Anonymous))
	if !isUnauthorized(err) {
		t.Errorf("anonymous pull of %s: err = %v, want 401 Unauthorized", src, err)
	}
}

// TestRegistryClientWrongCredentials shows the test above would catch
// broken authentication: the same pushes, with credentials that are wrong
// in each way a helper could get them wrong, must all fail and write
// nothing.
func TestRegistryClientWrongCredentials(t *testing.T) {
	tests := []struct {
		name string
		// arrange makes the helper hand out bad credentials or none.
		arrange func(t *testing.T, w *world)
		// wantErr is text each failing pusher's error must contain, so a
		// user would see why; empty when any 401 will do.
		wantErr    []string
		tokenCalls int
		// childrenOnly is set where the helper fails loudly: a helper
		// exec'd by this process writes its error line straight to the
		// test's stderr, which would read like a failure in a passing
		// run, so those cases push from child processes only.
		childrenOnly bool
	}{
		{
			name:    "impostor helper with a password ECR never issued",
			arrange: func(t *testing.T, w *world) { w.useImpostorHelper(t) },
		},
		{
			name: "stored login with a bogus password",
			arrange: func(t *testing.T, w *world) {
				cmd := exec.CommandContext(t.Context(), testbin.Path(t, testbin.Front), "store")
				cmd.Stdin = strings.NewReader(`{"ServerURL":"` + ecrHost + `","Username":"AWS","Secret":"` + bogusSecret() + `"}`)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("docker-credential-ecrlogin store: %v\n%s", err, out)
				}
			},
		},
		{
			name: "ECR denies the token",
			arrange: func(t *testing.T, w *world) {
				w.fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
			},
			wantErr:      []string{ecrHost, "AccessDeniedException"},
			tokenCalls:   -1, // at least one; retries are the helper's business
			childrenOnly: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.arrange(t, w)
			goroutines := 2
			if tt.childrenOnly {
				goroutines = 0
			}
			for _, r := range pushFromEverywhere(t.Context(), w, goroutines, 2) {
				switch {
				case r.err == nil:
					t.Errorf("push %s from %s succeeded with bad credentials", r.tag, r.pusher)
				case len(tt.wantErr) == 0 && !isUnauthorized(r.err) && !strings.Contains(r.err.Error(), "401"):
					t.Errorf("push %s from %s: %v; want a 401 from the registry", r.tag, r.pusher, r.err)
				}
				for _, want := range tt.wantErr {
					if r.err != nil && !strings.Contains(r.err.Error(), want) {
						t.Errorf("push %s from %s: error %q does not mention %q", r.tag, r.pusher, r.err, want)
					}
				}
			}
			if st := w.registry.Stats(); st.Writes != 0 {
				t.Errorf("registry accepted %d writes with bad credentials", st.Writes)
			}
			switch n := w.tokenCalls(); {
			case tt.tokenCalls >= 0 && n != tt.tokenCalls:
				t.Errorf("fake ECR saw %d GetAuthorizationToken calls, want %d", n, tt.tokenCalls)
			case tt.tokenCalls < 0 && n == 0:
				t.Errorf("fake ECR saw no GetAuthorizationToken call; the fault was never exercised")
			}
		})
	}
}

// pushResult is what one pusher did.
type pushResult struct {
	pusher string // "goroutine" or "process"
	tag    string
	digest v1.Hash
	err    error
}

// pushFromEverywhere starts goroutines and processes that each push a new
// random image to its own tag of repo, pull it back and verify it. They
// are released together, on a cold cache, to make the helper's single
// flight work for its living.
func pushFromEverywhere(ctx context.Context, w *world, goroutines, processes int) []pushResult {
	results := make([]pushResult, goroutines+processes)
	start := make(chan struct{})
	var done sync.WaitGroup
	for i := range goroutines {
		done.Add(1)
		go func() {
			defer done.Done()
			r := &results[i]
			r.pusher, r.tag = "goroutine", fmt.Sprintf("goroutine-%d", i)
			<-start
			r.digest, r.err = pushAndCheck(repo+":"+r.tag, w.remoteOptions(ctx))
		}()
	}
	for i := range processes {
		done.Add(1)
		go func() {
			defer done.Done()
			r := &results[goroutines+i]
			r.pusher, r.tag = "process", fmt.Sprintf("process-%d", i)
			<-start
			r.digest, r.err = w.pushFromChild(ctx, repo+":"+r.tag)
		}()
	}
	close(start)
	done.Wait()
	return results
}

// pushAndCheck pushes a new random image to ref, pulls it back and checks
// it is byte for byte what was pushed.
func pushAndCheck(refStr string, opts []remote.Option) (v1.Hash, error) {
	ref, err := name.ParseReference(refStr)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := random.Image(2048, 2)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("push: %w", err)
	}
	got, err := remote.Image(ref, opts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("pull: %w", err)
	}
	if err := checkImageContent(got, img); err != nil {
		return v1.Hash{}, fmt.Errorf("pull: %w", err)
	}
	return img.Digest()
}

// pushFromChild runs pushAndCheck in a new process of this test binary.
// The child is configured only by its environment, the way a user's Go
// tool is: DOCKER_CONFIG and PATH lead it to the helper, HTTPS_PROXY and
// SSL_CERT_FILE to the registry.
func (w *world) pushFromChild(ctx context.Context, ref string) (v1.Hash, error) {
	self, err := os.Executable()
	if err != nil {
		return v1.Hash{}, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(),
		childModeEnv+"=push",
		childRefEnv+"="+ref,
		"HTTPS_PROXY="+w.registry.ProxyURL().String(),
		"SSL_CERT_FILE="+w.certFile,
	)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("client process: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return v1.NewHash(strings.TrimSpace(string(out)))
}

// runChild is the body of a client process started by pushFromChild. It
// prints the pushed digest on stdout, or the error on stderr and exits 1.
func runChild(mode string) int {
	if mode != "push" {
		fmt.Fprintf(os.Stderr, "e2e child: unknown mode %q\n", mode)
		return 2
	}
	// No transport option: remote.DefaultTransport honours HTTPS_PROXY,
	// and the system roots it trusts come from SSL_CERT_FILE.
	digest, err := pushAndCheck(os.Getenv(childRefEnv), []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e child:", err)
		return 1
	}
	fmt.Println(digest)
	return 0
}

func isUnauthorized(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusUnauthorized
}

func parseRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
