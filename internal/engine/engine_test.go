package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNewReadsSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    Options
		timeout time.Duration
		wantErr string
	}{
		{name: "defaults", env: map[string]string{}, timeout: 30 * time.Second},
		{name: "timeout", env: map[string]string{"ECRLOGIN_TIMEOUT": "2m"}, timeout: 2 * time.Minute},
		{name: "override wins", env: map[string]string{"ECRLOGIN_TIMEOUT": "2m"}, opts: Options{Timeout: time.Second}, timeout: time.Second},
		{name: "bad timeout", env: map[string]string{"ECRLOGIN_TIMEOUT": "soon"}, wantErr: "ECRLOGIN_TIMEOUT"},
		{name: "bad log", env: map[string]string{"ECRLOGIN_LOG": "loud"}, wantErr: "ECRLOGIN_LOG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Getenv = envOf(tt.env)
			e, err := New(o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("New(%v) = %v, want an error naming %s", tt.env, err, tt.wantErr)
				}
				return
			}
			if err != nil || e.Timeout != tt.timeout {
				t.Errorf("New(%v) = timeout %v, %v; want %v", tt.env, e.Timeout, err, tt.timeout)
			}
		})
	}
}

// TestCacheOpenedOnFirstUse: building the engine touches no disk (a host
// that is not ECR never does), the first get creates the directory, and
// an unusable directory is one log line and an uncached get, never an
// error.
func TestCacheOpenedOnFirstUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	calls := 0
	f := ecr.FetcherFunc(func(context.Context, ecr.FetchRequest) (ecr.Token, error) {
		calls++
		return ecr.Token{Username: "AWS", Secret: "pw", ExpiresAt: time.Now().Add(12 * time.Hour)}, nil
	})
	e, err := New(Options{Getenv: envOf(map[string]string{"ECRLOGIN_CACHE_DIR": dir}), Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Helper.Get(context.Background(), "docker.io"); err == nil {
		t.Fatal("Get(docker.io) succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the cache directory exists after a non-ECR get: %v", err)
	}
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	for range 2 {
		if _, err := e.Helper.Get(context.Background(), host); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 || e.Cache() == nil {
		t.Errorf("two gets made %d fetches (cache %v); want 1, from the cache in %s", calls, e.Cache(), dir)
	}

	// A directory others can write to is refused: uncached, and said once.
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777)
	var logged bytes.Buffer
	e, err = New(Options{Getenv: envOf(map[string]string{"ECRLOGIN_CACHE_DIR": shared, "ECRLOGIN_LOG": "warn"}), Stderr: &logged, Fetcher: f})
	if err != nil {
		t.Fatal(err)
	}
	calls = 0
	for range 2 {
		if _, err := e.Helper.Get(context.Background(), host); err != nil {
			t.Fatalf("Get with an unsafe cache directory = %v; want an uncached token", err)
		}
	}
	if calls != 2 || strings.Count(logged.String(), "running without a cache") != 1 {
		t.Errorf("calls = %d, log %q; want 2 uncached fetches and one warning", calls, logged.String())
	}
}

func TestNoCache(t *testing.T) {
	e, err := New(Options{Getenv: envOf(map[string]string{"ECRLOGIN_CACHE_DIR": t.TempDir()}), NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.CacheDir != "" || e.Cache() != nil {
		t.Errorf("NoCache: CacheDir %q, Cache %v; want none", e.CacheDir, e.Cache())
	}
}
