package fakeaws_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// start is a fixed server time, so expiries are exact, not approximate.
var start = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// issued is what one GetAuthorizationToken answer entry said.
type issued struct {
	token     string
	expiresAt time.Time
	endpoint  string
}

func TestGetAuthorizationToken(t *testing.T) {
	tests := []struct {
		name        string
		service     string
		registryIDs []string
		fetch       func(context.Context, aws.Config, []string) ([]issued, error)
		wantProxies []string
	}{
		{
			name:        "ecr default registry",
			service:     fakeaws.ServiceECR,
			fetch:       fetchECR,
			wantProxies: []string{"https://210987654321.dkr.ecr.eu-west-1.amazonaws.com"},
		},
		{
			name:        "ecr named registries",
			service:     fakeaws.ServiceECR,
			registryIDs: []string{"444455556666", "777788889999"},
			fetch:       fetchECR,
			wantProxies: []string{
				"https://444455556666.dkr.ecr.eu-west-1.amazonaws.com",
				"https://777788889999.dkr.ecr.eu-west-1.amazonaws.com",
			},
		},
		{
			name:        "ecr public",
			service:     fakeaws.ServiceECRPublic,
			fetch:       fetchECRPublic,
			wantProxies: []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const ttl = 90 * time.Minute
			s, _ := startFake(t, func(s *fakeaws.Server) {
				s.Account = "210987654321"
				s.TTL = ttl
				s.Now = func() time.Time { return start }
			})
			useStaticKeys(t)

			got, err := tt.fetch(context.Background(), loadConfig(t), tt.registryIDs)
			if err != nil {
				t.Fatalf("GetAuthorizationToken: %v", err)
			}
			if len(got) != len(tt.wantProxies) {
				t.Fatalf("got %d authorization data, want %d", len(got), len(tt.wantProxies))
			}
			seen := map[string]bool{}
			for i, data := range got {
				user, password := decodeToken(t, data.token)
				if user != "AWS" {
					t.Errorf("token user = %q, want AWS", user)
				}
				if seen[password] {
					t.Errorf("password %d repeats an earlier one", i)
				}
				seen[password] = true
				if !s.ValidPassword(user, password) {
					t.Errorf("ValidPassword(%q, issued password) = false, want true", user)
				}
				if want := start.Add(ttl); !data.expiresAt.Equal(want) {
					t.Errorf("expiresAt = %v, want %v", data.expiresAt, want)
				}
				if exp := passwordExpiration(t, password); !exp.Equal(start.Add(ttl)) {
					t.Errorf("password expiration = %v, want %v", exp, start.Add(ttl))
				}
				if data.endpoint != tt.wantProxies[i] {
					t.Errorf("proxyEndpoint = %q, want %q", data.endpoint, tt.wantProxies[i])
				}
			}

			calls := s.Calls()
			if len(calls) != 1 {
				t.Fatalf("Calls() = %+v, want one call", calls)
			}
			c := calls[0]
			want := fakeaws.Call{
				Service: tt.service, Action: "GetAuthorizationToken",
				Region: testRegion, SigningService: tt.service,
				AccessKeyID: testKeyID, Verified: true,
				RegistryIDs: tt.registryIDs, Status: 200, Time: start,
			}
			if !callsEqual(c, want) {
				t.Errorf("Calls()[0] = %+v, want %+v", c, want)
			}
			if n := s.Count(tt.service, "GetAuthorizationToken"); n != 1 {
				t.Errorf("Count(%q, GetAuthorizationToken) = %d, want 1", tt.service, n)
			}
		})
	}
}

func fetchECR(ctx context.Context, cfg aws.Config, registryIDs []string) ([]issued, error) {
	out, err := awsecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{RegistryIds: registryIDs})
	if err != nil {
		return nil, err
	}
	var got []issued
	for _, d := range out.AuthorizationData {
		got = append(got, issued{aws.ToString(d.AuthorizationToken), aws.ToTime(d.ExpiresAt), aws.ToString(d.ProxyEndpoint)})
	}
	return got, nil
}

func fetchECRPublic(ctx context.Context, cfg aws.Config, _ []string) ([]issued, error) {
	out, err := ecrpublic.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, err
	}
	d := out.AuthorizationData
	return []issued{{token: aws.ToString(d.AuthorizationToken), expiresAt: aws.ToTime(d.ExpiresAt)}}, nil
}

