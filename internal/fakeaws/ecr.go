package fakeaws

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// registryUser is the user name of every ECR registry credential.
const registryUser = "AWS"

// ecrAuthorizationData is one entry of ECR's GetAuthorizationToken answer.
type ecrAuthorizationData struct {
	AuthorizationToken string  `json:"authorizationToken"`
	ExpiresAt          float64 `json:"expiresAt"` // epoch seconds, as ECR sends them
	ProxyEndpoint      string  `json:"proxyEndpoint"`
}

// ecrAuthorizationToken answers ECR's GetAuthorizationToken: one token for
// the default account or, as ECR does, one per requested registry id.
func (s *Server) ecrAuthorizationToken(call *Call) (any, *apiError) {
	registries := call.RegistryIDs
	if len(registries) == 0 {
		registries = []string{s.account()}
	}
	data := make([]ecrAuthorizationData, 0, len(registries))
	for _, registry := range registries {
		token, expires := s.issueToken(call)
		data = append(data, ecrAuthorizationData{
			AuthorizationToken: token,
			ExpiresAt:          epochSeconds(expires),
			ProxyEndpoint:      "https://" + registry + ".dkr.ecr." + call.Region + "." + dnsSuffix(call.Region),
		})
	}
	return map[string]any{"authorizationData": data}, nil
}

// ecrPublicAuthorizationToken answers ECR Public's GetAuthorizationToken,
// whose authorizationData is a single object, not a list.
func (s *Server) ecrPublicAuthorizationToken(call *Call) (any, *apiError) {
	token, expires := s.issueToken(call)
	return map[string]any{"authorizationData": map[string]any{
		"authorizationToken": token,
		"expiresAt":          epochSeconds(expires),
	}}, nil
}

// issueToken mints a new registry password valid for the TTL for the
// caller of call and returns the authorizationToken carrying it,
// base64("AWS:" + password).
func (s *Server) issueToken(call *Call) (token string, expires time.Time) {
	expires = s.now().Add(s.ttl())
	password := newPassword(expires)
	s.mu.Lock()
	s.passwords[password] = expires
	if s.issued == nil {
		s.issued = make(map[string]Issue)
	}
	s.issued[password] = Issue{AccessKeyID: call.AccessKeyID, Region: call.Region, Service: call.Service, Expires: expires}
	s.mu.Unlock()
	return base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + password)), expires
}

// newPassword returns a random password shaped like ECR's: base64 of a JSON
// document whose "expiration" is in Unix seconds, which is what
// ecr.SecretExpiry reads.
func newPassword(expires time.Time) string {
	doc, _ := json.Marshal(struct {
		Payload    string `json:"payload"`
		DataKey    string `json:"datakey"`
		Version    string `json:"version"`
		Type       string `json:"type"`
		Expiration int64  `json:"expiration"`
	}{
		Payload:    randomBase64(96),
		DataKey:    randomBase64(48),
		Version:    "2",
		Type:       "DATA_KEY",
		Expiration: expires.Unix(),
	}) // a struct of strings and an int always encodes
	return base64.StdEncoding.EncodeToString(doc)
}

// ValidPassword reports whether username and password are a registry
// credential this server issued that has not expired by the server's clock:
// the check a fake registry makes on HTTP basic auth.
func (s *Server) ValidPassword(username, password string) bool {
	if username != registryUser {
		return false
	}
	s.mu.Lock()
	expires, ok := s.passwords[password]
	s.mu.Unlock()
	return ok && s.now().Before(expires)
}

// Issue is whom and where a registry password was issued to.
type Issue struct {
	AccessKeyID string    // the key the GetAuthorizationToken call was signed with
	Region      string    // the region of that call
	Service     string    // ServiceECR or ServiceECRPublic
	Expires     time.Time // when the password stops being valid
}

// IssuedTo reports to whom this server issued password, so a test can
// tell a token handed to the wrong identity or region from the right one.
func (s *Server) IssuedTo(password string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.issued[password]
	return i, ok
}

func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// dnsSuffix is the DNS suffix of the AWS partition region is in.
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

func randomBase64(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	return base64.StdEncoding.EncodeToString(b)
}
