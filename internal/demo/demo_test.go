package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// TestDemo runs `make demo` as a newcomer would see it, with the registry
// client, and checks that it told the story and left nothing behind.
func TestDemo(t *testing.T) {
	runDemo(t, "client")
}

// TestDemoWithEngine is the same through a private Docker engine.
func TestDemoWithEngine(t *testing.T) {
	if os.Getenv("ECRLOGIN_E2E_DOCKER") != "1" {
		t.Skip("starts a Docker engine as root: set ECRLOGIN_E2E_DOCKER=1 (make e2e-docker)")
	}
	runDemo(t, "docker")
}

func runDemo(t *testing.T, engine string) {
	bin := testbin.Dir(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the demo's os.MkdirTemp goes
	// Race-enabled helper binaries would otherwise sleep a second at exit,
	// and the timings the demo prints would be about that.
	if !strings.Contains(os.Getenv("GORACE"), "atexit_sleep_ms") {
		t.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	var out strings.Builder
	err := run(t.Context(), options{bin: bin, engine: engine}, &out, func(k, v string) { t.Setenv(k, v) })
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`fetched token from ECR \(1 API call, \d+ ms\)`),
		regexp.MustCompile(`served from cache \(\d+ ms, 0 API calls\)`),
		regexp.MustCompile(`pushed sha256:[0-9a-f]{64}`),
		regexp.MustCompile(`pulled sha256:[0-9a-f]{64} .*the image that was pushed`),
		regexp.MustCompile(`ECR API: 0 calls for the push and pull`),
		regexp.MustCompile(`registry: [1-9]\d* authenticated writes, 0 refused`),
		regexp.MustCompile(`without credentials gets 401`),
		regexp.MustCompile(`Cleaning up: .*removed `),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("demo output does not match %q", want)
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("demo left %d entries in its temporary directory's parent, e.g. %s", len(left), left[0].Name())
	}
}

// TestDemoNeedsBinaries checks the first thing a newcomer may hit: no
// make build yet.
func TestDemoNeedsBinaries(t *testing.T) {
	err := run(t.Context(), options{bin: t.TempDir(), engine: "client"}, &strings.Builder{}, func(k, v string) { t.Setenv(k, v) })
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Errorf("demo without binaries: err = %v, want one that says to run make build", err)
	}
}
