package ecrauth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecrauth"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
)

// ecrHost is a registry of the fake's account in a real region, so the
// host rules parse it like any production host.
const ecrHost = fakeaws.DefaultAccount + ".dkr.ecr.us-east-1.amazonaws.com"

// startFake serves a fake AWS and points this process's AWS SDK at it,
// with the example keys of fakeaws.ClientEnv as the identity. Tests using
// it must not be parallel.
func startFake(t *testing.T) *fakeaws.Server {
	t.Helper()
	fake := fakeaws.New()
	base, stop, err := fake.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop fake AWS: %v", err)
		}
	})
	for _, kv := range fake.Env(base) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return fake
}

func newHelper(t *testing.T, o ecrauth.Options) *ecrauth.Helper {
	t.Helper()
	h, err := ecrauth.New(o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	return h
}

func tokenCalls(fake *fakeaws.Server) int {
	return fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") + fake.Count(fakeaws.ServiceECRPublic, "GetAuthorizationToken")
}

// TestGet covers what one call answers: credentials the registry accepts,
// and for each failure an error callers can tell apart with errors.Is
// (and, for AWS's own errors, errors.As), without string matching.
func TestGet(t *testing.T) {
	tests := []struct {
		name      string
		server    string
		arrange   func(t *testing.T, fake *fakeaws.Server)
		timeout   time.Duration
		wantErr   error // nil: success
		wantCalls int
		wantAPI   string // the AWS error code errors.As must find; empty for none
	}{
		{name: "ECR host", server: ecrHost, wantCalls: 1},
		{name: "ECR URL with scheme and path", server: "https://" + ecrHost + "/v2/", wantCalls: 1},
		{name: "not ECR", server: "ghcr.io", wantErr: ecrauth.ErrNotECR},
		{name: "look-alike host", server: fakeaws.DefaultAccount + ".dkr.ecr.us-east-1.amazonaws.com.evil.example", wantErr: ecrauth.ErrNotECR},
		{
			name: "access denied", server: ecrHost, wantErr: ecrauth.ErrAccessDenied, wantCalls: 1, wantAPI: "AccessDeniedException",
			arrange: func(t *testing.T, fake *fakeaws.Server) {
				fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
			},
		},
		{
			name: "ECR hangs past the timeout", server: ecrHost, wantErr: ecrauth.ErrTimeout, wantCalls: -1, timeout: 300 * time.Millisecond,
			arrange: func(t *testing.T, fake *fakeaws.Server) { fake.SetFault("GetAuthorizationToken", fakeaws.Hang()) },
		},
		{
			name: "no credentials", server: ecrHost, wantErr: ecrauth.ErrNoCredentials,
			arrange: func(t *testing.T, fake *fakeaws.Server) {
				t.Setenv("AWS_ACCESS_KEY_ID", "")
				t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := startFake(t)
			if tt.arrange != nil {
				tt.arrange(t, fake)
			}
			cacheDir := filepath.Join(t.TempDir(), "cache")
			h := newHelper(t, ecrauth.Options{CacheDir: cacheDir, Timeout: tt.timeout})
			user, secret, err := h.Get(tt.server)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Get(%q): %v", tt.server, err)
			case tt.wantErr == nil && (user != "AWS" || !fake.ValidPassword(user, secret)):
				t.Errorf("Get(%q) = %q, %q; want AWS and a password the fake issued", tt.server, user, secret)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("Get(%q) error = %v, want one matching %v", tt.server, err, tt.wantErr)
			case tt.wantErr != nil && (user != "" || secret != ""):
				t.Errorf("Get(%q) = %q, %q with error %v; want no credentials", tt.server, user, secret, err)
			}
			if tt.wantAPI != "" {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantAPI {
					t.Errorf("Get(%q) error = %v; errors.As finds no smithy.APIError with code %s", tt.server, err, tt.wantAPI)
				}
				var e *ecrauth.Error
				if !errors.As(err, &e) || e.Host != ecrHost {
					t.Errorf("Get(%q) error = %v; want an *ecrauth.Error naming the host", tt.server, err)
				}
			}
			switch n := tokenCalls(fake); {
			case tt.wantCalls >= 0 && n != tt.wantCalls:
				t.Errorf("fake ECR saw %d token calls, want %d", n, tt.wantCalls)
			case tt.wantCalls < 0 && n == 0:
				t.Errorf("fake ECR saw no token call; the fault was never exercised")
			}
			if errors.Is(tt.wantErr, ecrauth.ErrNotECR) {
				// A host that is not ECR touches nothing, the disk included.
				if _, err := os.Stat(cacheDir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("Get(%q) created the cache directory (stat: %v); a non-ECR host must not touch the disk", tt.server, err)
				}
			}
		})
	}
}

