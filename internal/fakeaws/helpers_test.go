package fakeaws_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// Static test identity; the secret is registered with the fake so that
// requests signed with it are verified, not just accepted.
const (
	testKeyID  = "AKIDFAKEAWSTEST00001"
	testSecret = "fakeaws/test/secret/0000000000000000000"
	testRegion = "eu-west-1"
)

// startFake starts s on a loopback port, points the SDK at it through the
// environment and stops it when the test ends. configure, if not nil, sets
// s's fields before it serves.
func startFake(t *testing.T, configure func(*fakeaws.Server)) (*fakeaws.Server, string) {
	t.Helper()
	s := fakeaws.New()
	s.Keys = map[string]string{testKeyID: testSecret}
	if configure != nil {
		configure(s)
	}
	baseURL, stop, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	for _, kv := range s.Env(baseURL) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("Env line %q has no '='", kv)
		}
		t.Setenv(k, v)
	}
	return s, baseURL
}

// useStaticKeys gives the SDK the static test identity through the
// environment.
func useStaticKeys(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", testKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_REGION", testRegion)
}

// loadConfig loads the SDK configuration the way the product does, from
// the environment and shared files, with a retryer that keeps the standard
// retry rules but does not sleep between attempts.
func loadConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				o.RateLimiter = ratelimit.None
			})
		}))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	return cfg
}

// writeFile writes content to name in a fresh temp dir and returns the path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeToken splits an authorizationToken into user and password.
func decodeToken(t *testing.T, token string) (user, password string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("authorizationToken is not base64: %v", err)
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		t.Fatalf("authorizationToken %q is not user:password", raw)
	}
	return user, password
}

// apiErrorCode returns the AWS error code and HTTP status the SDK reports
// for err, or fails the test when err is not an API error.
func apiErrorCode(t *testing.T, err error) (code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return apiErr.ErrorCode(), status
}

// waitFor polls until cond holds. It has no deadline of its own: the test
// binary's -timeout ends a test that never gets there, with a stack dump.
func waitFor(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}
