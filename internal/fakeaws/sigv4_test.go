package fakeaws_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestSignatureVerification signs raw requests with the SDK's own SigV4
// signer and checks that the fake accepts exactly the right ones.
func TestSignatureVerification(t *testing.T) {
	const (
		ecrTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
		stsForm   = "Action=GetCallerIdentity&Version=2011-06-15"
	)
	tests := []struct {
		name       string
		target     string // X-Amz-Target; empty for an STS form request
		body       string
		path       string // path and query after the base URL
		keyID      string
		secret     string // what the request is signed with
		service    string // signing name in the scope
		extra      http.Header
		tamper     func(*http.Request) // after signing
		wantStatus int
		wantCode   string
		wantVerify bool
	}{
		{
			name: "ecr known key", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			wantStatus: 200, wantVerify: true,
		},
		{
			name: "ecr registry ids", target: ecrTarget, body: `{"registryIds":["444455556666"]}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			wantStatus: 200, wantVerify: true,
		},
		{
			name: "sts known key", body: stsForm, keyID: testKeyID, secret: testSecret, service: "sts",
			wantStatus: 200, wantVerify: true,
		},
		{
			name: "query string and odd header spacing", target: ecrTarget, body: `{}`, path: "/?b=2&a=x%20y&a-b=1&a=w",
			keyID: testKeyID, secret: testSecret, service: "ecr",
			extra:      http.Header{"X-Amz-Meta-Note": {"  two   spaces  here "}},
			wantStatus: 200, wantVerify: true,
		},
		{
			name: "unknown key accepted unverified", target: ecrTarget, body: `{}`, keyID: "AKIDSOMEONEELSE00001", secret: "whatever", service: "ecr",
			wantStatus: 200,
		},
		{
			name: "wrong secret", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: "not-the-secret", service: "ecr",
			wantStatus: 403, wantCode: "InvalidSignatureException",
		},
		{
			name: "sts wrong secret", body: stsForm, keyID: testKeyID, secret: "not-the-secret", service: "sts",
			wantStatus: 403, wantCode: "SignatureDoesNotMatch",
		},
		{
			name: "body changed after signing", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			tamper: func(r *http.Request) {
				r.Body, r.ContentLength = http.NoBody, 0
				r.Header.Del("Content-Length")
			},
			wantStatus: 403, wantCode: "InvalidSignatureException",
		},
		{
			name: "signed header changed after signing", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			tamper:     func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
			wantStatus: 403, wantCode: "InvalidSignatureException",
		},
		{
			name: "date outside the credential scope", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			tamper:     func(r *http.Request) { r.Header.Set("X-Amz-Date", "20300101T000000Z") },
			wantStatus: 403, wantCode: "InvalidSignatureException",
		},
		{
			name: "unsigned header added after signing", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			tamper:     func(r *http.Request) { r.Header.Set("X-Forwarded-For", "192.0.2.1") },
			wantStatus: 200, wantVerify: true,
		},
		{
			name: "scoped to the wrong service", target: ecrTarget, body: `{}`, keyID: "AKIDSOMEONEELSE00001", secret: "whatever", service: "ecr-public",
			wantStatus: 403, wantCode: "InvalidSignatureException",
		},
		{
			name: "malformed authorization", target: ecrTarget, body: `{}`, keyID: testKeyID, secret: testSecret, service: "ecr",
			tamper:     func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=nonsense") },
			wantStatus: 400, wantCode: "IncompleteSignatureException",
		},
		{
			name: "not sigv4", body: stsForm, keyID: testKeyID, secret: testSecret, service: "sts",
			tamper:     func(r *http.Request) { r.Header.Set("Authorization", "Basic QVdTOnNlY3JldA==") },
			wantStatus: 400, wantCode: "IncompleteSignature",
		},
	}
	s, baseURL := startFake(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			req, err := http.NewRequest(http.MethodPost, baseURL+tt.path, bytes.NewReader([]byte(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			if tt.target != "" {
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
				req.Header.Set("X-Amz-Target", tt.target)
			} else {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, vs := range tt.extra {
				req.Header[k] = vs
			}
			sum := sha256.Sum256([]byte(tt.body))
			creds := aws.Credentials{AccessKeyID: tt.keyID, SecretAccessKey: tt.secret}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), tt.service, "us-west-2", time.Now()); err != nil {
				t.Fatalf("SignHTTP: %v", err)
			}
			if tt.tamper != nil {
				tt.tamper(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			calls := s.Calls()
			if len(calls) != 1 {
				t.Fatalf("Calls() = %+v, want one call", calls)
			}
			if c := calls[0]; c.ErrorCode != tt.wantCode || c.Verified != tt.wantVerify {
				t.Errorf("recorded ErrorCode %q, Verified %t; want %q, %t", c.ErrorCode, c.Verified, tt.wantCode, tt.wantVerify)
			}
		})
	}
}
