package fakeaws_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain makes every test hermetic: no AWS setting of the machine running
// the tests reaches the SDK, the shared config files are empty temp files,
// and the SDK never asks the EC2 instance metadata service.
func TestMain(m *testing.M) {
	os.Exit(runHermetic(m))
}

func runHermetic(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fakeaws-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create test home:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	configFile := filepath.Join(dir, "config")
	credentialsFile := filepath.Join(dir, "credentials")
	for _, f := range []string{configFile, credentialsFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "create empty AWS config:", err)
			return 1
		}
	}
	os.Setenv("HOME", dir)
	os.Setenv("AWS_CONFIG_FILE", configFile)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentialsFile)
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return m.Run()
}
