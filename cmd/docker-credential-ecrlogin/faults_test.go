package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestNetworkFaults runs `get` as docker does, a real front process and
// its `ecrlogin fetch`, against an ECR that misbehaves in each way a
// network or a service can, and checks the promised outcome: a token when
// retrying can get one, otherwise exit 1 with one line that says what
// went wrong, never a hang past ECRLOGIN_TIMEOUT, never a stack trace.
func TestNetworkFaults(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	// reply is an ECR answer with a well-formed token expiring at exp.
	reply := func(exp time.Time) string {
		tok := base64.StdEncoding.EncodeToString([]byte("AWS:fault-test-password"))
		return fmt.Sprintf(`{"authorizationData":[{"authorizationToken":%q,"expiresAt":%d,"proxyEndpoint":"https://%s"}]}`, tok, exp.Unix(), host)
	}
	closedPort := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}
	tests := []struct {
		name     string
		fault    fakeaws.Fault
		env      func(t *testing.T) []string // extra environment
		timeout  time.Duration               // ECRLOGIN_TIMEOUT
		ok       bool                        // a token is served
		want     string                      // in the error line, when !ok
		maxCalls int                         // GetAuthorizationToken calls at most
		check    func(t *testing.T, cacheDir string)
	}{
		{name: "connection refused", env: func(t *testing.T) []string { return []string{"AWS_ENDPOINT_URL_ECR=" + closedPort(t)} },
			timeout: 20 * time.Second, want: "connection refused"},
		{name: "never answers", fault: fakeaws.Hang(), timeout: 2 * time.Second,
			want: "timed out waiting for ECR GetAuthorizationToken", maxCalls: 1},
		{name: "answers slowly", fault: fakeaws.Fault{Delay: time.Second}, timeout: 20 * time.Second, ok: true, maxCalls: 1},
		{name: "500s then success", fault: fakeaws.Fault{Status: 500, Code: "ServerException", Times: 2}, timeout: 20 * time.Second, ok: true, maxCalls: 3},
		{name: "throttling storm", fault: fakeaws.Throttling(), timeout: 10 * time.Second,
			want: "ThrottlingException: Rate exceeded", maxCalls: 5},
		{name: "malformed JSON", fault: fakeaws.Fault{Body: "{not json at all"}, timeout: 20 * time.Second,
			want: host + ":", maxCalls: 3},
		{name: "truncated JSON", fault: fakeaws.Fault{Body: reply(time.Now().Add(12 * time.Hour))[:60]}, timeout: 20 * time.Second,
			want: host + ":", maxCalls: 3},
		{name: "expiresAt in the past", fault: fakeaws.Fault{Body: reply(time.Now().Add(-time.Hour))}, timeout: 20 * time.Second,
			want: "too soon to use; check the system clock", maxCalls: 1},
		// The AWS SDK reads expiresAt into int64 nanoseconds, so a time past
		// 2262 wraps around to one in the past: refused as too soon, which
		// is safe, but not clamped.
		{name: "expiresAt past 2262", fault: fakeaws.Fault{Body: reply(time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC))}, timeout: 20 * time.Second,
			want: "too soon to use; check the system clock", maxCalls: 1},
		{name: "expiresAt absurdly far ahead", fault: fakeaws.Fault{Body: reply(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC))},
			timeout: 20 * time.Second, ok: true, maxCalls: 1,
			check: func(t *testing.T, cacheDir string) {
				// Clamped: the cached entry expires within 12 hours of now.
				limit := time.Now().Add(12*time.Hour + time.Minute).UnixMilli()
				files, _ := filepath.Glob(filepath.Join(cacheDir, "*.json"))
				if len(files) != 1 {
					t.Fatalf("cache holds %v, want one entry", files)
				}
				var e struct {
					Expires int64 `json:"expires_ms"`
				}
				data, _ := os.ReadFile(files[0])
				if err := json.Unmarshal(data, &e); err != nil || e.Expires > limit || e.Expires < time.Now().UnixMilli() {
					t.Errorf("cached expiry = %v (%v), want clamped to at most 12h from now", time.UnixMilli(e.Expires), err)
				}
			}},
		{name: "clock skew", fault: fakeaws.Fault{Status: http.StatusBadRequest, Code: "InvalidSignatureException",
			Message: "Signature expired: 20260101T000000Z is now earlier than 20261201T000000Z"}, timeout: 20 * time.Second,
			want: "InvalidSignatureException: Signature expired", maxCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, env := startFake(t)
			if tt.fault != (fakeaws.Fault{}) {
				fake.SetFault("GetAuthorizationToken", tt.fault)
			}
			if tt.env != nil {
				env = append(env, tt.env(t)...)
			}
			env = append(env, "ECRLOGIN_TIMEOUT="+tt.timeout.String())
			cmd := exec.Command(testbin.Path(t, testbin.Front), "get")
			cmd.Env = env
			cmd.Stdin = strings.NewReader(host)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			out, err := cmd.Output()
			took := time.Since(start)

			var exit *exec.ExitError
			switch {
			case tt.ok && err != nil:
				t.Errorf("get = %v, %q; want a token", err, out)
			case tt.ok && !bytes.Contains(out, []byte(`"Secret":"`)):
				t.Errorf("get answered %q, want a token", out)
			case !tt.ok && (!errors.As(err, &exit) || exit.ExitCode() != 1):
				t.Errorf("get = %v, %q; want exit 1", err, out)
			case !tt.ok && (!strings.HasPrefix(string(out), "ecrlogin: ") || !strings.Contains(string(out), tt.want) ||
				strings.Count(string(out), "\n") != 1):
				t.Errorf("get printed %q; want one line containing %q", out, tt.want)
			}
			// Generous: the deadline plus process start-up on a busy machine.
			if took > tt.timeout+5*time.Second {
				t.Errorf("get took %v, past ECRLOGIN_TIMEOUT=%v", took, tt.timeout)
			}
			if s := stderr.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
				t.Errorf("stderr has a stack trace: %s", s)
			}
			if tt.maxCalls > 0 {
				if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n < 1 || n > tt.maxCalls {
					t.Errorf("GetAuthorizationToken calls = %d, want 1 to %d", n, tt.maxCalls)
				}
			}
			if tt.check != nil {
				tt.check(t, envValue(env, "ECRLOGIN_CACHE_DIR"))
			}
		})
	}
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
