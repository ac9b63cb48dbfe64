package ecr_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

func TestDecodeAuthorizationToken(t *testing.T) {
	exp := time.Unix(1_800_000_000, 0)
	tests := []struct {
		in         string
		user, pass string
		ok         bool
	}{
		{base64.StdEncoding.EncodeToString([]byte("AWS:secret:with:colons")), "AWS", "secret:with:colons", true},
		{base64.StdEncoding.EncodeToString([]byte("AWS:")), "", "", false},
		{base64.StdEncoding.EncodeToString([]byte(":pw")), "", "", false},
		{base64.StdEncoding.EncodeToString([]byte("no colon")), "", "", false},
		{"not base64!", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		tok, err := ecr.DecodeAuthorizationToken(tt.in, exp)
		if (err == nil) != tt.ok || tok.Username != tt.user || tok.Secret != tt.pass {
			t.Errorf("DecodeAuthorizationToken(%q) = %+v, %v; want %q/%q ok=%t", tt.in, tok, err, tt.user, tt.pass, tt.ok)
		}
		if err != nil && tt.in != "" && strings.Contains(err.Error(), tt.in) {
			t.Errorf("DecodeAuthorizationToken error %q repeats the token", err)
		}
	}
}

func TestSecretExpiry(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		secret string
		want   time.Time
		ok     bool
	}{
		{enc(`{"payload":"x","version":"2","expiration":1800000000}`), time.Unix(1800000000, 0), true},
		{base64.RawStdEncoding.EncodeToString([]byte(`{"expiration":1800000001}`)), time.Unix(1800000001, 0), true},
		{enc(`{"payload":"x"}`), time.Time{}, false},
		{enc(`{"expiration":0}`), time.Time{}, false},
		{enc(`{"expiration":"soon"}`), time.Time{}, false},
		{enc(`not json`), time.Time{}, false},
		{"plain-password", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ecr.SecretExpiry(tt.secret)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("SecretExpiry(%q) = %v, %t; want %v, %t", tt.secret, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSecretExpiryOfIssuedPassword closes the loop with the fake ECR: the
// expiry read from a password it issued is the expiry it announced.
func TestSecretExpiryOfIssuedPassword(t *testing.T) {
	r := newRig(t, 0)
	tok, err := r.h.Get(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := ecr.SecretExpiry(tok.Secret)
	if !ok || got.Sub(tok.ExpiresAt).Abs() > time.Second {
		t.Errorf("SecretExpiry(issued password) = %v, %t; want %v, the expiresAt ECR announced", got, ok, tok.ExpiresAt)
	}
}
