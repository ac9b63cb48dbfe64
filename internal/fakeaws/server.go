package fakeaws

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Service names as they appear in [Call.Service] and as the first argument of
// [Server.Count]. They are the services' SigV4 signing names.
const (
	ServiceECR       = "ecr"
	ServiceECRPublic = "ecr-public"
	ServiceSTS       = "sts"
)

// Defaults for the zero values of the Server's settings.
const (
	// DefaultAccount is the account ECR tokens and identities belong to when
	// Server.Account is empty: the example account of the AWS documentation.
	DefaultAccount = "111122223333"
	// DefaultTTL is how long a registry password lasts when Server.TTL is
	// zero: twelve hours, as with ECR.
	DefaultTTL = 12 * time.Hour
)

// Server is the fake: an http.Handler that answers ECR, ECR Public and STS.
// Create it with [New], set the exported fields, then serve it. The fields
// are read while serving and must not change once the first request may
// have arrived; to move time during a test, set Now to a function over a
// clock the test controls.
type Server struct {
	// Account is the 12-digit account of the registry ECR hands out tokens
	// for and of the IAM user behind unknown keys. Empty means
	// DefaultAccount.
	Account string

	// TTL is how long issued registry passwords stay valid. Zero means
	// DefaultTTL.
	TTL time.Duration

	// Now is the server's clock, used for token expiry, password validity
	// and STS credential expiry. Nil means time.Now.
	Now func() time.Time

	// Keys maps access key ids to their secret access keys. Requests signed
	// with a key listed here (or issued by this server's STS) must carry a
	// valid SigV4 signature; requests signed with any other key are accepted
	// unverified.
	Keys map[string]string

	// SSOTokens are the SSO access tokens GetRoleCredentials accepts; nil
	// or empty accepts any.
	SSOTokens map[string]bool

	// RoleMFA maps role ARNs to the MFA device serial their trust policy
	// requires: AssumeRole of such a role is refused (AccessDenied, as
	// AWS answers) unless it carries that SerialNumber and the TokenCode
	// MFACodes holds for it. Roles not listed need no MFA.
	RoleMFA map[string]string
	// MFACodes maps MFA device serials to the code each shows now.
	MFACodes map[string]string

	mu        sync.Mutex
	calls     []*Call // updated in place, under mu, when answered
	faults    map[string]*Fault
	passwords map[string]time.Time // issued password → expiry
	issued    map[string]Issue     // issued password → to whom; see IssuedTo
	sessions  map[string]session   // STS-issued access key id → session

	closed   bool
	done     chan struct{} // closed by Close to release hanging requests
	inflight int           // requests inside ServeHTTP
	drained  sync.Cond     // signalled, with mu, when inflight drops to 0
}

var _ http.Handler = (*Server)(nil)

// Call is one request the server received, as recorded for inspection.
type Call struct {
	// Service is ServiceECR, ServiceECRPublic or ServiceSTS, as told by the
	// request's X-Amz-Target or Action; empty for a request to no service
	// this fake knows.
	Service string
	// Action is the operation, such as "GetAuthorizationToken" or
	// "AssumeRole".
	Action string
	// Region and SigningService come from the SigV4 credential scope; both
	// are empty for an unsigned request.
	Region         string
	SigningService string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Verified reports that the signature was checked against a known
	// secret and matched. It is false for unsigned calls, for keys the
	// server does not know, and for calls refused for their signature.
	Verified bool
	// RoleARN is the role an STS call asked to assume or, for other calls,
	// the role of the STS-issued key the call was signed with.
	RoleARN string
	// RoleSessionName and WebIdentityToken are the STS request fields of
	// those names.
	RoleSessionName  string
	WebIdentityToken string
	// ExternalID, SerialNumber and TokenCode are AssumeRole's ExternalId,
	// SerialNumber and TokenCode fields.
	ExternalID   string
	SerialNumber string
	TokenCode    string
	// RegistryIDs is the registryIds field of an ECR GetAuthorizationToken.
	RegistryIDs []string
	// Status is the HTTP status the server answered. A call is recorded
	// before any Hang or Delay fault holds it, so Status is 0 while it
	// waits, and stays 0 if the client gives up first.
	Status int
	// ErrorCode is the AWS error code the server answered, empty for a
	// success or a call not answered.
	ErrorCode string
	// Time is when the call arrived, by the server's clock.
	Time time.Time
}

// session is a set of temporary credentials this server's STS issued.
type session struct {
	secret      string
	token       string
	expires     time.Time
	roleARN     string
	sessionName string
}

// New returns a Server with default settings and no faults.
func New() *Server {
	s := &Server{
		faults:    make(map[string]*Fault),
		passwords: make(map[string]time.Time),
		sessions:  make(map[string]session),
		done:      make(chan struct{}),
	}
	s.drained.L = &s.mu
	return s
}

// Start serves s on addr ("127.0.0.1:0" when empty, for a free loopback
// port) and returns the base URL to point the SDK at. stop closes s (see
// [Server.Close]) and then the listener and its connections, and returns
// when the server has stopped serving.
func (s *Server) Start(addr string) (baseURL string, stop func() error, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen for fake AWS on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop = func() error {
		s.Close()
		err := srv.Close()
		if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
			err = serveErr
		}
		if err != nil {
			return fmt.Errorf("stop fake AWS: %w", err)
		}
		return nil
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// Env returns the environment, as KEY=value lines, that points the AWS SDK's
// ECR, ECR Public, STS and SSO clients at a server reachable at baseURL and keeps
// the SDK away from the EC2 instance metadata service. Callers still choose
// the credentials and region.
func (s *Server) Env(baseURL string) []string {
	return []string{
		"AWS_ENDPOINT_URL_ECR=" + baseURL,
		"AWS_ENDPOINT_URL_ECR_PUBLIC=" + baseURL,
		"AWS_ENDPOINT_URL_STS=" + baseURL,
		"AWS_ENDPOINT_URL_SSO=" + baseURL,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Close releases every request hanging on a fault, makes later requests
// fail with 503 ServiceUnavailable, and returns once no request is inside
// the handler, so no goroutine of s outlives it. It is safe to call more
// than once.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	for s.inflight > 0 {
		s.drained.Wait()
	}
}

// Calls returns a copy of every call recorded since New or the last Reset,
// oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := make([]Call, len(s.calls))
	for i, c := range s.calls {
		calls[i] = *c
		calls[i].RegistryIDs = slices.Clone(c.RegistryIDs)
	}
	return calls
}

// Count reports how many calls of action on service were recorded since New
// or the last Reset, failed ones included. An empty service matches every
// service.
func (s *Server) Count(service, action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (service == "" || c.Service == service) && c.Action == action {
			n++
		}
	}
	return n
}

// Reset forgets the recorded calls. Faults, issued passwords and issued STS
// credentials stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// record appends c, unanswered, to the calls and returns the record to
// pass to answered.
func (s *Server) record(c Call) *Call {
	rec := &c
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, rec)
	return rec
}

// answered notes the answer to a recorded call. A record dropped by Reset
// meanwhile is updated harmlessly.
func (s *Server) answered(rec *Call, status int, errorCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status, rec.ErrorCode = status, errorCode
}

// enter admits a request unless s is closed; a true result must be paired
// with leave.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight++
	return true
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	if s.inflight == 0 {
		s.drained.Broadcast()
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) account() string {
	if s.Account != "" {
		return s.Account
	}
	return DefaultAccount
}

func (s *Server) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}
