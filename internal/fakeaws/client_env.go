package fakeaws

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The static credentials ClientEnv gives, from the AWS documentation's
// examples: recognisable in any log, and valid nowhere.
const (
	ExampleAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	ExampleSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// ClientEnv returns the environment, as KEY=value lines, of an AWS client
// that knows nothing of the machine it runs on: HOME and the AWS config
// files under home (which need not exist), static example keys, and every
// other variable that could pick another identity, region or endpoint set
// to empty. Add s.Env(baseURL) to point it at a Server; override single
// lines by appending (later lines win with os/exec and t.Setenv alike).
func ClientEnv(home string) []string {
	return []string{
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ACCESS_KEY_ID=" + ExampleAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + ExampleSecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_DEFAULT_PROFILE=",
		"AWS_REGION=",
		"AWS_DEFAULT_REGION=",
		"AWS_ROLE_ARN=",
		"AWS_WEB_IDENTITY_TOKEN_FILE=",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=",
		"AWS_ENDPOINT_URL=",
		"AWS_ENDPOINT_URL_ECR=",
		"AWS_ENDPOINT_URL_ECR_PUBLIC=",
		"AWS_ENDPOINT_URL_STS=",
		"AWS_ENDPOINT_URL_SSO=",
		"AWS_ENDPOINT_URL_SSO_OIDC=",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=",
	}
}

// RunHermetic runs a test binary's tests (pass m.Run from TestMain) with
// the process environment set to ClientEnv over a fresh temporary HOME, so
// no test of the package can read this machine's AWS setup or reach the
// instance metadata service, even one that forgets to ask. It returns the
// exit code for os.Exit. Moving HOME also moves the go command's default
// build cache: a package whose tests build binaries (internal/testbin)
// should pin GOCACHE first, or every run builds from scratch.
func RunHermetic(run func() int) int {
	home, err := os.MkdirTemp("", "ecrlogin-test-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err)
		return 1
	}
	defer os.RemoveAll(home)
	for _, kv := range ClientEnv(home) {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	return run()
}
