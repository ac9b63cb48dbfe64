package fakeaws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// The SDK's standard retryer makes three attempts in all.
const sdkAttempts = 3

func TestFaults(t *testing.T) {
	tests := []struct {
		name      string
		action    string
		fault     fakeaws.Fault
		call      string // "ecr", "ecr-public" or "sts"
		wantCode  string // "" for success
		wantHTTP  int
		wantCalls []string // ErrorCode of each recorded call
	}{
		{
			name: "access denied", action: "GetAuthorizationToken", fault: fakeaws.AccessDenied(), call: "ecr",
			wantCode: "AccessDeniedException", wantHTTP: 400, wantCalls: []string{"AccessDeniedException"},
		},
		{
			name: "throttling retried until the SDK gives up", action: "GetAuthorizationToken", fault: fakeaws.Throttling(), call: "ecr",
			wantCode: "ThrottlingException", wantHTTP: 400,
			wantCalls: []string{"ThrottlingException", "ThrottlingException", "ThrottlingException"},
		},
		{
			name: "throttling twice then success", action: "GetAuthorizationToken", fault: times(fakeaws.Throttling(), 2), call: "ecr",
			wantCalls: []string{"ThrottlingException", "ThrottlingException", ""},
		},
		{
			name: "server error retried", action: "GetAuthorizationToken", fault: fakeaws.ServerError(), call: "ecr",
			wantCode: "ServerException", wantHTTP: 500,
			wantCalls: []string{"ServerException", "ServerException", "ServerException"},
		},
		{
			name: "server error once", action: "GetAuthorizationToken", fault: times(fakeaws.ServerError(), 1), call: "ecr-public",
			wantCalls: []string{"ServerException", ""},
		},
		{
			name: "code only defaults to 400", action: "GetAuthorizationToken", fault: fakeaws.Fault{Code: "InvalidParameterException"}, call: "ecr",
			wantCode: "InvalidParameterException", wantHTTP: 400, wantCalls: []string{"InvalidParameterException"},
		},
		{
			name: "status only", action: "GetAuthorizationToken", fault: fakeaws.Fault{Status: 403}, call: "ecr",
			wantCode: "InternalFailure", wantHTTP: 403, wantCalls: []string{"InternalFailure"},
		},
		{
			name: "delay then normal answer", action: "GetAuthorizationToken", fault: fakeaws.Fault{Delay: time.Millisecond}, call: "ecr",
			wantCalls: []string{""},
		},
		{
			name: "qualified action wins for its service", action: "ecr-public:GetAuthorizationToken", fault: fakeaws.AccessDenied(), call: "ecr-public",
			wantCode: "AccessDeniedException", wantHTTP: 400, wantCalls: []string{"AccessDeniedException"},
		},
		{
			name: "qualified action spares other services", action: "ecr-public:GetAuthorizationToken", fault: fakeaws.AccessDenied(), call: "ecr",
			wantCalls: []string{""},
		},
		{
			name: "sts access denied", action: "AssumeRole", fault: fakeaws.AssumeRoleDenied(), call: "sts",
			wantCode: "AccessDenied", wantHTTP: 403, wantCalls: []string{"AccessDenied"},
		},
		{
			name: "sts throttling", action: "AssumeRole", fault: fakeaws.Fault{Code: "Throttling", Message: "Rate exceeded"}, call: "sts",
			wantCode: "Throttling", wantHTTP: 400, wantCalls: []string{"Throttling", "Throttling", "Throttling"},
		},
		{
			name: "sts server error", action: "sts:AssumeRole", fault: fakeaws.Fault{Status: 500, Code: "InternalFailure"}, call: "sts",
			wantCode: "InternalFailure", wantHTTP: 500, wantCalls: []string{"InternalFailure", "InternalFailure", "InternalFailure"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startFake(t, nil)
			useStaticKeys(t)
			s.SetFault(tt.action, tt.fault)

			err := callService(context.Background(), loadConfig(t), tt.call)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("%s call: %v", tt.call, err)
				}
			} else if code, status := apiErrorCode(t, err); code != tt.wantCode || status != tt.wantHTTP {
				t.Errorf("%s call error = %s (%d), want %s (%d)", tt.call, code, status, tt.wantCode, tt.wantHTTP)
			}

			calls := s.Calls()
			var codes []string
			for _, c := range calls {
				codes = append(codes, c.ErrorCode)
			}
			if len(codes) != len(tt.wantCalls) {
				t.Fatalf("recorded error codes %q, want %q", codes, tt.wantCalls)
			}
			for i := range codes {
				if codes[i] != tt.wantCalls[i] {
					t.Errorf("recorded error codes %q, want %q", codes, tt.wantCalls)
					break
				}
			}
		})
	}
}

