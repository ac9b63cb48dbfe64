package ecr_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestMain makes the whole package hermetic before any test runs: no
// test can read this machine's AWS setup or reach the instance metadata
// service, even one that forgets to call hermetic.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "ecrlogin-ecr-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, kv := range fakeaws.ClientEnv(home) {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}
