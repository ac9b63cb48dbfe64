package fakeaws_test

import (
	"context"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

const (
	baseKeyID  = "AKIDFAKEAWSBASE00001"
	baseSecret = "fakeaws/base/secret/0000000000000000000"
	deployRole = "arn:aws:iam::444455556666:role/ci/deploy"
)

// TestAssumeRoleProfile drives the SDK's own assume-role chain: a profile
// with role_arn and source_profile in a temp AWS_CONFIG_FILE. The ECR call
// that follows must be signed with the ASIA key the fake's STS issued.
func TestAssumeRoleProfile(t *testing.T) {
	s, _ := startFake(t, func(s *fakeaws.Server) {
		s.Keys[baseKeyID] = baseSecret
	})
	t.Setenv("AWS_CONFIG_FILE", writeFile(t, "config", `
[profile ci]
role_arn = `+deployRole+`
source_profile = base
role_session_name = fakeaws-test
region = eu-central-1

[profile base]
region = eu-central-1
`))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", writeFile(t, "credentials", `
[base]
aws_access_key_id = `+baseKeyID+`
aws_secret_access_key = `+baseSecret+`
`))
	t.Setenv("AWS_PROFILE", "ci")
	ctx := context.Background()
	cfg := loadConfig(t)

	if _, err := awsecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{}); err != nil {
		t.Fatalf("GetAuthorizationToken as assumed role: %v", err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatalf("Retrieve credentials: %v", err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SessionToken == "" {
		t.Fatalf("SDK credentials = %s with token %t, want an ASIA key with a session token", creds.AccessKeyID, creds.SessionToken != "")
	}

	calls := s.Calls()
	want := []fakeaws.Call{
		{
			Service: "sts", Action: "AssumeRole", Region: "eu-central-1", SigningService: "sts",
			AccessKeyID: baseKeyID, Verified: true, RoleARN: deployRole, RoleSessionName: "fakeaws-test",
			Status: 200,
		},
		{
			Service: "ecr", Action: "GetAuthorizationToken", Region: "eu-central-1", SigningService: "ecr",
			AccessKeyID: creds.AccessKeyID, Verified: true, RoleARN: deployRole, Status: 200,
		},
	}
	checkCalls(t, calls, want)

	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:sts::444455556666:assumed-role/deploy/fakeaws-test"; got != want {
		t.Errorf("GetCallerIdentity Arn = %q, want %q", got, want)
	}
	if got := aws.ToString(id.Account); got != "444455556666" {
		t.Errorf("GetCallerIdentity Account = %q, want 444455556666", got)
	}
	if got := aws.ToString(id.UserId); !strings.HasPrefix(got, "AROA") || !strings.HasSuffix(got, ":fakeaws-test") {
		t.Errorf("GetCallerIdentity UserId = %q, want AROA…:fakeaws-test", got)
	}
}

// TestAssumeRoleWithWebIdentity drives the SDK's web identity chain, which
// calls STS unsigned.
func TestAssumeRoleWithWebIdentity(t *testing.T) {
	s, _ := startFake(t, nil)
	const jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJmYWtlYXdzIn0."
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeFile(t, "token", jwt))
	t.Setenv("AWS_ROLE_ARN", deployRole)
	t.Setenv("AWS_ROLE_SESSION_NAME", "web-session")
	t.Setenv("AWS_REGION", testRegion)
	ctx := context.Background()
	cfg := loadConfig(t)

	if _, err := awsecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{}); err != nil {
		t.Fatalf("GetAuthorizationToken with web identity: %v", err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	calls := s.Calls()
	want := []fakeaws.Call{
		{Service: "sts", Action: "AssumeRoleWithWebIdentity", RoleARN: deployRole, RoleSessionName: "web-session", WebIdentityToken: jwt, Status: 200},
		{
			Service: "ecr", Action: "GetAuthorizationToken", Region: testRegion, SigningService: "ecr",
			AccessKeyID: creds.AccessKeyID, Verified: true, RoleARN: deployRole, Status: 200,
		},
	}
	checkCalls(t, calls, want)
}

func TestAssumeRoleIssuesUniqueKeys(t *testing.T) {
	s, _ := startFake(t, func(s *fakeaws.Server) { s.Now = func() time.Time { return start } })
	useStaticKeys(t)
	client := sts.NewFromConfig(loadConfig(t))
	seen := map[string]bool{}
	for i := range 3 {
		out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String(deployRole), RoleSessionName: aws.String("unique"), DurationSeconds: aws.Int32(900),
		})
		if err != nil {
			t.Fatalf("AssumeRole %d: %v", i, err)
		}
		c := out.Credentials
		key := aws.ToString(c.AccessKeyId)
		if !strings.HasPrefix(key, "ASIA") || len(key) != 20 {
			t.Errorf("AccessKeyId = %q, want ASIA and 16 more characters", key)
		}
		if seen[key] {
			t.Errorf("AccessKeyId %q issued twice", key)
		}
		seen[key] = true
		if aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
			t.Errorf("credentials lack a secret or session token: %+v", c)
		}
		if got, want := aws.ToTime(c.Expiration), start.Add(15*time.Minute); !got.Equal(want) {
			t.Errorf("Expiration = %v, want %v", got, want)
		}
		if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::444455556666:assumed-role/deploy/unique"; got != want {
			t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
		}
	}
	if n := s.Count("sts", "AssumeRole"); n != 3 {
		t.Errorf("Count(sts, AssumeRole) = %d, want 3", n)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	tests := []struct {
		name  string
		input sts.AssumeRoleInput
	}{
		{"not an arn", sts.AssumeRoleInput{RoleArn: aws.String("deploy"), RoleSessionName: aws.String("s")}},
		{"user arn", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:user/deploy"), RoleSessionName: aws.String("s")}},
		{"short duration", sts.AssumeRoleInput{RoleArn: aws.String(deployRole), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(899)}},
		{"long duration", sts.AssumeRoleInput{RoleArn: aws.String(deployRole), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(43201)}},
	}
	startFake(t, nil)
	useStaticKeys(t)
	client := sts.NewFromConfig(loadConfig(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.AssumeRole(context.Background(), &tt.input)
			if code, status := apiErrorCode(t, err); code != "ValidationError" || status != 400 {
				t.Errorf("AssumeRole error = %s (%d), want ValidationError (400)", code, status)
			}
		})
	}
}

// TestIssuedCredentialsChecked: keys the fake's STS issued are known to it,
// so a wrong session token or an expired session is refused, as AWS does.
func TestIssuedCredentialsChecked(t *testing.T) {
	c := testclock.New(start)
	startFake(t, func(s *fakeaws.Server) { s.Now = c.Now })
	useStaticKeys(t)
	ctx := context.Background()
	cfg := loadConfig(t)
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(deployRole), RoleSessionName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	issuedCreds := *out.Credentials

	tests := []struct {
		name     string
		advance  time.Duration
		secret   string
		token    string
		wantCode string
	}{
		{"valid", 0, aws.ToString(issuedCreds.SecretAccessKey), aws.ToString(issuedCreds.SessionToken), ""},
		{"wrong secret", 0, "not-the-secret", aws.ToString(issuedCreds.SessionToken), "InvalidSignatureException"},
		{"wrong token", 0, aws.ToString(issuedCreds.SecretAccessKey), "forged", "UnrecognizedClientException"},
		{"no token", 0, aws.ToString(issuedCreds.SecretAccessKey), "", "UnrecognizedClientException"},
		{"expired", time.Hour, aws.ToString(issuedCreds.SecretAccessKey), aws.ToString(issuedCreds.SessionToken), "ExpiredTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Advance(tt.advance)
			defer c.Advance(-tt.advance)
			client := awsecr.NewFromConfig(cfg, func(o *awsecr.Options) {
				o.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(issuedCreds.AccessKeyId), tt.secret, tt.token)
			})
			_, err := client.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("GetAuthorizationToken: %v", err)
				}
				return
			}
			if code, _ := apiErrorCode(t, err); code != tt.wantCode {
				t.Errorf("GetAuthorizationToken error code = %q, want %q", code, tt.wantCode)
			}
		})
	}
}

// TestSTSAnswersAreNamespaced checks the raw XML, which the SDK would parse
// even without the namespace real STS sends.
func TestSTSAnswersAreNamespaced(t *testing.T) {
	_, baseURL := startFake(t, nil)
	tests := []struct {
		name string
		form string
		auth string
		want string
	}{
		{"result", "Action=GetCallerIdentity&Version=2011-06-15", unverifiedAuth("sts"), "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"},
		{"error", "Action=GetCallerIdentity&Version=2011-06-15", "", "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, baseURL, strings.NewReader(tt.form))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tt.want) {
				t.Errorf("STS answered %s, want it to contain %s", body, tt.want)
			}
		})
	}
}

// unverifiedAuth is a well-formed Authorization header for a key the fake
// does not know, which it accepts without checking the signature.
func unverifiedAuth(service string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN000000001/20300304/us-east-1/" + service +
		"/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
}
