package fakeaws_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestAssumeRoleMFA: a role in RoleMFA is assumed only with its device's
// serial and current code; every AssumeRole records ExternalId,
// SerialNumber and TokenCode whatever the answer.
func TestAssumeRoleMFA(t *testing.T) {
	const (
		mfaRole = "arn:aws:iam::444455556666:role/admin"
		serial  = "arn:aws:iam::111122223333:mfa/alice"
	)
	s, _ := startFake(t, func(s *fakeaws.Server) {
		s.RoleMFA = map[string]string{mfaRole: serial}
		s.MFACodes = map[string]string{serial: "123456"}
	})
	useStaticKeys(t)
	client := sts.NewFromConfig(loadConfig(t))
	tests := []struct {
		name                   string
		role, serial, code, id string
		wantCode               string // "" for success
	}{
		{"no MFA needed", deployRole, "", "", "ext-1", ""},
		{"MFA given though not needed", deployRole, serial, "999999", "", ""},
		{"right code", mfaRole, serial, "123456", "ext-2", ""},
		{"no code", mfaRole, "", "", "", "AccessDenied"},
		{"wrong code", mfaRole, serial, "654321", "", "AccessDenied"},
		{"another device", mfaRole, "arn:aws:iam::111122223333:mfa/bob", "123456", "", "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			in := &sts.AssumeRoleInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String("mfa-test")}
			if tt.serial != "" {
				in.SerialNumber, in.TokenCode = aws.String(tt.serial), aws.String(tt.code)
			}
			if tt.id != "" {
				in.ExternalId = aws.String(tt.id)
			}
			_, err := client.AssumeRole(context.Background(), in)
			if tt.wantCode == "" && err != nil {
				t.Fatalf("AssumeRole(%s, serial %q, code %q) = %v, want success", tt.role, tt.serial, tt.code, err)
			}
			if tt.wantCode != "" {
				if code, _ := apiErrorCode(t, err); code != tt.wantCode {
					t.Fatalf("AssumeRole(%s, serial %q, code %q) failed with %q, want %s", tt.role, tt.serial, tt.code, code, tt.wantCode)
				}
			}
			calls := s.Calls()
			if len(calls) != 1 {
				t.Fatalf("recorded %d calls, want 1", len(calls))
			}
			c := calls[0]
			if c.ExternalID != tt.id || c.SerialNumber != tt.serial || c.TokenCode != tt.code {
				t.Errorf("recorded ExternalID %q, SerialNumber %q, TokenCode %q; want %q, %q, %q", c.ExternalID, c.SerialNumber, c.TokenCode, tt.id, tt.serial, tt.code)
			}
		})
	}
}
