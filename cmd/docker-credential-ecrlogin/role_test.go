package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// The roles and MFA devices of these tests, as in the README's example.
const (
	roleHost   = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
	pullRole   = "arn:aws:iam::444455556666:role/ecr-pull"
	adminRole  = "arn:aws:iam::444455556666:role/admin"
	aliceMFA   = "arn:aws:iam::111122223333:mfa/alice"
	aliceCode  = "123456"
	baseKeyID  = "AKIDBASEEXAMPLE"
	baseSecret = "basesecret"
)

// startRoleFake is startFake for roles: configure sets the fake's fields
// (RoleMFA, MFACodes) before it serves, and HOME holds the AWS files and
// ecrlogin's config file given, with ECRLOGIN_CONFIG pointing at it.
func startRoleFake(t *testing.T, configure func(*fakeaws.Server), awsConfig, ecrloginConfig string) (*fakeaws.Server, []string) {
	t.Helper()
	fake := fakeaws.New()
	if configure != nil {
		configure(fake)
	}
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	work := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(work, ".aws", "credentials"), "[base]\naws_access_key_id = "+baseKeyID+"\naws_secret_access_key = "+baseSecret+"\n")
	write(filepath.Join(work, ".aws", "config"), awsConfig)
	write(filepath.Join(work, "config.toml"), ecrloginConfig)
	env := append(fakeaws.ClientEnv(work), fake.Env(base)...)
	return fake, append(env,
		"PATH="+testbin.Dir(t)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ECRLOGIN_CACHE_DIR="+filepath.Join(work, "cache"),
		"ECRLOGIN_CONFIG="+filepath.Join(work, "config.toml"),
		"GORACE=atexit_sleep_ms=0",
	)
}

// TestMappedRoleThroughFront: three gets for a mapped role make one
// AssumeRole (signed by the environment's key, with the mapping's external
// id and session name) and one GetAuthorizationToken, signed with the
// assumed ASIA key; the hits resolve nothing. A mapping without a session
// name uses ecrlogin-USER.
func TestMappedRoleThroughFront(t *testing.T) {
	const otherHost = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
	fake, env := startRoleFake(t, nil, "", `
[[registry]]
match = "*.dkr.ecr.eu-west-1.amazonaws.com"
role_arn = "`+pullRole+`"
external_id = "example-id"
role_session_name = "ci-puller"

[[registry]]
match = "*.dkr.ecr.us-west-2.amazonaws.com"
role_arn = "`+pullRole+`"
`)
	for range 3 {
		checkAnswers(t, getAll(t, env, []string{roleHost}))
	}
	if n, m := fake.Count(fakeaws.ServiceSTS, "AssumeRole"), fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 1 || m != 1 {
		t.Fatalf("three gets made %d AssumeRole and %d GetAuthorizationToken calls, want 1 and 1", n, m)
	}
	calls := fake.Calls()
	ar, get := calls[0], calls[1]
	if ar.Action != "AssumeRole" || ar.RoleARN != pullRole || ar.AccessKeyID != fakeaws.ExampleAccessKeyID || ar.Region != "eu-west-1" ||
		ar.ExternalID != "example-id" || ar.RoleSessionName != "ci-puller" {
		t.Errorf("first call = %+v, want AssumeRole of %s in eu-west-1 signed by %s, external id example-id, session ci-puller", ar, pullRole, fakeaws.ExampleAccessKeyID)
	}
	if get.Action != "GetAuthorizationToken" || !strings.HasPrefix(get.AccessKeyID, "ASIA") || !get.Verified || get.RoleARN != pullRole {
		t.Errorf("second call = %+v, want GetAuthorizationToken signed with the assumed role's ASIA key", get)
	}

	checkAnswers(t, getAll(t, env, []string{otherHost}))
	u, err := user.Current()
	if err != nil {
		t.Skipf("no user name to expect: %v", err)
	}
	calls = fake.Calls()
	if want := fetch.SessionName(u.Username); len(calls) != 4 || calls[2].RoleSessionName != want || calls[2].ExternalID != "" {
		t.Errorf("AssumeRole for a mapping without a session name = %+v, want session %q, no external id", calls[2], want)
	}
}

// mfaMapping maps roleHost to pullRole, assumed with alice's MFA code.
const mfaMapping = `
[[registry]]
match = "111122223333"
role_arn = "` + pullRole + `"
mfa_serial = "` + aliceMFA + `"
`

// adminProfile is a profile whose own role needs alice's MFA code, as the
// AWS CLI reads it.
const adminProfile = `
[profile admin]
role_arn = ` + adminRole + `
source_profile = base
mfa_serial = ` + aliceMFA + `
`
