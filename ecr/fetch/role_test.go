package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

const (
	roleHost = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
	pullRole = "arn:aws:iam::444455556666:role/ecr-pull"
)

// TestAssumeMappedRole: a Selection with RoleARN assumes it with the
// profile's or the default chain's keys, in the registry's region, with
// the external id and session name it gives (or ecrlogin-USER), and signs
// the ECR call with the assumed key: one AssumeRole, one ECR call.
func TestAssumeMappedRole(t *testing.T) {
	tests := []struct {
		name        string
		sel         ecr.Selection
		wantSigner  string // the key that signs AssumeRole
		wantSession string
	}{
		{"default chain", ecr.Selection{RoleARN: pullRole, ExternalID: "example-id", RoleSessionName: "ci-puller"}, fakeaws.ExampleAccessKeyID, "ci-puller"},
		{"default session name", ecr.Selection{RoleARN: pullRole}, fakeaws.ExampleAccessKeyID, fetch.DefaultSessionName()},
		{"profile", ecr.Selection{Profile: "dev", RoleARN: pullRole, RoleSessionName: "dev-puller"}, "AKIDDEVEXAMPLE", "dev-puller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := withFake(t)
			writeFile(t, filepath.Join(os.Getenv("HOME"), ".aws", "credentials"), "[dev]\naws_access_key_id = AKIDDEVEXAMPLE\naws_secret_access_key = devsecret\n")
			f := &fetch.Fetcher{}
			tok, err := f.Fetch(t.Context(), ecr.FetchRequest{ServerURL: roleHost, Selection: tt.sel, Deadline: time.Now().Add(30 * time.Second)})
			if err != nil {
				t.Fatalf("Fetch(%+v) = %v", tt.sel, err)
			}
			if tok.Secret == "" {
				t.Fatalf("Fetch(%+v) gave an empty token", tt.sel)
			}
			calls := fake.Calls()
			if len(calls) != 2 || calls[0].Action != "AssumeRole" || calls[1].Action != "GetAuthorizationToken" {
				t.Fatalf("calls = %+v, want AssumeRole then GetAuthorizationToken", calls)
			}
			ar, get := calls[0], calls[1]
			if ar.RoleARN != pullRole || ar.AccessKeyID != tt.wantSigner || ar.Region != "eu-west-1" || ar.ExternalID != tt.sel.ExternalID || ar.RoleSessionName != tt.wantSession {
				t.Errorf("AssumeRole = role %s, signed by %s in %s, external id %q, session %q; want %s, %s, eu-west-1, %q, %q",
					ar.RoleARN, ar.AccessKeyID, ar.Region, ar.ExternalID, ar.RoleSessionName, pullRole, tt.wantSigner, tt.sel.ExternalID, tt.wantSession)
			}
			if !strings.HasPrefix(get.AccessKeyID, "ASIA") || !get.Verified || get.RoleARN != pullRole {
				t.Errorf("GetAuthorizationToken signed by %s (verified %t, role %q), want the assumed role's ASIA key", get.AccessKeyID, get.Verified, get.RoleARN)
			}
		})
	}
}

// TestAssumeMappedRoleDenied: the line names the mapped role and says
// which permission or trust is missing, and ECR is not called.
func TestAssumeMappedRoleDenied(t *testing.T) {
	fake := withFake(t)
	fake.SetFault("AssumeRole", fakeaws.AssumeRoleDenied())
	sel := ecr.Selection{RoleARN: pullRole}
	_, err := (&fetch.Fetcher{}).Fetch(t.Context(), ecr.FetchRequest{ServerURL: roleHost, Selection: sel})
	want := roleHost + ": AccessDenied: AssumeRole " + pullRole + " refused: User is not authorized to perform: sts:AssumeRole (fakeaws) (role " + pullRole + " via credentials from AWS_ACCESS_KEY_ID); the calling identity needs sts:AssumeRole on that role, and the role's trust policy must allow that identity"
	if !errors.Is(err, ecr.ErrAccessDenied) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Fetch with the role denied = %v\nwant ErrAccessDenied starting %q", err, want)
	}
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 0 {
		t.Errorf("%d ECR calls although the role could not be assumed, want 0", n)
	}
}

