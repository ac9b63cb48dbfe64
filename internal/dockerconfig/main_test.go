package dockerconfig

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// helperEnv, when set, makes the test binary a configure run instead:
// "PATH HOST" updates PATH to map HOST to ecrlogin and exits. The
// concurrency test re-execs itself this way to get real processes.
const helperEnv = "DOCKERCONFIG_TEST_UPDATE"

func TestMain(m *testing.M) {
	if v := os.Getenv(helperEnv); v != "" {
		os.Exit(helperUpdate(v))
	}
	os.Exit(m.Run())
}

func helperUpdate(v string) int {
	path, host, _ := strings.Cut(v, " ")
	if _, err := Update(context.Background(), path, Edit{Hosts: []string{host}}, false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
