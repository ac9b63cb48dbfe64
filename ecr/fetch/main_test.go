package fetch_test

import (
	"os"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestMain makes the whole package hermetic before any test runs: no
// test can read this machine's AWS setup or reach the instance metadata
// service, even one that forgets to set up its own environment. Run with
// childEnv set, the binary is instead a child that a test started on a
// terminal of its choosing (see prompt_test.go).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
	}
	os.Exit(fakeaws.RunHermetic(m.Run))
}
