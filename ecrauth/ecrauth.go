package ecrauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
)

// DefaultTimeout bounds one call of Get or GetContext when
// Options.Timeout is zero: the binaries' default ECRLOGIN_TIMEOUT.
const DefaultTimeout = 30 * time.Second

// The conditions callers tell apart, re-exported from package ecr so that
// one import is enough. Match them with errors.Is.
var (
	// ErrNotECR: the host is neither ECR nor ECR Public. Nothing was
	// looked up; a keychain should fall through to the next one.
	ErrNotECR = ecr.ErrNotECR
	// ErrNoCredentials: no AWS credentials could be found. For an ECR
	// Public host that is not a failure: pull anonymously.
	ErrNoCredentials = ecr.ErrNoCredentials
	// ErrSSOSessionExpired: `aws sso login` is needed.
	ErrSSOSessionExpired = ecr.ErrSSOSessionExpired
	// ErrAccessDenied: AWS refused a call made as the identity
	// (GetAuthorizationToken, AssumeRole, ...).
	ErrAccessDenied = ecr.ErrAccessDenied
	// ErrThrottled: AWS throttled the calls and retries did not get
	// through.
	ErrThrottled = ecr.ErrThrottled
	// ErrTimeout: the deadline (Options.Timeout or the caller's context)
	// passed before an answer came.
	ErrTimeout = ecr.ErrTimeout
)

// Error is a failure to get a registry token: the host, the AWS error
// code when there is one, a message, the identity source and a hint, and
// (through Unwrap) the cause, such as a smithy.APIError from the AWS SDK.
// Its Error method renders one line for people.
type Error = ecr.Error

// Token is a registry credential and when it expires. For ECR the
// username is always "AWS".
type Token = ecr.Token

// Options says how a Helper finds its identity and where it keeps tokens.
// The zero Options behaves like the binaries in the same environment, and
// shares their cache.
type Options struct {
	// Profile is the AWS shared-config profile whose credentials are
	// used, instead of the one AWS_PROFILE names. It is part of the cache
	// key, as the identity it selects is; the binaries share such entries
	// only when they select the same profile the same way (per-registry
	// configuration, not AWS_PROFILE).
	Profile string

	// AWSConfig, when set, supplies the credentials: its Credentials
	// provider signs every GetAuthorizationToken call, in place of the
	// default credential chain. Only Credentials is used; the region
	// comes from the registry host and the endpoints from the
	// environment, as for the binaries. It cannot be combined with
	// Profile.
	//
	// A Helper built with AWSConfig runs without the disk cache, whatever
	// CacheDir says: a cache entry is keyed by the identity the
	// environment and the AWS config files select, and an injected
	// provider's principal is invisible to that, so a cached token could
	// be served to a program (or a binary) running as someone else, or
	// the reverse. Every Get then calls ECR; keep the token as long as
	// you need it, or use Profile or the environment to get the cache.
	AWSConfig *aws.Config

	// CacheDir is the cache directory. Empty means the binaries' rules
	// (ECRLOGIN_CACHE_DIR, AWS_ECR_CACHE_DIR, XDG_CACHE_HOME, the home
	// directory; ECRLOGIN_NO_CACHE disables it), so tokens are shared
	// with them. A directory that cannot be used (wrong owner, too open,
	// read-only) is not an error: the Helper runs uncached and logs why.
	CacheDir string
	// NoCache runs without the disk cache: every Get calls ECR.
	NoCache bool

	// ConfigFile is the per-registry configuration file (aliases,
	// profiles and roles per registry; see the README). Empty means the
	// binaries' file (ECRLOGIN_CONFIG, else the system's location), so a
	// program resolves registries exactly as docker-credential-ecrlogin
	// does. A missing file is no mappings; a bad one makes every Get fail
	// with an error naming the file, the line and the key.
	ConfigFile string

	// Logger receives the Helper's log lines (fetches, cache decisions,
	// a stale token served). Tokens and secrets are never logged. Nil
	// discards them.
	Logger *slog.Logger

	// Now is the clock that decides freshness; nil means time.Now. It
	// does not move deadlines, which run on real time.
	Now func() time.Time

	// Timeout bounds each Get, GetContext and Token call: credentials, the
	// cache lock and the API calls. Zero means DefaultTimeout. A
	// context's own earlier deadline wins.
	Timeout time.Duration
}

