package ecr

import (
	"errors"
	"strings"
)

// ErrNotECR reports a server URL that is not an ECR registry. The helper
// answers such hosts with the protocol's not-found error, so docker carries
// on with whatever else it has.
var ErrNotECR = errors.New("not an ECR registry")

// ErrNoCredentials reports that no AWS credentials could be found at all.
// For ECR Public that is not a failure: anonymous pulls work, so the helper
// answers not-found and docker pulls anonymously.
var ErrNoCredentials = errors.New("no AWS credentials found")

// ErrTimeout reports that ECRLOGIN_TIMEOUT passed before an answer came.
var ErrTimeout = errors.New("timed out")

var errMalformedToken = errors.New("malformed ECR authorization token")

// Codes for failures that are ecrlogin's own rather than an AWS API's.
// They travel between the two binaries, so they are part of the fetch
// protocol: add, never rename.
const (
	CodeNoCredentials     = "NoCredentials"
	CodeSSOSessionExpired = "SSOSessionExpired"
	CodeTimeout           = "Timeout"
)

// Error is a failure to get a registry token, carrying what a person needs
// to act on it. It crosses the process boundary between `ecrlogin fetch`
// and the front as JSON, so it holds text, never a token or a secret.
type Error struct {
	Host    string `json:"host"`
	Code    string `json:"code,omitempty"`   // AWS error code (AccessDeniedException) or one of the Code* constants
	Message string `json:"message"`          // what went wrong, one line
	Source  string `json:"source,omitempty"` // the identity source, e.g. `profile "prod"`
	Hint    string `json:"hint,omitempty"`   // the next step, e.g. "run: aws sso login --profile prod"
}

// Error renders the one line the user sees:
//
//	ecrlogin: HOST: CODE: MESSAGE (SOURCE); HINT
//
// with empty parts left out.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ecrlogin: ")
	if e.Host != "" {
		b.WriteString(e.Host)
		b.WriteString(": ")
	}
	if e.Code != "" && e.Code != CodeNoCredentials && e.Code != CodeSSOSessionExpired && e.Code != CodeTimeout {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Source != "" {
		b.WriteString(" (")
		b.WriteString(e.Source)
		b.WriteString(")")
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return OneLine(b.String())
}

// Is lets errors.Is match an Error against the sentinel its code stands for,
// on either side of the process boundary.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNoCredentials:
		return e.Code == CodeNoCredentials
	case ErrTimeout:
		return e.Code == CodeTimeout
	}
	return false
}

// OneLine folds text onto one line: the protocol's error channel is a
// single line, and docker pastes it into what the user reads.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
