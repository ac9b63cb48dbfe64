package fakeaws

import (
	"encoding/json"
	"net/http"
	"time"
)

// ServiceSSO is the AWS SSO (IAM Identity Center) portal API, which the
// SDK's SSO credential provider calls with the token `aws sso login` left
// in ~/.aws/sso/cache.
const ServiceSSO = "sso"

// ssoCredentialsPath is GetRoleCredentials' REST path; account_id and
// role_name come in the query, the bearer token in a header.
const ssoCredentialsPath = "/federation/credentials"

// serveSSO answers GetRoleCredentials (REST-JSON, unsigned: the bearer
// token authenticates it). A token that is not one of Server.SSOTokens is
// refused with UnauthorizedException, as AWS refuses an expired or
// revoked session; with SSOTokens empty every non-empty token is taken.
// The credentials it mints are STS-style sessions this server verifies
// like AssumeRole's.
func (s *Server) serveSSO(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := r.Header.Get("X-Amz-Sso_bearer_token")
	call := Call{Time: s.now(), Service: ServiceSSO, Action: "GetRoleCredentials", RoleSessionName: q.Get("role_name")}
	rec := s.record(call)
	fail := func(aerr *apiError) {
		s.answered(rec, aerr.status, aerr.code)
		writeRESTError(w, aerr)
	}
	if f, ok := s.takeFault(ServiceSSO, call.Action); ok {
		aerr, answer := s.applyFault(r.Context(), f)
		if !answer {
			return
		}
		if aerr != nil {
			fail(aerr)
			return
		}
	}
	account, role := q.Get("account_id"), q.Get("role_name")
	switch {
	case r.Method != http.MethodGet || account == "" || role == "":
		fail(&apiError{http.StatusBadRequest, "InvalidRequestException", "fakeaws: GetRoleCredentials needs GET with account_id and role_name"})
		return
	case token == "" || (len(s.SSOTokens) > 0 && !s.SSOTokens[token]):
		fail(&apiError{http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid"})
		return
	}
	keyID := "ASIA" + randomID(16)
	sess := session{
		secret:  randomBase64(30),
		token:   randomBase64(240),
		expires: s.now().Add(time.Hour),
		roleARN: "arn:aws:iam::" + account + ":role/" + role,
	}
	s.mu.Lock()
	s.sessions[keyID] = sess
	s.mu.Unlock()
	s.answered(rec, http.StatusOK, "")
	body, _ := json.Marshal(map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     keyID,
		"secretAccessKey": sess.secret,
		"sessionToken":    sess.token,
		"expiration":      sess.expires.UnixMilli(),
	}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// writeRESTError writes an error the way REST-JSON services do: the code
// in X-Amzn-Errortype, the message in the body.
func writeRESTError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(map[string]string{"message": e.message}) // strings always encode
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	w.Write(body)
}
