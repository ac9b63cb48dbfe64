package ecr

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Token is a registry credential: what docker sends as HTTP basic auth to
// the registry. For ECR the username is always "AWS" and the secret is the
// password half of GetAuthorizationToken's authorizationToken.
type Token struct {
	Username  string    `json:"username"`
	Secret    string    `json:"secret"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// DecodeAuthorizationToken splits ECR's authorizationToken, which is
// base64("user:password"), into a Token that expires at expiresAt.
func DecodeAuthorizationToken(authorizationToken string, expiresAt time.Time) (Token, error) {
	raw, err := base64.StdEncoding.DecodeString(authorizationToken)
	if err != nil {
		return Token{}, errMalformedToken
	}
	user, secret, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || secret == "" {
		return Token{}, errMalformedToken
	}
	return Token{Username: user, Secret: secret, ExpiresAt: expiresAt}, nil
}

// SecretExpiry reports when an ECR registry password expires, read from the
// password itself: ECR passwords are base64 of a JSON document whose
// "expiration" field is a Unix time in seconds. It is how `docker login`
// credentials, which arrive without an expiry, get one. ok is false for a
// secret that is not shaped like that.
func SecretExpiry(secret string) (expiresAt time.Time, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(secret); err != nil {
			return time.Time{}, false
		}
	}
	var doc struct {
		Expiration *int64 `json:"expiration"`
	}
	if json.Unmarshal(raw, &doc) != nil || doc.Expiration == nil || *doc.Expiration <= 0 {
		return time.Time{}, false
	}
	return time.Unix(*doc.Expiration, 0), true
}