// TestGetContextEnds checks that the caller's context bounds the call:
// a cancelled context ends a fetch that would otherwise hang for the
// whole (long) timeout.
func TestGetContextEnds(t *testing.T) {
	fake := startFake(t)
	fake.SetFault("GetAuthorizationToken", fakeaws.Hang())
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := h.GetContext(ctx, ecrHost)
	if err == nil {
		t.Fatal("GetContext on a hanging ECR succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("GetContext took %v after its context ended at 300ms", d)
	}
}

// TestFreshness checks the binaries' freshness rule through the library's
// clock: a token is served from the cache while at least half its life is
// left, and fetched anew after that.
func TestFreshness(t *testing.T) {
	fake := startFake(t)
	clock := testclock.New(time.Now())
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), Now: clock.Now})
	get := func() string {
		t.Helper()
		_, secret, err := h.Get(ecrHost)
		if err != nil {
			t.Fatalf("Get(%q): %v", ecrHost, err)
		}
		return secret
	}
	first := get()
	clock.Advance(5 * time.Hour) // of a 12-hour token: still fresh
	if got := get(); got != first || tokenCalls(fake) != 1 {
		t.Errorf("after 5h: %d token calls, same token %v; want 1 call and the cached token", tokenCalls(fake), got == first)
	}
	clock.Advance(2 * time.Hour) // 7h: less than half left
	if got := get(); got == first || tokenCalls(fake) != 2 {
		t.Errorf("after 7h: %d token calls, same token %v; want a second call and a new token", tokenCalls(fake), got == first)
	}
}

// TestStaleServed checks the binaries' fallback: when a refresh fails, a
// cached token with at least 5 minutes left is served, with a warning to
// the logger (never to stderr); one closer to its expiry is not.
func TestStaleServed(t *testing.T) {
	fake := startFake(t)
	clock := testclock.New(time.Now())
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), Now: clock.Now, Logger: log})
	_, first, err := h.Get(ecrHost)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())

	clock.Advance(11 * time.Hour) // stale, one hour left
	_, secret, err := h.Get(ecrHost)
	if err != nil || secret != first {
		t.Errorf("refresh failing with an hour left: err %v, same token %v; want the cached token", err, secret == first)
	}
	if !strings.Contains(buf.String(), "could not refresh") {
		t.Errorf("no warning logged for the stale token:\n%s", buf.String())
	}

	clock.Advance(time.Hour - 4*time.Minute) // 4 minutes left
	if _, _, err := h.Get(ecrHost); !errors.Is(err, ecrauth.ErrAccessDenied) {
		t.Errorf("refresh failing with 4 minutes left: err %v, want access denied", err)
	}
}

// TestConcurrentColdGet is the single flight across goroutines: many cold
// Gets at once, on one Helper, make one API call between them.
func TestConcurrentColdGet(t *testing.T) {
	const goroutines = 16
	fake := startFake(t)
	// Slow ECR down so that every goroutine arrives while the first fetch
	// is in flight.
	fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: 200 * time.Millisecond})
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir()})
	secrets := make([]string, goroutines)
	errs := make([]error, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			<-start
			_, secrets[i], errs[i] = h.Get(ecrHost)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: Get: %v", i, err)
		} else if secrets[i] != secrets[0] {
			t.Errorf("goroutine %d got another token than goroutine 0", i)
		}
	}
	if n := tokenCalls(fake); n != 1 {
		t.Errorf("%d cold Gets made %d token calls, want 1", goroutines, n)
	}
}