func TestClearFaults(t *testing.T) {
	s, _ := startFake(t, nil)
	useStaticKeys(t)
	cfg := loadConfig(t)
	s.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
	s.SetFault("AssumeRole", fakeaws.AssumeRoleDenied())
	if err := callService(context.Background(), cfg, "ecr"); err == nil {
		t.Fatal("call with an AccessDenied fault succeeded")
	}
	s.ClearFaults()
	for _, service := range []string{"ecr", "ecr-public", "sts"} {
		if err := callService(context.Background(), cfg, service); err != nil {
			t.Errorf("%s call after ClearFaults: %v", service, err)
		}
	}
}

// TestMissingAuthentication: the SDK with anonymous credentials sends no
// Authorization header, which AWS refuses.
func TestMissingAuthentication(t *testing.T) {
	tests := []struct {
		call     string
		wantCode string
		wantHTTP int
	}{
		{"ecr", "MissingAuthenticationTokenException", 400},
		{"ecr-public", "MissingAuthenticationTokenException", 400},
		{"sts", "MissingAuthenticationToken", 403},
	}
	s, _ := startFake(t, nil)
	useStaticKeys(t)
	cfg := loadConfig(t)
	cfg.Credentials = aws.AnonymousCredentials{}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			err := callService(context.Background(), cfg, tt.call)
			if code, status := apiErrorCode(t, err); code != tt.wantCode || status != tt.wantHTTP {
				t.Errorf("unsigned %s call error = %s (%d), want %s (%d)", tt.call, code, status, tt.wantCode, tt.wantHTTP)
			}
		})
	}
	for _, c := range s.Calls() {
		if c.AccessKeyID != "" || c.Verified || c.Status == 200 {
			t.Errorf("unsigned call recorded as %+v", c)
		}
	}
}

// TestHangEndsWithClientContext: a hung call ends when the client gives up,
// and the server's handler returns too.
func TestHangEndsWithClientContext(t *testing.T) {
	for _, service := range []string{"ecr", "ecr-public", "sts"} {
		t.Run(service, func(t *testing.T) {
			s, _ := startFake(t, nil)
			useStaticKeys(t)
			s.SetFault(actionOf(service), fakeaws.Hang())
			cfg := loadConfig(t)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- callService(ctx, cfg, service) }()

			waitFor(func() bool { return s.Count(service, actionOf(service)) == 1 })
			if got := s.Calls()[0].Status; got != 0 {
				t.Errorf("hung call recorded with Status %d, want 0", got)
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("hung call error = %v, want context.Canceled", err)
			}
			waitFor(func() bool { return s.InFlight() == 0 })
			if n := s.Count(service, actionOf(service)); n != 1 {
				t.Errorf("Count = %d after the hang, want 1 (no retry, no second record)", n)
			}
		})
	}
}

// TestHangEndsWithServer: a client that never gives up is released when
// the server stops, and stopping does not wait for it forever.
func TestHangEndsWithServer(t *testing.T) {
	s := fakeaws.New()
	baseURL, stop, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range s.Env(baseURL) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	useStaticKeys(t)
	s.SetFault("GetAuthorizationToken", fakeaws.Hang())
	cfg := loadConfig(t)

	done := make(chan error, 1)
	go func() { done <- callService(context.Background(), cfg, "ecr") }()
	waitFor(func() bool { return s.Count("ecr", "GetAuthorizationToken") == 1 })
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if err := <-done; err == nil {
		t.Error("hung call succeeded after the server stopped")
	}
	if got := s.Calls()[0]; got.Status != 503 || got.ErrorCode != "ServiceUnavailable" {
		t.Errorf("released call recorded as %d %q, want 503 ServiceUnavailable", got.Status, got.ErrorCode)
	}
	if n := s.InFlight(); n != 0 {
		t.Errorf("InFlight() = %d after stop, want 0", n)
	}
	s.Close() // again: harmless
}

// TestDelayEndsWithClientContext: a client that gives up during a Delay
// gets its own error and the call is recorded as never answered.
func TestDelayEndsWithClientContext(t *testing.T) {
	s, _ := startFake(t, nil)
	useStaticKeys(t)
	s.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := loadConfig(t)
	go func() { done <- callService(ctx, cfg, "ecr") }()
	waitFor(func() bool { return s.Count("ecr", "GetAuthorizationToken") == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("delayed call error = %v, want context.Canceled", err)
	}
	waitFor(func() bool { return s.InFlight() == 0 })
	calls := s.Calls()
	if len(calls) != 1 || calls[0].Status != 0 {
		t.Errorf("Calls() = %+v, want one call with Status 0", calls)
	}
}

func times(f fakeaws.Fault, n int) fakeaws.Fault {
	f.Times = n
	return f
}

func actionOf(service string) string {
	if service == "sts" {
		return "AssumeRole"
	}
	return "GetAuthorizationToken"
}

// callService makes the typical call of one service through the SDK.
func callService(ctx context.Context, cfg aws.Config, service string) error {
	var err error
	switch service {
	case "ecr":
		_, err = awsecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	case "ecr-public":
		_, err = ecrpublic.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	case "sts":
		_, err = sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(deployRole), RoleSessionName: aws.String("fault")})
	default:
		err = errors.New("unknown service " + service)
	}
	return err
}
