package fetch_test

import (
	"os"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestMain makes the whole package hermetic before any test runs: no
// test can read this machine's AWS setup or reach the instance metadata
// service, even one that forgets to set up its own environment.
func TestMain(m *testing.M) {
	os.Exit(fakeaws.RunHermetic(m.Run))
}
