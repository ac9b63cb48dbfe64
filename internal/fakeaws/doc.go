// Package fakeaws is a fake of the AWS APIs ecrlogin talks to, served over
// real HTTP so that tests, the end-to-end suite and `make demo` drive the
// real AWS SDK against it instead of mocking the SDK away.
//
// One [Server] answers every service on one base URL, telling them apart the
// way AWS's wire protocols do:
//
//   - ECR (JSON 1.1, X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*):
//     GetAuthorizationToken.
//   - ECR Public (JSON 1.1, X-Amz-Target SpencerFrontendService.*):
//     GetAuthorizationToken.
//   - STS (query protocol, form field Action): AssumeRole (refused without
//     the MFA code a role in [Server.RoleMFA] requires),
//     AssumeRoleWithWebIdentity and GetCallerIdentity.
//   - SSO (REST-JSON, GET /federation/credentials): GetRoleCredentials,
//     authenticated by the SSO bearer token rather than SigV4.
//
// Requests must carry a SigV4 Authorization header, as with AWS (except
// AssumeRoleWithWebIdentity, which AWS serves unsigned). The signature is
// verified when the server knows the secret for the access key id, that is
// for keys in [Server.Keys] and for every key its own STS issued; calls signed
// with other keys are recorded and accepted, so tests need not register the
// keys they use.
//
// Registry passwords have the shape of real ECR passwords (base64 of a JSON
// document with an "expiration" field in Unix seconds), and
// [Server.ValidPassword] tells a fake registry whether a password is one this
// server issued and has not expired, for HTTP basic auth.
//
// Faults are programmed per action with [Server.SetFault]; every call is
// recorded and can be inspected with [Server.Calls] and [Server.Count].
//
// The package links only the standard library and never imports testing:
// the demo program runs it outside tests. A Server is safe for concurrent
// use.
//
// In a test:
//
//	s := fakeaws.New()
//	baseURL, stop, err := s.Start("127.0.0.1:0")
//	if err != nil {
//		t.Fatal(err)
//	}
//	t.Cleanup(func() { stop() })
//	for _, kv := range s.Env(baseURL) {
//		k, v, _ := strings.Cut(kv, "=")
//		t.Setenv(k, v)
//	}
//
// httptest.NewServer(s) works as well; then call s.Close before the
// httptest server's Close so that requests hanging on a Hang fault are
// released (t.Cleanup runs in reverse order, so register s.Close last).
package fakeaws
