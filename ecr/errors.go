package ecr

import (
	"errors"
	"strings"
)

// ErrNotECR reports a server URL that is not an ECR registry (nor an alias
// the per-registry configuration names). The helper answers such hosts
// with the protocol's not-found error, so docker carries on with whatever
// else it has; a keychain falls through to the next one.
var ErrNotECR = errors.New("not an ECR registry")

// Sentinels for the failures callers tell apart. An *Error matches the one
// its Code stands for (see codes), on either side of the process boundary
// between `ecrlogin fetch` and the front.
var (
	// ErrNoCredentials reports that no AWS credentials could be found at
	// all. For ECR Public that is not a failure: anonymous pulls work, so
	// the helper answers not-found and docker pulls anonymously.
	ErrNoCredentials = errors.New("no AWS credentials found")
	// ErrSSOSessionExpired reports an AWS SSO (IAM Identity Center) token
	// that is missing, expired or refused: `aws sso login` fixes it.
	ErrSSOSessionExpired = errors.New("SSO session expired")
	// ErrAccessDenied reports that AWS refused the identity the call it
	// made (GetAuthorizationToken, AssumeRole, ...).
	ErrAccessDenied = errors.New("access denied")
	// ErrThrottled reports that AWS throttled the calls and retries did
	// not get through.
	ErrThrottled = errors.New("throttled")
	// ErrTimeout reports that ECRLOGIN_TIMEOUT (or the caller's deadline)
	// passed before an answer came.
	ErrTimeout = errors.New("timed out")
)

var errMalformedToken = errors.New("malformed ECR authorization token")

// Codes for failures that are ecrlogin's own rather than an AWS API's.
// They travel between the two binaries, so they are part of the fetch
// protocol: add, never rename.
const (
	CodeNoCredentials     = "NoCredentials"
	CodeSSOSessionExpired = "SSOSessionExpired"
	CodeTimeout           = "Timeout"
)

// codes maps each error code to the sentinel it stands for, and says
// whether the code is shown to people: AWS's codes are (they are what one
// searches for), ecrlogin's own are not (the message says it better).
// This table is the one place that mapping lives.
var codes = map[string]struct {
	sentinel error
	shown    bool
}{
	CodeNoCredentials:     {ErrNoCredentials, false},
	CodeSSOSessionExpired: {ErrSSOSessionExpired, false},
	CodeTimeout:           {ErrTimeout, false},
	CodeMFARequired:       {ErrMFARequired, false},

	"AccessDeniedException":     {ErrAccessDenied, true}, // ECR, ECR Public
	"AccessDenied":              {ErrAccessDenied, true}, // STS
	"ThrottlingException":       {ErrThrottled, true},
	"Throttling":                {ErrThrottled, true}, // STS
	"TooManyRequestsException":  {ErrThrottled, true}, // SSO
	"RequestLimitExceeded":      {ErrThrottled, true},
	"UnauthorizedException":     {ErrSSOSessionExpired, true}, // SSO GetRoleCredentials
	"ExpiredTokenException":     {nil, true},
	"InvalidClientTokenId":      {nil, true},
	"SignatureDoesNotMatch":     {nil, true},
	"InvalidSignatureException": {nil, true},
}

// Error is a failure to get a registry token, carrying what a person needs
// to act on it. It crosses the process boundary between `ecrlogin fetch`
// and the front as JSON, so its fields hold text, never a token or a
// secret; the cause (Err) stays in the process that saw it, and Code
// stands for it across the boundary.
type Error struct {
	Host    string `json:"host"`
	Code    string `json:"code,omitempty"`   // AWS error code (AccessDeniedException) or one of the Code* constants
	Message string `json:"message"`          // what went wrong, one line
	Source  string `json:"source,omitempty"` // the identity source, e.g. `profile "prod"`
	Hint    string `json:"hint,omitempty"`   // the next step, e.g. "run: aws sso login --profile prod"
	// Err is the underlying error (a smithy.APIError, an fs.PathError,
	// a context error), for errors.As and errors.Is in process.
	Err error `json:"-"`
}

// Error renders the one line a person reads:
//
//	HOST: CODE: MESSAGE (SOURCE); HINT
//
// with empty parts left out. The program name is not part of it: the
// process boundary adds "ecrlogin: " once, where the line is printed.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Host != "" {
		b.WriteString(e.Host)
		b.WriteString(": ")
	}
	if c, known := codes[e.Code]; e.Code != "" && (!known || c.shown) {
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

// Unwrap returns the cause, nil once the error has crossed the process
// boundary.
func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is match an Error against the sentinel its Code stands
// for, so callers on either side of the process boundary test the same
// way.
func (e *Error) Is(target error) bool {
	c, ok := codes[e.Code]
	return ok && c.sentinel != nil && c.sentinel == target
}

// OneLine folds text onto one line: the protocol's error channel is a
// single line, and docker pastes it into what the user reads.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Prefix is what the process boundary puts before an error line.
const Prefix = "ecrlogin: "

// Line renders err as the one line a process prints for it: Prefix, then
// the error, folded onto one line. It is used once, where the line is
// written, so the prefix never appears twice.
func Line(err error) string {
	return Prefix + OneLine(err.Error())
}
