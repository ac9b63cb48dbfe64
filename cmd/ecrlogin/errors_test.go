package main

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

const (
	privateHost = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	publicHost  = "public.ecr.aws"
)

// ssoConfig is an SSO profile whose session was never started: no token
// in ~/.aws/sso/cache, as after it expired and was cleaned up.
const ssoConfig = `[profile work]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`

// TestErrorMessages drives each failure a person meets through the fake
// AWS and the exec'd binaries, the front's get (which runs `ecrlogin
// fetch`) and `ecrlogin token` (in process), and checks that both print
// the same one line: the host, the identity source, what went wrong and
// the next step, with exit status 1 and no secret.
func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name  string
		host  string
		env   []string // KEY=value lines over the fake's client environment
		fault func(*fakeaws.Server)
		aws   string // ~/.aws/config
		creds string // ~/.aws/credentials
		want  string // the line after "ecrlogin: HOST: " up to the identity source, a regexp
		hint  string // the next step, after "; ", a regexp
	}{
		{
			name: "no credentials",
			host: privateHost,
			env:  []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="},
			want: `no AWS credentials found \(profile "default"\)`,
			hint: `set AWS_PROFILE, or see README#credentials`,
		},
		{
			name: "expired SSO session",
			host: privateHost,
			env:  []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=work"},
			aws:  ssoConfig,
			want: `SSO session expired \(profile "work"\)`,
			hint: `run: aws sso login --profile work`,
		},
		{
			name:  "access denied, ECR",
			host:  privateHost,
			fault: func(s *fakeaws.Server) { s.SetFault("ecr:GetAuthorizationToken", fakeaws.AccessDenied()) },
			want:  `AccessDeniedException: User is not authorized to perform: ecr:GetAuthorizationToken \(fakeaws\) \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint:  `grant the identity ecr:GetAuthorizationToken in IAM`,
		},
		{
			name: "access denied, ECR Public",
			host: publicHost,
			fault: func(s *fakeaws.Server) {
				s.SetFault("ecr-public:GetAuthorizationToken", fakeaws.Fault{
					Status: http.StatusBadRequest, Code: "AccessDeniedException",
					Message: "User is not authorized to perform: ecr-public:GetAuthorizationToken",
				})
			},
			want: `AccessDeniedException: User is not authorized to perform: ecr-public:GetAuthorizationToken \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint: `grant the identity ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken in IAM`,
		},
		{
			name: "access denied, STS AssumeRole",
			host: privateHost,
			env:  []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=deploy"},
			aws:  "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/Deploy\nsource_profile = base\n",
			creds: "[base]\naws_access_key_id = " + fakeaws.ExampleAccessKeyID +
				"\naws_secret_access_key = " + fakeaws.ExampleSecretAccessKey + "\n",
			fault: func(s *fakeaws.Server) { s.SetFault("AssumeRole", fakeaws.AssumeRoleDenied()) },
			want:  `AccessDenied: AssumeRole arn:aws:iam::111122223333:role/Deploy refused: User is not authorized to perform: sts:AssumeRole \(fakeaws\) \(profile "deploy"\)`,
			hint:  `the calling identity needs sts:AssumeRole on that role, and the role's trust policy must allow that identity`,
		},
		{
			name: "expired session token",
			host: privateHost,
			env:  []string{"AWS_SESSION_TOKEN=FQoGZXIvYXdzEXAMPLESESSIONTOKENxyz"},
			fault: func(s *fakeaws.Server) {
				s.SetFault("GetAuthorizationToken", fakeaws.Fault{
					Status: http.StatusBadRequest, Code: "ExpiredTokenException",
					Message: "The security token included in the request is expired",
				})
			},
			want: `ExpiredTokenException: The security token included in the request is expired \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint: `the temporary credentials expired: get new ones`,
		},
		{
			name:  "throttled",
			host:  privateHost,
			fault: func(s *fakeaws.Server) { s.SetFault("GetAuthorizationToken", fakeaws.Throttling()) },
			want:  `ThrottlingException: Rate exceeded \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint:  `AWS is rate-limiting this account's calls: retry in a minute`,
		},
		{
			name:  "timeout",
			host:  privateHost,
			env:   []string{"ECRLOGIN_TIMEOUT=2s"},
			fault: func(s *fakeaws.Server) { s.SetFault("GetAuthorizationToken", fakeaws.Hang()) },
			want:  `timed out waiting for ECR GetAuthorizationToken at http://127\.0\.0\.1:\d+ \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint:  `raise ECRLOGIN_TIMEOUT, or check the network path to that endpoint`,
		},
		{
			name: "endpoint unreachable",
			host: privateHost,
			// Port 1 on loopback: nothing listens there, so the connection
			// is refused at once.
			env:  []string{"AWS_ENDPOINT_URL_ECR=http://127.0.0.1:1"},
			want: `calling ECR GetAuthorizationToken: .*connection refused \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint: `check the network path to http://127\.0\.0\.1:1 \(DNS, firewall, HTTPS_PROXY and NO_PROXY`,
		},
		{
			name: "clock skew",
			host: privateHost,
			fault: func(s *fakeaws.Server) {
				s.SetFault("GetAuthorizationToken", fakeaws.Fault{
					Status: http.StatusForbidden, Code: "InvalidSignatureException",
					Message: "Signature expired: 20261201T100000Z is now earlier than 20261201T105500Z (20261201T111000Z - 15 min.)",
				})
			},
			want: `InvalidSignatureException: Signature expired: .* \(credentials from AWS_ACCESS_KEY_ID\)`,
			hint: `check this machine's clock`,
		},
	}
	bin := testbin.Dir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := faultEnv(t, bin, tt.fault, tt.aws, tt.creds)
			env = append(env, tt.env...)
			prefix := `^ecrlogin: ` + regexp.QuoteMeta(tt.host) + `: ` + tt.want
			want := regexp.MustCompile(prefix + `; ` + tt.hint)
			wantGet := want // every door gives the same line

			stdout, stderr, code := execIn(t, env, tt.host+"\n", filepath.Join(bin, testbin.Front), "get")
			if code != 1 {
				t.Errorf("get: exit %d, want 1; stderr:\n%s", code, stderr)
			}
			if line := firstLine(stdout); !wantGet.MatchString(line) {
				t.Errorf("get: stdout %q, want %s", line, wantGet)
			}
			if !strings.Contains(stderr, firstLine(stdout)) {
				t.Errorf("get: stderr %q lacks the stdout line %q", stderr, firstLine(stdout))
			}
			noSecret(t, "get", stdout+stderr)

			stdout, stderr, code = execIn(t, env, "", filepath.Join(bin, testbin.Tool), "token", tt.host)
			if code != 1 {
				t.Errorf("token: exit %d, want 1; stderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("token: stdout %q, want nothing", stdout)
			}
			if line := firstLine(stderr); !want.MatchString(line) {
				t.Errorf("token: stderr %q, want %s", line, want)
			}
			noSecret(t, "token", stdout+stderr)
		})
	}
}

