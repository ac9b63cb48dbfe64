package fakeaws_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// TestRequestsFakeawsDoesNotServe: requests for operations the fake does not
// serve get AWS's errors for them, and are recorded.
func TestRequestsFakeawsDoesNotServe(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		body        string
		wantStatus  int
		wantCode    string // in X-Amzn-ErrorType or the XML body
		wantService string
	}{
		{"unknown target", "Foo_2020.Bar", `{}`, 400, "UnknownOperationException", ""},
		{"other ecr operation", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", `{}`, 400, "UnknownOperationException", "ecr"},
		{"ecr body not json", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", `{`, 400, "SerializationException", "ecr"},
		{"other sts action", "", "Action=GetSessionToken&Version=2011-06-15", 400, "InvalidAction", "sts"},
		{"no action", "", "Version=2011-06-15", 400, "MissingAction", ""},
	}
	s, baseURL := startFake(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			status, code := post(t, baseURL, tt.target, tt.body, true)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("answer = %d %s, want %d %s", status, code, tt.wantStatus, tt.wantCode)
			}
			calls := s.Calls()
			if len(calls) != 1 || calls[0].Service != tt.wantService || calls[0].ErrorCode != tt.wantCode {
				t.Errorf("Calls() = %+v, want one %q call failed with %s", calls, tt.wantService, tt.wantCode)
			}
		})
	}
}

// TestHTTPTestServer: the fake also works as a plain handler, with s.Close
// run before the httptest server's Close.
func TestHTTPTestServer(t *testing.T) {
	s := fakeaws.New()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	t.Cleanup(s.Close) // runs first: releases hung requests

	if status, code := post(t, ts.URL, "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", `{}`, false); status != 400 || code != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned call answered %d %s, want 400 MissingAuthenticationTokenException", status, code)
	}

	s.Reset() // so the Count below sees only the hung call
	s.SetFault("GetAuthorizationToken", fakeaws.Hang())
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
		req.Header.Set("Authorization", unverifiedAuth("ecr"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(func() bool { return s.Count("ecr", "GetAuthorizationToken") == 1 })
	s.Close()
	if status := <-done; status != http.StatusServiceUnavailable {
		t.Errorf("hung call released by Close answered %d, want 503", status)
	}
	if status, code := post(t, ts.URL, "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", `{}`, true); status != 503 || code != "ServiceUnavailable" {
		t.Errorf("call after Close answered %d %s, want 503 ServiceUnavailable", status, code)
	}
}

// post sends a raw request, JSON 1.1 when target is set and STS's form
// otherwise, with an Authorization header the fake accepts unverified when
// signed, and returns the status and the AWS error code, from
// X-Amzn-ErrorType or the query protocol's XML.
func post(t *testing.T, baseURL, target, body string, signed bool) (status int, code string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	service := "sts"
	if target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		service = "ecr"
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if signed {
		req.Header.Set("Authorization", unverifiedAuth(service))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if code = resp.Header.Get("X-Amzn-ErrorType"); code == "" {
		if _, after, ok := strings.Cut(string(raw), "<Code>"); ok {
			code, _, _ = strings.Cut(after, "</Code>")
		}
	}
	return resp.StatusCode, code
}