// TestProfile checks that Options.Profile picks the identity: the call is
// signed with the profile's keys, not the environment's.
func TestProfile(t *testing.T) {
	fake := startFake(t)
	const profileKey = "AKIAPROFILEEXAMPLE01"
	writeAWSFile(t, "AWS_SHARED_CREDENTIALS_FILE", "[prod]\naws_access_key_id = "+profileKey+"\naws_secret_access_key = prodsecret\n")
	cacheDir := t.TempDir()
	h := newHelper(t, ecrauth.Options{CacheDir: cacheDir, Profile: "prod"})
	if _, _, err := h.Get(ecrHost); err != nil {
		t.Fatalf("Get(%q) with profile prod: %v", ecrHost, err)
	}
	if key := lastTokenKey(fake); key != profileKey {
		t.Errorf("token call signed with %q, want the profile's %q", key, profileKey)
	}
	// The profile is part of the cache key: served again to the profile,
	// never to the environment's identity on the same cache.
	if _, _, err := h.Get(ecrHost); err != nil || tokenCalls(fake) != 1 {
		t.Errorf("second Get with profile prod: err %v, %d token calls; want a cache hit", err, tokenCalls(fake))
	}
	envHelper := newHelper(t, ecrauth.Options{CacheDir: cacheDir})
	if _, _, err := envHelper.Get(ecrHost); err != nil {
		t.Fatal(err)
	}
	if n, key := tokenCalls(fake), lastTokenKey(fake); n != 2 || key != fakeaws.ExampleAccessKeyID {
		t.Errorf("Get without the profile on the same cache: %d token calls, last signed with %q; want a second call with the environment's key", n, key)
	}

	h = newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), Profile: "missing"})
	_, _, err := h.Get(ecrHost)
	if err == nil || !strings.Contains(err.Error(), `profile "missing"`) {
		t.Errorf("Get with a profile that does not exist: err = %v, want one naming the profile", err)
	}
}

// TestAWSConfig checks the injected-config mode: its credentials sign the
// call, and it never uses the disk cache, in either direction, because the
// cache key cannot see who those credentials belong to.
func TestAWSConfig(t *testing.T) {
	fake := startFake(t)
	cacheDir := t.TempDir()
	t.Setenv("ECRLOGIN_CACHE_DIR", cacheDir)

	// Warm the shared cache as the environment's identity.
	envHelper := newHelper(t, ecrauth.Options{})
	if _, _, err := envHelper.Get(ecrHost); err != nil {
		t.Fatal(err)
	}

	const injectedKey = "AKIAINJECTEDEXAMPLE1"
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider(injectedKey, "injectedsecret", "")}
	h := newHelper(t, ecrauth.Options{AWSConfig: &cfg})
	for i := range 2 {
		if _, _, err := h.Get(ecrHost); err != nil {
			t.Fatalf("Get %d with an injected config: %v", i, err)
		}
		if key := lastTokenKey(fake); key != injectedKey {
			t.Errorf("Get %d: token call signed with %q, want the injected %q", i, key, injectedKey)
		}
	}
	if n := tokenCalls(fake); n != 3 {
		t.Errorf("fake ECR saw %d token calls, want 3: one for the environment's identity, one per Get with the injected config (uncached)", n)
	}
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	before := len(entries)
	// And the environment's identity still gets its own cached token.
	if _, _, err := envHelper.Get(ecrHost); err != nil {
		t.Fatal(err)
	}
	if n := tokenCalls(fake); n != 3 {
		t.Errorf("the environment's cached token was not served after the injected-config Gets: %d token calls", n)
	}
	if entries, _ := os.ReadDir(cacheDir); len(entries) != before {
		t.Errorf("cache directory went from %d to %d entries", before, len(entries))
	}
}

