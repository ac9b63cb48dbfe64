package ecr_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

type rig struct {
	h     *ecr.Helper
	fake  *fakeaws.Server
	clock *testclock.Clock
	warn  *bytes.Buffer
}

// newRig wires a Helper as the front does, except that tokens are fetched
// in process (the real SDK against the fake ECR) rather than by exec.
// skew is how far the fake ECR's clock lags the helper's.
func newRig(t *testing.T, skew time.Duration) *rig {
	t.Helper()
	home := t.TempDir()
	clk := testclock.New(time.Now())
	fake := fakeaws.New()
	fake.Now = func() time.Time { return clk.Now().Add(-skew) }
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	for _, kv := range append(fakeaws.ClientEnv(home), fake.Env(base)...) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	c, err := cache.Open(filepath.Join(home, "cache"), cache.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	warn := &bytes.Buffer{}
	return &rig{
		h: &ecr.Helper{
			Cache:   func() *cache.Cache { return c },
			Fetcher: &fetch.Fetcher{},
			Warn:    warn,
			Now:     clk.Now,
		},
		fake:  fake,
		clock: clk,
		warn:  warn,
	}
}

func (r *rig) calls() int { return r.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") }

func (r *rig) get(t *testing.T) (ecr.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.h.Get(ctx, host)
}

// TestFreshness walks one token through its life: served from the cache
// while half its lifetime is left, refreshed after, served stale (with a
// warning) only while a refresh fails and 5 minutes are left, and never
// once it is that close to expiry.
func TestFreshness(t *testing.T) {
	r := newRig(t, 0)
	first, err := r.get(t)
	if err != nil || r.calls() != 1 {
		t.Fatalf("cold Get = %v with %d calls, want a token from 1 call", err, r.calls())
	}

	r.clock.Advance(5*time.Hour + 59*time.Minute) // just under half of 12 h
	if tok, err := r.get(t); err != nil || tok.Secret != first.Secret || r.calls() != 1 {
		t.Fatalf("Get at 5h59m = %v (same token: %t), %d calls; want the cached token and no call", err, tok.Secret == first.Secret, r.calls())
	}

	r.clock.Advance(2 * time.Minute) // past half-life: refresh, but ECR refuses
	r.fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
	tok, err := r.get(t)
	if err != nil || tok.Secret != first.Secret {
		t.Fatalf("Get at 6h01m with ECR refusing = %v; want the cached token (about 6 h left)", err)
	}
	if w := r.warn.String(); strings.Count(w, "\n") != 1 || !strings.Contains(w, "could not refresh the token") || !strings.Contains(w, "AccessDeniedException") || strings.Contains(w, first.Secret) {
		t.Errorf("warning = %q, want one line naming the refresh error and no secret", w)
	}

	r.clock.Advance(5*time.Hour + 53*time.Minute + 30*time.Second) // 5m30s left
	r.warn.Reset()
	if _, err := r.get(t); err != nil {
		t.Errorf("Get with 5m30s left and ECR refusing = %v; want the cached token", err)
	}
	r.clock.Advance(31 * time.Second) // 4m59s left: never served
	_, err = r.get(t)
	var e *ecr.Error
	if !errors.As(err, &e) || e.Code != "AccessDeniedException" {
		t.Errorf("Get with under 5m left and ECR refusing = %v; want ECR's AccessDeniedException", err)
	}

	r.fake.ClearFaults()
	tok, err = r.get(t)
	if err != nil || tok.Secret == first.Secret {
		t.Errorf("Get after ECR recovers = %v (same token: %t); want a new token", err, tok.Secret == first.Secret)
	}
}

// TestTokenTooShort: a token that arrives with under 5 minutes to live
// (a badly skewed clock, say) is an error, not something to hand docker.
func TestTokenTooShort(t *testing.T) {
	r := newRig(t, 11*time.Hour+56*time.Minute)
	_, err := r.get(t)
	if err == nil || !strings.Contains(err.Error(), "check the system clock") {
		t.Errorf("Get with the local clock 11h56m ahead = %v; want a clock-skew error", err)
	}
}

func TestStoreEraseList(t *testing.T) {
	r := newRig(t, 0)
	ctx := context.Background()

	// A real-shaped ECR password: its expiry is read from it.
	tok, err := r.get(t)
	if err != nil {
		t.Fatal(err)
	}
	const other = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"
	if err := r.h.Store(ctx, "https://"+other, "AWS", tok.Secret); err != nil {
		t.Fatalf("Store: %v", err)
	}
	list, err := r.h.List(ctx)
	if err != nil || list[other] != "AWS" || list[host] != "AWS" || len(list) != 2 {
		t.Fatalf("List = %v, %v; want both hosts", list, err)
	}
	got, err := r.h.Get(ctx, other)
	if err != nil || got.Secret != tok.Secret {
		t.Fatalf("Get(stored host) = %v; want the stored secret", err)
	}
	if r.calls() != 1 {
		t.Errorf("calls = %d; a stored login must be served without one", r.calls())
	}

	// Erase forgets the stored login: List no longer shows it, and a get
	// fetches a token of its own instead of serving the stored password.
	if err := r.h.Erase(ctx, other); err != nil {
		t.Fatal(err)
	}
	if list, err := r.h.List(ctx); err != nil || len(list) != 1 || list[host] != "AWS" {
		t.Errorf("List after Erase(%s) = %v, %v; want only %s", other, list, err, host)
	}
	got, err = r.h.Get(ctx, other)
	if err != nil || got.Secret == tok.Secret || r.calls() != 2 {
		t.Errorf("Get(%s) after Erase = %v, calls %d; want a fetched token (2 calls), not the stored one", other, err, r.calls())
	}
	if err := r.h.Erase(ctx, other); err != nil {
		t.Errorf("second Erase = %v; want nil", err)
	}

	// Erase forgets a fetched token too: the next get fetches again.
	if err := r.h.Erase(ctx, host); err != nil {
		t.Fatal(err)
	}
	if list, _ := r.h.List(ctx); list[host] != "" {
		t.Errorf("List after Erase(%s) = %v; want it gone", host, list)
	}
	if _, err := r.get(t); err != nil || r.calls() != 3 {
		t.Errorf("Get after Erase = %v, calls %d; want a new fetch (3 calls)", err, r.calls())
	}

	// Stored credentials expire with the password they hold.
	if err := r.h.Store(ctx, other, "AWS", tok.Secret); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(11*time.Hour + 56*time.Minute)
	if list, _ := r.h.List(ctx); len(list) != 0 {
		t.Errorf("List 4 minutes before expiry = %v; want nothing", list)
	}
}

// TestHitResolvesNothing: with the cache warm, Get never calls the
// fetcher at all.
func TestHitResolvesNothing(t *testing.T) {
	r := newRig(t, 0)
	if _, err := r.get(t); err != nil {
		t.Fatal(err)
	}
	r.h.Fetcher = ecr.FetcherFunc(func(context.Context, ecr.FetchRequest) (ecr.Token, error) {
		t.Error("a cache hit called the fetcher")
		return ecr.Token{}, errors.New("unreachable")
	})
	for range 3 {
		if _, err := r.get(t); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkGetHit is the in-process hit path: identity fingerprint, one
// cache read. The whole-process figure is in bench/.
func BenchmarkGetHit(b *testing.B) {
	home := b.TempDir()
	b.Setenv("HOME", home)
	c, err := cache.Open(filepath.Join(home, "cache"), cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := &ecr.Helper{Cache: func() *cache.Cache { return c }}
	h.Fetcher = ecr.FetcherFunc(func(context.Context, ecr.FetchRequest) (ecr.Token, error) {
		return ecr.Token{Username: "AWS", Secret: strings.Repeat("s", 2000), ExpiresAt: time.Now().Add(12 * time.Hour)}, nil
	})
	ctx := context.Background()
	if _, err := h.Get(ctx, host); err != nil {
		b.Fatal(err)
	}
	h.Fetcher = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Get(ctx, host); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentGets shares one Helper between goroutines, as the library
// and the kubelet mode do: 16 cold gets make one API call and all get the
// same token, and -race checks that nothing in the Helper, the fetcher or
// the cache is written unguarded.
func TestConcurrentGets(t *testing.T) {
	r := newRig(t, 0)
	var wg sync.WaitGroup
	secrets := make([]string, 16)
	for i := range secrets {
		wg.Go(func() {
			tok, err := r.h.Get(context.Background(), host)
			if err != nil {
				t.Errorf("Get: %v", err)
			}
			secrets[i] = tok.Secret
		})
	}
	wg.Wait()
	if r.calls() != 1 {
		t.Errorf("16 concurrent cold gets made %d calls, want 1", r.calls())
	}
	for _, s := range secrets {
		if s != secrets[0] {
			t.Fatalf("concurrent gets returned different tokens")
		}
	}
}
