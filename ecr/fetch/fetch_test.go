package fetch_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// hermetic points the SDK at an empty HOME and no config files, so nothing
// from this machine's AWS setup leaks in, and returns that HOME.
func hermetic(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	setenv(t, fakeaws.ClientEnv(home))
	return home
}

// withFake starts a fake AWS and points the SDK at it with static keys.
func withFake(t *testing.T) *fakeaws.Server {
	t.Helper()
	hermetic(t)
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	setenv(t, fake.Env(base))
	return fake
}

func setenv(t *testing.T, env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func fetchFor(t *testing.T, host string, timeout time.Duration) (ecr.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	f := &fetch.Fetcher{}
	return f.Fetch(ctx, ecr.FetchRequest{ServerURL: host})
}

// TestEndpoint asserts the API endpoint the SDK resolves for each kind of
// registry host: the region and partition come from the host, FIPS hosts
// talk to the FIPS endpoint and dual-stack hosts to the dual-stack one
// (the incumbent helper calls the plain endpoint for both).
func TestEndpoint(t *testing.T) {
	hermetic(t)
	t.Setenv("AWS_REGION", "eu-west-3") // must be ignored: the host names the region
	tests := []struct{ host, want string }{
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "https://api.ecr.us-east-1.amazonaws.com"},
		{"111122223333.dkr.ecr-fips.us-east-1.amazonaws.com", "https://api.ecr-fips.us-east-1.amazonaws.com"},
		{"111122223333.dkr-ecr.us-east-1.on.aws", "https://ecr.us-east-1.api.aws"},
		{"111122223333.dkr-ecr-fips.us-east-1.on.aws", "https://ecr-fips.us-east-1.api.aws"},
		{"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn", "https://api.ecr.cn-north-1.amazonaws.com.cn"},
		{"111122223333.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", "https://ecr.cn-north-1.api.amazonwebservices.com.cn"},
		{"111122223333.dkr.ecr.us-gov-west-1.amazonaws.com", "https://api.ecr.us-gov-west-1.amazonaws.com"},
		{"111122223333.dkr-ecr-fips.us-gov-west-1.on.aws", "https://ecr-fips.us-gov-west-1.api.aws"},
		{"111122223333.dkr.ecr.us-iso-east-1.c2s.ic.gov", "https://api.ecr.us-iso-east-1.c2s.ic.gov"},
		{"111122223333.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "https://api.ecr.us-isob-east-1.sc2s.sgov.gov"},
		{"111122223333.dkr.ecr.eusc-de-east-1.amazonaws.eu", "https://api.ecr.eusc-de-east-1.amazonaws.eu"},
		{"public.ecr.aws", "https://api.ecr-public.us-east-1.amazonaws.com"},
		{"ecr-public.aws.com", "https://ecr-public.us-east-1.api.aws"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			reg, err := ecr.ParseHost(tt.host)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := fetch.LoadConfig(context.Background(), reg, ecr.Selection{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := fetch.Endpoint(context.Background(), reg, cfg)
			if err != nil || got != tt.want {
				t.Errorf("Endpoint(%s) = %q, %v; want %q", tt.host, got, err, tt.want)
			}
		})
	}

	// AWS_ENDPOINT_URL_ECR overrides even a FIPS host: private endpoints,
	// proxies and tests keep working.
	t.Setenv("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:9")
	reg, _ := ecr.ParseHost("111122223333.dkr.ecr-fips.us-east-1.amazonaws.com")
	cfg, _ := fetch.LoadConfig(context.Background(), reg, ecr.Selection{})
	if got, _ := fetch.Endpoint(context.Background(), reg, cfg); got != "http://127.0.0.1:9" {
		t.Errorf("with AWS_ENDPOINT_URL_ECR set, Endpoint = %q", got)
	}
}

func TestFetchPrivateAndPublic(t *testing.T) {
	fake := withFake(t)
	tests := []struct {
		host, service, region string
	}{
		{"111122223333.dkr.ecr.eu-central-1.amazonaws.com", fakeaws.ServiceECR, "eu-central-1"},
		{"111122223333.dkr.ecr-fips.us-west-2.amazonaws.com", fakeaws.ServiceECR, "us-west-2"},
		{"public.ecr.aws", fakeaws.ServiceECRPublic, "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			fake.Reset()
			before := time.Now()
			tok, err := fetchFor(t, tt.host, 30*time.Second)
			if err != nil {
				t.Fatalf("Fetch(%s): %v", tt.host, err)
			}
			if tok.Username != "AWS" || !fake.ValidPassword(tok.Username, tok.Secret) {
				t.Errorf("Fetch(%s) = user %q and a password the fake did not issue", tt.host, tok.Username)
			}
			if d := tok.ExpiresAt.Sub(before); d < 11*time.Hour || d > 13*time.Hour {
				t.Errorf("token expires in %v, want about 12h", d)
			}
			calls := fake.Calls()
			if len(calls) != 1 || calls[0].Service != tt.service || calls[0].Region != tt.region || calls[0].AccessKeyID != fakeaws.ExampleAccessKeyID {
				t.Fatalf("calls = %+v, want one %s call signed for %s with the env key", calls, tt.service, tt.region)
			}
			if len(calls[0].RegistryIDs) != 0 {
				t.Errorf("GetAuthorizationToken sent registryIds %v; want none (one token serves every account)", calls[0].RegistryIDs)
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	tests := []struct {
		name     string
		fault    fakeaws.Fault
		want     string
		sentinel error // nil: none of the ecr sentinels
	}{
		{"access denied", fakeaws.AccessDenied(), host + ": AccessDeniedException: User is not authorized to perform: ecr:GetAuthorizationToken (fakeaws) (credentials from AWS_ACCESS_KEY_ID); grant the identity ecr:GetAuthorizationToken in IAM", ecr.ErrAccessDenied},
		{"server error", fakeaws.ServerError(), host + ": ServerException: fakeaws: injected server error (credentials from AWS_ACCESS_KEY_ID)", nil},
		{"throttled throughout", fakeaws.Throttling(), host + ": ThrottlingException: Rate exceeded (credentials from AWS_ACCESS_KEY_ID); AWS is rate-limiting this account's calls: retry in a minute, and keep the cache on (each machine then asks once per token)", ecr.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := withFake(t)
			fake.SetFault("GetAuthorizationToken", tt.fault)
			_, err := fetchFor(t, host, 30*time.Second)
			var e *ecr.Error
			if !errors.As(err, &e) || err.Error() != tt.want {
				t.Errorf("Fetch error = %v, want %q", err, tt.want)
			}
			// In process the AWS cause is kept for errors.As, and the
			// code's sentinel matches.
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.fault.Code {
				t.Errorf("errors.As(%v, smithy.APIError) = %v; want the AWS error %s", err, apiErr, tt.fault.Code)
			}
			for _, sentinel := range []error{ecr.ErrAccessDenied, ecr.ErrThrottled, ecr.ErrNoCredentials, ecr.ErrTimeout} {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.sentinel) {
					t.Errorf("errors.Is(%v, %v) = %t", err, sentinel, got)
				}
			}
		})
	}

	t.Run("throttled once", func(t *testing.T) {
		fake := withFake(t)
		f := fakeaws.Throttling()
		f.Times = 1
		fake.SetFault("GetAuthorizationToken", f)
		if _, err := fetchFor(t, host, 30*time.Second); err != nil {
			t.Errorf("Fetch after one throttle: %v; want the SDK's retry to succeed", err)
		}
		if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != 2 {
			t.Errorf("calls = %d, want 2 (one throttled, one retried)", got)
		}
	})

	t.Run("never answers", func(t *testing.T) {
		fake := withFake(t)
		fake.SetFault("GetAuthorizationToken", fakeaws.Hang())
		_, err := fetchFor(t, host, time.Second)
		if !errors.Is(err, ecr.ErrTimeout) || !strings.Contains(err.Error(), "timed out waiting for ECR GetAuthorizationToken at http://127.0.0.1:") {
			t.Errorf("Fetch from a hung server = %v, want a timeout naming the endpoint", err)
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		withFake(t)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		t.Setenv("AWS_ENDPOINT_URL_ECR", "http://"+addr)
		_, err = fetchFor(t, host, 30*time.Second)
		if err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Fetch from a closed port = %v, want one line saying connection refused", err)
		}
	})
}

func TestFetchCredentialErrors(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

	t.Run("no credentials", func(t *testing.T) {
		withFake(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		_, err := fetchFor(t, host, 30*time.Second)
		if !errors.Is(err, ecr.ErrNoCredentials) {
			t.Errorf("Fetch with no credentials = %v, want ErrNoCredentials", err)
		}
	})

	t.Run("SSO session expired", func(t *testing.T) {
		withFake(t)
		home := os.Getenv("HOME")
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_PROFILE", "prod")
		writeFile(t, filepath.Join(home, ".aws", "config"), `[profile prod]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Deploy
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`)
		_, err := fetchFor(t, host, 30*time.Second)
		want := host + `: SSO session expired (profile "prod"); run: aws sso login --profile prod`
		if err == nil || err.Error() != want {
			t.Errorf("Fetch with no SSO session = %v, want %q", err, want)
		}
	})

	t.Run("SSO failures", testSSOFailures)

	t.Run("assume role denied", func(t *testing.T) {
		fake := withFake(t)
		home := os.Getenv("HOME")
		// Environment keys would win over AWS_PROFILE (as in the SDK), so
		// the source profile holds the keys.
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_PROFILE", "deploy")
		writeFile(t, filepath.Join(home, ".aws", "config"), `[profile deploy]
role_arn = arn:aws:iam::111122223333:role/deploy
source_profile = base
`)
		writeFile(t, filepath.Join(home, ".aws", "credentials"), "[base]\naws_access_key_id = "+fakeaws.ExampleAccessKeyID+"\naws_secret_access_key = "+fakeaws.ExampleSecretAccessKey+"\n")
		fake.SetFault("AssumeRole", fakeaws.AssumeRoleDenied())
		_, err := fetchFor(t, host, 30*time.Second)
		// The line names the role (a profile's own, known only from the
		// call) and what to fix.
		want := `AccessDenied: AssumeRole arn:aws:iam::111122223333:role/deploy refused: User is not authorized to perform: sts:AssumeRole (fakeaws) (profile "deploy"); the calling identity needs sts:AssumeRole on that role, and the role's trust policy must allow that identity`
		if !errors.Is(err, ecr.ErrAccessDenied) || !strings.Contains(err.Error(), want) {
			t.Errorf("Fetch with a denied role = %v, want ErrAccessDenied containing %q", err, want)
		}
		if fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") != 0 {
			t.Errorf("ECR was called although the role could not be assumed")
		}
	})

	// Off EC2 the instance metadata service does not answer. The SDK's
	// default IMDS client retries for seconds; ours gives up fast. The
	// bound is loose (our budget is 1 s; the SDK default took 4 s here) and far below the
	// 30 s overall deadline the test allows.
	t.Run("IMDS black hole", func(t *testing.T) {
		withFake(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() { // accept and never answer, like a filtered 169.254.169.254
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		t.Setenv("AWS_EC2_METADATA_DISABLED", "")
		t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://"+l.Addr().String())
		start := time.Now()
		_, err = fetchFor(t, host, 30*time.Second)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("with an IMDS that never answers, Fetch took %v", took)
		}
		if !errors.Is(err, ecr.ErrNoCredentials) {
			t.Errorf("Fetch with only a dead IMDS = %v, want ErrNoCredentials", err)
		}
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// testSSOFailures drives the SDK's SSO provider against the fake SSO
// portal with a logged-in session on disk. Only a session the portal
// refuses sends the user to `aws sso login`; a portal that fails or cannot
// be reached is reported as what it is, with the host, because logging in
// again would not fix it.
func testSSOFailures(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	const login = "aws sso login"
	tests := []struct {
		name      string
		fault     *fakeaws.Fault
		closed    bool // point the SSO endpoint at a closed port
		want      []string
		wantLogin bool
		sentinel  error
	}{
		{name: "logged in", want: nil},
		{name: "session revoked", fault: &fakeaws.Fault{Status: 401, Code: "UnauthorizedException", Message: "Session token not found or invalid"},
			want: []string{"SSO session expired or revoked", `(profile "prod")`}, wantLogin: true, sentinel: ecr.ErrSSOSessionExpired},
		{name: "portal fails", fault: &fakeaws.Fault{Status: 500, Code: "InternalServerException", Message: "portal down (fakeaws)"},
			want: []string{"InternalServerException: AWS SSO at 127.0.0.1:", "portal down (fakeaws)"}},
		{name: "portal unreachable", closed: true,
			want: []string{"reaching AWS SSO at 127.0.0.1:1: ", "connection refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := withFake(t)
			home := os.Getenv("HOME")
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			t.Setenv("AWS_PROFILE", "prod")
			writeSSOSession(t, home, "corp", "sso-access-token", time.Now().Add(time.Hour))
			fake.SSOTokens = map[string]bool{"sso-access-token": true}
			if tt.fault != nil {
				fake.SetFault("GetRoleCredentials", *tt.fault)
			}
			if tt.closed {
				t.Setenv("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:1")
			}
			_, err := fetchFor(t, host, 30*time.Second)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Fetch with a live SSO session = %v", err)
				}
				calls := fake.Calls()
				last := calls[len(calls)-1]
				if last.Service != fakeaws.ServiceECR || !last.Verified || !strings.HasPrefix(last.AccessKeyID, "ASIA") {
					t.Errorf("ECR call = %+v; want one signed with the SSO role's credentials", last)
				}
				return
			}
			if err == nil {
				t.Fatal("Fetch succeeded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Fetch = %q; want it to contain %q", err, w)
				}
			}
			if got := strings.Contains(err.Error(), login); got != tt.wantLogin {
				t.Errorf("Fetch = %q; mentions %q = %t, want %t", err, login, got, tt.wantLogin)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if strings.Contains(err.Error(), "sso-access-token") {
				t.Errorf("the error leaks the SSO access token: %q", err)
			}
		})
	}
}

// writeSSOSession writes the profile "prod" for an SSO session named
// session and the token `aws sso login` would have cached for it.
func writeSSOSession(t *testing.T, home, session, token string, expires time.Time) {
	t.Helper()
	writeFile(t, filepath.Join(home, ".aws", "config"), `[profile prod]
sso_session = `+session+`
sso_account_id = 111122223333
sso_role_name = Deploy
[sso-session `+session+`]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`)
	sum := sha1.Sum([]byte(session))
	writeFile(t, filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"),
		`{"accessToken":"`+token+`","expiresAt":"`+expires.UTC().Format(time.RFC3339)+`","region":"us-east-1","startUrl":"https://corp.awsapps.com/start"}`)
}

// TestSDKFilesAreTheFingerprintsFiles: with HOME unset, the SDK finds
// ~/.aws/config and ~/.aws/credentials under the account database's home;
// package homedir must name the same directory, since the identity
// fingerprint hashes the files found through it.
func TestSDKFilesAreTheFingerprintsFiles(t *testing.T) {
	for _, home := range []string{t.TempDir(), ""} {
		t.Setenv("HOME", home)
		t.Setenv("USERPROFILE", home)
		if got, want := config.DefaultSharedConfigFilename(), filepath.Join(homedir.Dir(), ".aws", "config"); got != want {
			t.Errorf("HOME=%q: the SDK reads %s, the fingerprint %s", home, got, want)
		}
		if got, want := config.DefaultSharedCredentialsFilename(), filepath.Join(homedir.Dir(), ".aws", "credentials"); got != want {
			t.Errorf("HOME=%q: the SDK reads %s, the fingerprint %s", home, got, want)
		}
	}
}