// checkCalls compares recorded calls with want, ignoring arrival times.
func checkCalls(t *testing.T, calls, want []fakeaws.Call) {
	t.Helper()
	if len(calls) != len(want) {
		t.Fatalf("Calls() = %+v, want %d calls", calls, len(want))
	}
	for i := range want {
		want[i].Time = calls[i].Time
		if !callsEqual(calls[i], want[i]) {
			t.Errorf("Calls()[%d] = %+v, want %+v", i, calls[i], want[i])
		}
	}
}

func callsEqual(a, b fakeaws.Call) bool {
	return a.Service == b.Service && a.Action == b.Action && a.Region == b.Region &&
		a.SigningService == b.SigningService && a.AccessKeyID == b.AccessKeyID &&
		a.Verified == b.Verified && a.RoleARN == b.RoleARN && a.RoleSessionName == b.RoleSessionName &&
		a.WebIdentityToken == b.WebIdentityToken && slices.Equal(a.RegistryIDs, b.RegistryIDs) &&
		a.Status == b.Status && a.ErrorCode == b.ErrorCode && a.Time.Equal(b.Time)
}

// passwordExpiration reads the expiry out of a registry password the way
// ecr.SecretExpiry does (base64 of JSON with "expiration" in Unix seconds),
// which is how the project dates `docker login` credentials. It mirrors that
// contract rather than importing package ecr, so that these tests do not
// depend on everything ecr links.
func passwordExpiration(t *testing.T, password string) time.Time {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(password)
	if err != nil {
		t.Fatalf("password is not base64: %v", err)
	}
	var doc struct {
		Expiration *int64 `json:"expiration"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Expiration == nil {
		t.Fatalf("password %s has no integer expiration (err %v)", raw, err)
	}
	return time.Unix(*doc.Expiration, 0)
}

func TestPasswordShape(t *testing.T) {
	startFake(t, nil)
	useStaticKeys(t)
	got, err := fetchECR(context.Background(), loadConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, password := decodeToken(t, got[0].token)
	raw, err := base64.StdEncoding.DecodeString(password)
	if err != nil {
		t.Fatalf("password is not base64: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("password is not base64 of JSON: %v", err)
	}
	for _, field := range []string{"payload", "datakey", "version", "type", "expiration"} {
		if _, ok := doc[field]; !ok {
			t.Errorf("password document lacks %q: %s", field, raw)
		}
	}
	if doc["version"] != "2" || doc["type"] != "DATA_KEY" {
		t.Errorf("password document = %s, want version \"2\" and type \"DATA_KEY\"", raw)
	}
}

func TestValidPassword(t *testing.T) {
	const ttl = time.Hour
	c := testclock.New(start)
	s, _ := startFake(t, func(s *fakeaws.Server) {
		s.TTL = ttl
		s.Now = c.Now
	})
	useStaticKeys(t)
	got, err := fetchECR(context.Background(), loadConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, password := decodeToken(t, got[0].token)

	// A password of the right shape that this server never issued.
	foreign := base64.StdEncoding.EncodeToString([]byte(`{"payload":"AAAA","datakey":"BBBB","version":"2","type":"DATA_KEY","expiration":1900000000}`))
	tampered := []byte(password)
	tampered[10] ^= 1

	tests := []struct {
		name     string
		advance  time.Duration // clock moves before the check
		user     string
		password string
		want     bool
	}{
		{"issued", 0, "AWS", password, true},
		{"just before expiry", ttl - time.Second, "AWS", password, true},
		{"wrong user", 0, "aws", password, false},
		{"empty user", 0, "", password, false},
		{"tampered", 0, "AWS", string(tampered), false},
		{"truncated", 0, "AWS", password[:len(password)-4], false},
		{"unknown", 0, "AWS", foreign, false},
		{"empty", 0, "AWS", "", false},
		{"at expiry", ttl, "AWS", password, false},
		{"after expiry", ttl + time.Hour, "AWS", password, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Set(start.Add(tt.advance))
			if got := s.ValidPassword(tt.user, tt.password); got != tt.want {
				t.Errorf("ValidPassword(%q, %.12q…) = %v, want %v", tt.user, tt.password, got, tt.want)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	s := fakeaws.New()
	got := s.Env("http://127.0.0.1:1234")
	want := []string{
		"AWS_ENDPOINT_URL_ECR=http://127.0.0.1:1234",
		"AWS_ENDPOINT_URL_ECR_PUBLIC=http://127.0.0.1:1234",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:1234",
		"AWS_ENDPOINT_URL_SSO=http://127.0.0.1:1234",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Env() = %q, want %q", got, want)
	}
	for _, kv := range got {
		if strings.Count(kv, "=") < 1 {
			t.Errorf("Env line %q is not KEY=value", kv)
		}
	}
}