// TestNewRefuses checks the options New refuses rather than half-honour.
func TestNewRefuses(t *testing.T) {
	static := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")}
	tests := []struct {
		name string
		o    ecrauth.Options
		is   error // also matched, when set
	}{
		{name: "profile and config", o: ecrauth.Options{Profile: "prod", AWSConfig: &static}},
		{name: "config without credentials", o: ecrauth.Options{AWSConfig: &aws.Config{Region: "us-east-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ecrauth.New(tt.o)
			if err == nil {
				t.Fatalf("New(%+v) = %v, nil; want an error", tt.o, h)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("New(%+v) error = %v, want one matching %v", tt.o, err, tt.is)
			}
		})
	}
}

// TestZeroHelper checks that a Helper not built by New fails politely.
func TestZeroHelper(t *testing.T) {
	for _, h := range []*ecrauth.Helper{nil, new(ecrauth.Helper)} {
		if _, _, err := h.Get(ecrHost); err == nil {
			t.Errorf("(%#v).Get(%q) succeeded; want an error", h, ecrHost)
		}
	}
}

// TestLogger checks that log lines go to the given logger, and that they
// never carry the token; and that the process's ECRLOGIN_* logging and
// timeout settings neither break nor steer the library.
func TestLogger(t *testing.T) {
	startFake(t)
	t.Setenv("ECRLOGIN_LOG", "not-a-level")
	t.Setenv("ECRLOGIN_TIMEOUT", "not-a-duration")
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), Logger: log})
	_, secret, err := h.Get(ecrHost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "fetched token") {
		t.Errorf("log has no line for the fetch:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), secret) {
		t.Errorf("log contains the token:\n%s", buf.String())
	}
}

func writeAWSFile(t *testing.T, env, content string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aws-file")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(env, path)
}

// lastTokenKey is the access key id of the last GetAuthorizationToken.
func lastTokenKey(fake *fakeaws.Server) string {
	calls := fake.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Action == "GetAuthorizationToken" {
			return calls[i].AccessKeyID
		}
	}
	return ""
}

// TestConfigFile: the per-registry file resolves aliases and picks each
// registry's profile, a mapping's profile beating Options.Profile, and a
// bad file fails every Get with the file, line and key.
func TestConfigFile(t *testing.T) {
	fake := startFake(t)
	const prodKey, devKey = "AKIAPRODEXAMPLE00001", "AKIADEVEXAMPLE000001"
	writeAWSFile(t, "AWS_SHARED_CREDENTIALS_FILE", "[prod]\naws_access_key_id = "+prodKey+"\naws_secret_access_key = p\n[dev]\naws_access_key_id = "+devKey+"\naws_secret_access_key = d\n")
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(file, []byte(`[[registry]]
match = "registry.example.com"
ecr = "`+ecrHost+`"
profile = "prod"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), ConfigFile: file, Profile: "dev"})
	if user, _, err := h.Get("registry.example.com"); err != nil || user != "AWS" {
		t.Fatalf("Get(alias) = %q, %v", user, err)
	}
	if key := lastTokenKey(fake); key != prodKey {
		t.Errorf("alias fetched with %q, want the mapping's profile key %q (it beats Options.Profile)", key, prodKey)
	}
	if _, _, err := h.Get("registry.other.example"); !errors.Is(err, ecrauth.ErrNotECR) {
		t.Errorf("Get(unmapped non-ECR host) = %v, want ErrNotECR", err)
	}

	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[[registry]]\nmatch = \"111122223333\"\nprofil = \"prod\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h = newHelper(t, ecrauth.Options{CacheDir: t.TempDir(), ConfigFile: bad})
	_, _, err := h.Get(ecrHost)
	if err == nil || !strings.Contains(err.Error(), "bad.toml:3: profil") || errors.Is(err, ecrauth.ErrNotECR) {
		t.Errorf("Get with a bad config file = %v; want an error naming bad.toml:3 and the key, not ErrNotECR", err)
	}
}