// Helper gets ECR registry credentials. Build it with New (a zero Helper
// answers every call with an error); it is safe for
// concurrent use by multiple goroutines, and cold calls for one registry
// and identity make one API call between them.
type Helper struct {
	eng *engine.Engine
}

// errNotBuilt answers a Helper that New did not build (a zero value), which
// has no cache and no fetcher to use.
var errNotBuilt = errors.New("ecrauth: the Helper was not built with ecrauth.New")

// New builds a Helper. It does no I/O: the cache directory is opened by
// the first Get for an ECR host. Its errors are options that cannot work
// together, or that this version does not support.
func New(o Options) (*Helper, error) {
	switch {
	case o.AWSConfig != nil && o.Profile != "":
		return nil, errors.New("ecrauth: set Profile or AWSConfig, not both: the credentials would come from AWSConfig alone")
	case o.AWSConfig != nil && o.AWSConfig.Credentials == nil:
		return nil, errors.New("ecrauth: AWSConfig has no Credentials")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	f := &fetch.Fetcher{Log: log}
	if o.AWSConfig != nil {
		creds := o.AWSConfig.Credentials
		f.Credentials = func(aws.Config) aws.CredentialsProvider { return creds }
	}
	// Logger and Timeout are always given, so the engine reads only the
	// cache location from the environment: ECRLOGIN_LOG and
	// ECRLOGIN_TIMEOUT are the binaries' business, and a bad value of
	// either must not break a program that never set them.
	eng, err := engine.New(engine.Options{
		Fetcher:    f,
		Now:        o.Now,
		Logger:     log,
		Timeout:    timeout,
		CacheDir:   o.CacheDir,
		NoCache:    o.NoCache || o.AWSConfig != nil,
		ConfigFile: o.ConfigFile,
	})
	if err != nil {
		return nil, fmt.Errorf("ecrauth: %w", err)
	}
	if o.Profile != "" {
		eng.Helper.Resolve = withProfile(eng.Helper.Resolve, o.Profile)
	}
	return &Helper{eng: eng}, nil
}

// withProfile makes profile the default for every registry whose
// per-registry mapping names none, as AWS_PROFILE is for the binaries: a
// mapping's profile wins, and whatever else next (the host rules, the
// mapping) decides is kept.
func withProfile(next func(string) (ecr.Registry, ecr.Selection, error), profile string) func(string) (ecr.Registry, ecr.Selection, error) {
	if next == nil {
		next = func(serverURL string) (ecr.Registry, ecr.Selection, error) {
			reg, err := ecr.ParseHost(serverURL)
			return reg, ecr.Selection{}, err
		}
	}
	return func(serverURL string) (ecr.Registry, ecr.Selection, error) {
		reg, sel, err := next(serverURL)
		if sel.Profile == "" {
			sel.Profile = profile
		}
		return reg, sel, err
	}
}

// Get returns the username and password for the registry at serverURL (a
// host, or a URL naming one), within Options.Timeout. It has the shape of
// go-containerregistry's authn.Helper; see the package documentation for
// what that wrapper does with its errors.
func (h *Helper) Get(serverURL string) (username, secret string, err error) {
	return h.GetContext(context.Background(), serverURL)
}

// GetContext is Get under ctx: the call ends when ctx does, or after
// Options.Timeout, whichever comes first.
func (h *Helper) GetContext(ctx context.Context, serverURL string) (username, secret string, err error) {
	tok, err := h.Token(ctx, serverURL)
	return tok.Username, tok.Secret, err
}

// Token is GetContext with the token's expiry, for programs that hand
// the credentials on and need to know for how long they hold.
func (h *Helper) Token(ctx context.Context, serverURL string) (Token, error) {
	if h == nil || h.eng == nil {
		return Token{}, errNotBuilt
	}
	ctx, cancel := h.eng.Context(ctx)
	defer cancel()
	return h.eng.Helper.Get(ctx, serverURL)
}