// TestMFAWithoutTerminal: a role that needs an MFA code, asked for by
// the mapping or by the profile's own mfa_serial, fails at once when
// there is no terminal, with the command that fills the cache from one,
// and without calling STS. The test process must have no controlling
// terminal; the front's tests cover this in a new session as well.
func TestMFAWithoutTerminal(t *testing.T) {
	if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		f.Close()
		t.Skip("the test process has a controlling terminal")
	}
	tests := []struct {
		name, config string
		sel          ecr.Selection
		wantRole     string
	}{
		{"mapping", "", ecr.Selection{RoleARN: pullRole, MFASerial: "arn:aws:iam::111122223333:mfa/alice"}, "the role"},
		{"profile", "[profile admin]\nrole_arn = arn:aws:iam::444455556666:role/admin\nsource_profile = base\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\n[profile base]\n",
			ecr.Selection{Profile: "admin"}, "role arn:aws:iam::444455556666:role/admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := withFake(t)
			home := os.Getenv("HOME")
			writeFile(t, filepath.Join(home, ".aws", "credentials"), "[base]\naws_access_key_id = AKIDBASEEXAMPLE\naws_secret_access_key = basesecret\n")
			if tt.config != "" {
				writeFile(t, filepath.Join(home, ".aws", "config"), tt.config)
			}
			start := time.Now()
			_, err := (&fetch.Fetcher{}).Fetch(t.Context(), ecr.FetchRequest{ServerURL: roleHost, Selection: tt.sel, Deadline: time.Now().Add(2 * time.Minute)})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Fetch took %s, want at once", took)
			}
			want := tt.wantRole + " needs an MFA code and there is no terminal to ask for it on"
			if !errors.Is(err, ecr.ErrMFARequired) || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "run `ecrlogin login "+roleHost+"` from a terminal") {
				t.Errorf("Fetch = %v\nwant ErrMFARequired with %q and the login command", err, want)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("%d AWS calls, want none before a code is known", n)
			}
		})
	}
}

func TestSessionName(t *testing.T) {
	tests := []struct{ user, want string }{
		{"alice", "ecrlogin-alice"},
		{"", "ecrlogin"},
		{`CORP\alice`, "ecrlogin-CORP-alice"},
		{"alice smith+ops@example.com", "ecrlogin-alice-smith+ops@example.com"},
		{"jörg", "ecrlogin-j-rg"},
		{strings.Repeat("a", 100), "ecrlogin-" + strings.Repeat("a", 55)},
	}
	for _, tt := range tests {
		if got := fetch.SessionName(tt.user); got != tt.want {
			t.Errorf("SessionName(%q) = %q, want %q", tt.user, got, tt.want)
		}
	}
}

// childEnv, set to a timeout, makes the test binary a child that fetches
// a token for roleHost as pullRole with alice's MFA device, within that
// timeout, and prints the outcome on stdout.
const childEnv = "FETCH_TEST_CHILD_TIMEOUT"

const aliceMFA = "arn:aws:iam::111122223333:mfa/alice"

func child() int {
	d, err := time.ParseDuration(os.Getenv(childEnv))
	if err != nil {
		fmt.Println("bad timeout:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	sel := ecr.Selection{RoleARN: pullRole, MFASerial: aliceMFA}
	_, err = (&fetch.Fetcher{}).Fetch(ctx, ecr.FetchRequest{ServerURL: roleHost, Selection: sel, Deadline: time.Now().Add(d)})
	fmt.Printf("err=%v\n", err)
	return 0
}

// TestMappedRoleSourceFails: when the credentials a role is assumed with
// fail, the line explains them, not the role: an SSO portal refusing the
// session (an AWS API error inside the AssumeRole call) sends the user to
// `aws sso login`, and no STS answer is blamed.
func TestMappedRoleSourceFails(t *testing.T) {
	fake := withFake(t)
	home := os.Getenv("HOME")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	writeSSOSession(t, home, "corp", "sso-access-token", time.Now().Add(time.Hour))
	fake.SSOTokens = map[string]bool{"sso-access-token": true}
	fake.SetFault("GetRoleCredentials", fakeaws.Fault{Status: 401, Code: "UnauthorizedException", Message: "Session token not found or invalid"})
	sel := ecr.Selection{Profile: "prod", RoleARN: pullRole}
	_, err := (&fetch.Fetcher{}).Fetch(t.Context(), ecr.FetchRequest{ServerURL: roleHost, Selection: sel})
	want := roleHost + `: SSO session expired or revoked: UnauthorizedException: Session token not found or invalid (role ` + pullRole + ` via profile "prod"); run: aws sso login --profile prod`
	if !errors.Is(err, ecr.ErrSSOSessionExpired) || err.Error() != want {
		t.Errorf("Fetch with the role's SSO source revoked = %v\nwant %q", err, want)
	}
	if n := fake.Count(fakeaws.ServiceSTS, "AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls, want 0: nothing could sign one", n)
	}
}