// faultEnv starts a fake AWS with fault applied and returns the
// environment of a client of it with its own HOME and cache, and
// awsConfig and awsCredentials, if any, as its ~/.aws/config and
// credentials.
func faultEnv(t *testing.T, bin string, fault func(*fakeaws.Server), awsConfig, awsCredentials string) []string {
	t.Helper()
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	if fault != nil {
		fault(fake)
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"config": awsConfig, "credentials": awsCredentials} {
		if text == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(home, ".aws", name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), fakeaws.ClientEnv(home)...)
	env = append(env, fake.Env(base)...)
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ECRLOGIN_CACHE_DIR="+filepath.Join(dir, "cache"),
		"DOCKER_CONFIG="+filepath.Join(dir, "docker"),
		"ECRLOGIN_TIMEOUT=",
		"ECRLOGIN_LOG=",
		"GORACE=atexit_sleep_ms=0",
	)
}

// execIn runs a binary with env and stdin, and returns what it wrote and
// its exit status.
func execIn(t *testing.T, env []string, stdin, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", name, err)
	}
	return out.String(), errb.String(), code
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// noSecret fails the test if out holds the AWS secret key the fake's
// clients sign with, or the session token the tests use.
func noSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, secret := range []string{fakeaws.ExampleSecretAccessKey, "EXAMPLESESSIONTOKEN"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s: output holds a secret (%.8s…):\n%s", what, secret, out)
		}
	}
}
