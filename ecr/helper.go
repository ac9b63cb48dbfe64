package ecr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
)

// DefaultLifetime is how long `docker login` credentials are served when
// the password does not say when it expires: ECR tokens live 12 hours.
const DefaultLifetime = 12 * time.Hour

// Fetcher gets a fresh registry token from ECR. The front's Fetcher runs
// `ecrlogin fetch` (fetchcmd.Client); ecrlogin's own runs the AWS SDK in
// process.
type Fetcher interface {
	Fetch(ctx context.Context, req FetchRequest) (Token, error)
}

// FetcherFunc adapts a function to a Fetcher, as http.HandlerFunc does a
// handler: for programs and tests that fetch some other way.
type FetcherFunc func(ctx context.Context, req FetchRequest) (Token, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, req FetchRequest) (Token, error) { return f(ctx, req) }

// FetchRequest asks for a token for one registry. It is what the front
// writes on `ecrlogin fetch`'s standard input, so it is never in argv.
type FetchRequest struct {
	ServerURL string    `json:"serverURL"`
	Selection Selection `json:"selection"`
	// Deadline is when the front stops waiting; the fetcher should give up
	// a little earlier so that its error, which says what it was waiting
	// for, is the one the user reads.
	Deadline time.Time `json:"deadline,omitzero"`
}

// Helper answers docker's credential requests for ECR registries: from
// credentials stored by `docker login`, from the disk cache, or by fetching
// a new token under a cross-process lock so that concurrent cold requests
// make one API call between them.
//
// A Helper is safe for concurrent use by multiple goroutines once built:
// Get, Store, Erase and List only read its fields, and the cache's lock
// excludes goroutines as well as processes, so concurrent cold Gets in one
// process make one API call too. Its Cache, Fetcher and Resolve must be
// safe for concurrent use as well (cache.Cache, fetch.Fetcher,
// fetchcmd.Client and the engine's are).
type Helper struct {
	// Cache opens the disk cache on first use, so that a host that is not
	// ECR never touches the disk. Nil, or a nil result, runs uncached.
	Cache   func() *cache.Cache
	Fetcher Fetcher
	// Resolve maps the server URL docker sent to the ECR registry that
	// serves it and the identity selection for it: the host rules, then
	// the per-registry configuration (aliases, profiles, roles). It
	// returns an error wrapping ErrNotECR for a host that is neither ECR
	// nor a configured alias. Nil uses ParseHost and the default chain.
	//
	// The identity itself is read from the process environment and the
	// AWS files it names (see ResolveIdentity), never from a copy: that
	// is what the AWS SDK will read when it fetches, in this process or
	// in `ecrlogin fetch`, which inherits this environment.
	Resolve func(serverURL string) (Registry, Selection, error)
	Log     *slog.Logger // nil discards
	Warn    io.Writer    // where the stale-token warning goes (stderr); nil logs it instead
	Now     func() time.Time
}

// Get returns the credentials for a registry host. A host that is not ECR
// gets an error wrapping ErrNotECR, without any I/O.
func (h *Helper) Get(ctx context.Context, serverURL string) (Token, error) {
	reg, sel, err := h.resolve(serverURL)
	if err != nil {
		return Token{}, err
	}
	now := h.now()

	// The hits below log only when asked to: the arguments of a discarded
	// Debug call are still built, and this is the path every pull takes.
	debug := h.log().Enabled(ctx, slog.LevelDebug)

	// Credentials from `docker login` win for their host, whoever the
	// current AWS identity is: that is what the user asked for.
	if e, err := h.cache().Get(storedKey(reg)); err == nil && e.Usable(now) {
		if debug {
			h.log().Debug("serving stored credentials", "host", reg.Host, "expires", e.ExpiresAt)
		}
		return tokenOf(e), nil
	}

	id := ResolveIdentity(sel)
	key := tokenKey(reg, id)
	if e, err := h.cache().Get(key); err == nil && e.Fresh(now) {
		if debug {
			h.log().Debug("cache hit", "host", reg.Host, "identity", id.Source, "expires", e.ExpiresAt, "notFound", e.NotFound)
		}
		return served(reg, id, e)
	}

	if NeedsMFA(sel) {
		// A person may be typing an MFA code: give them MFAWait, counted
		// from before the lock, so that a second get waits on it for the
		// first one's token instead of prompting again.
		var cancel context.CancelFunc
		ctx, cancel = WithDeadlineAtLeast(ctx, time.Now().Add(MFAWait))
		defer cancel()
	}
	unlock, settled, err := h.cache().LockOrFresh(ctx, key)
	if err != nil {
		return Token{}, h.waitError(ctx, reg, "the cache lock held by another ecrlogin process", err)
	}
	if settled != nil {
		if settled.Failure == nil {
			h.log().Debug("cache hit while waiting for the lock", "host", reg.Host)
			return served(reg, id, *settled)
		}
		// The fetch we waited for failed a moment ago. Its failure is
		// ours: one more call would most likely fail the same way, and N
		// waiters retrying in turn is how a misconfigured role turns a
		// CI fan-out into throttling.
		h.log().Debug("sharing the failure of the fetch waited for", "host", reg.Host, "code", settled.Failure.Code)
		return h.refreshFailed(reg, *settled, true, sharedError(reg, settled.Failure))
	}
	defer unlock()

	// Another process may have fetched just before we took the lock.
	cached, cerr := h.cache().Get(key)
	if cerr == nil && cached.Fresh(h.now()) {
		h.log().Debug("cache hit after lock", "host", reg.Host)
		return served(reg, id, cached)
	}

	requested := h.now()
	tok, err := h.Fetcher.Fetch(ctx, FetchRequest{ServerURL: reg.Host, Selection: sel, Deadline: deadline(ctx)})
	if err != nil {
		if reg.Public && errors.Is(err, ErrNoCredentials) {
			// Anonymous pulls from ECR Public work, and nothing will change
			// that answer until the identity does (a new fingerprint, so a
			// new key): remember it, so later pulls do not pay for the
			// fetch and a fruitless IMDS probe each time.
			h.putNotFound(key, reg, requested)
			return Token{}, err
		}
		h.shareFailure(ctx, key, err)
		return h.refreshFailed(reg, cached, cerr == nil, err)
	}
	if !tok.ExpiresAt.After(requested.Add(cache.MinRemaining)) {
		return Token{}, &Error{Host: reg.Host, Message: fmt.Sprintf("ECR returned a token that expires at %s, too soon to use; check the system clock", tok.ExpiresAt.UTC().Format(time.RFC3339)), Source: id.Source}
	}
	if limit := requested.Add(MaxTokenLifetime); tok.ExpiresAt.After(limit) {
		// ECR tokens live 12 hours. A later expiry is a clock far behind
		// ECR's or a garbled answer; either way, serving the token past
		// 12 hours would hand docker one that ECR has stopped accepting.
		h.log().Debug("clamping the token's expiry", "host", reg.Host, "expires", tok.ExpiresAt, "limit", limit)
		tok.ExpiresAt = limit
	}
	h.log().Info("fetched token", "host", reg.Host, "identity", id.Source, "expires", tok.ExpiresAt)
	err = h.cache().Put(key, cache.Entry{
		ServerURL: reg.Host,
		Username:  tok.Username,
		Secret:    tok.Secret,
		FetchedAt: requested,
		ExpiresAt: tok.ExpiresAt,
	})
	if err != nil {
		// The cache has logged why (once, as a warning); the token is
		// served all the same.
		h.log().Debug("could not cache the token", "host", reg.Host, "err", err)
	}
	return tok, nil
}

// Store keeps credentials given by `docker login` for an ECR host and
// serves them until they expire or are erased. The expiry comes from the
// password when it carries one, else DefaultLifetime.
func (h *Helper) Store(ctx context.Context, serverURL, username, secret string) error {
	reg, _, err := h.resolve(serverURL)
	if errors.Is(err, ErrNotECR) {
		// Not wrapped: docker login must read this line, not the
		// protocol's not-found that ErrNotECR turns into.
		return &Error{Host: printable(serverURL), Message: "ecrlogin stores credentials only for ECR registries"}
	}
	if err != nil {
		return err
	}
	if username == "" || secret == "" {
		return &Error{Host: reg.Host, Message: "username and password are both required"}
	}
	now := h.now()
	expires, ok := SecretExpiry(secret)
	if !ok || expires.After(now.Add(DefaultLifetime)) {
		expires = now.Add(DefaultLifetime)
	}
	if !expires.After(now.Add(cache.MinRemaining)) {
		return &Error{Host: reg.Host, Message: fmt.Sprintf("the password expired at %s; get a new one with: aws ecr get-login-password", expires.UTC().Format(time.RFC3339))}
	}
	if h.cache() == nil {
		return &Error{Host: reg.Host, Message: "the cache is disabled or unusable, so credentials cannot be stored", Hint: "see ECRLOGIN_CACHE_DIR in the README"}
	}
	err = h.cache().Put(storedKey(reg), cache.Entry{
		ServerURL: reg.Host,
		Username:  username,
		Secret:    secret,
		FetchedAt: now,
		ExpiresAt: expires,
		Stored:    true,
	})
	if err != nil {
		return &Error{Host: reg.Host, Message: "storing credentials: " + err.Error(), Err: err}
	}
	h.log().Info("stored credentials", "host", reg.Host, "expires", expires)
	return nil
}

// Erase forgets what is stored or cached for a host under the current
// identity. Nothing to forget is not an error, and neither is a host that
// is not ECR: nothing of it can be here.
func (h *Helper) Erase(ctx context.Context, serverURL string) error {
	reg, sel, err := h.resolve(serverURL)
	if errors.Is(err, ErrNotECR) {
		return nil
	}
	if err != nil {
		return err
	}
	id := ResolveIdentity(sel)
	for _, key := range []string{storedKey(reg), tokenKey(reg, id)} {
		if err := h.cache().Delete(key); err != nil {
			return &Error{Host: reg.Host, Message: "erasing credentials: " + err.Error(), Err: err}
		}
	}
	h.log().Info("erased credentials", "host", reg.Host)
	return nil
}

// List maps each registry host with unexpired credentials on this machine
// to its username. It reads local state only, never the network.
func (h *Helper) List(ctx context.Context) (map[string]string, error) {
	entries, err := h.cache().List()
	if err != nil {
		return nil, &Error{Message: "listing cached credentials: " + err.Error(), Err: err}
	}
	now := h.now()
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if e.ServerURL != "" && e.Usable(now) {
			out[e.ServerURL] = e.Username
		}
	}
	return out, nil
}

// MaxTokenLifetime is the longest a fetched token is served: ECR's
// tokens live 12 hours, so an expiry reported later than that after the
// request is clamped to it.
const MaxTokenLifetime = 12 * time.Hour

// refreshFailed answers a get whose refresh failed with err: the cached
// token, with a warning, if there is one still usable (stale-if-error),
// else err. ok says whether cached was read at all.
func (h *Helper) refreshFailed(reg Registry, cached cache.Entry, ok bool, err error) (Token, error) {
	if ok && !cached.NotFound && cached.Secret != "" && cached.Usable(h.now()) {
		h.warnf("ecrlogin: warning: %s: could not refresh the token, serving the cached one (valid until %s): %v",
			reg.Host, cached.ExpiresAt.Local().Format(time.RFC3339), err)
		return tokenOf(cached), nil
	}
	return Token{}, err
}

// shareFailure records a failed fetch for the processes waiting on the
// lock we hold, so that they answer with it instead of each calling ECR
// in turn (see cache.LockOrFresh). Only an answer is shared: a timeout or
// a cancellation is this process's own deadline, not ECR's verdict, and
// the waiters have deadlines of their own.
func (h *Helper) shareFailure(ctx context.Context, key string, err error) {
	var e *Error
	if ctx.Err() != nil || !errors.As(err, &e) || e.Code == CodeTimeout ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return
	}
	f := cache.Failure{Code: e.Code, Message: e.Message, Source: e.Source, Hint: e.Hint}
	if err := h.cache().PutFailure(key, f); err != nil {
		h.log().Debug("could not share the failure", "err", err)
	}
}

// sharedError is the error a waiter answers with for a failure the lock
// holder shared: the holder's, for this waiter's host.
func sharedError(reg Registry, f *cache.Failure) error {
	return &Error{Host: reg.Host, Code: f.Code, Message: f.Message, Source: f.Source, Hint: f.Hint}
}

// storedKey and tokenKey are the two kinds of cache entry. Stored
// credentials belong to a host; fetched tokens belong to an identity in a
// region (one token serves every account that identity can reach there),
// and to the API flavour and endpoint variant that issued them.
func storedKey(reg Registry) string {
	return cache.Key("stored", reg.Host)
}

func tokenKey(reg Registry, id Identity) string {
	service := "ecr"
	if reg.Public {
		service = "ecr-public"
	}
	return cache.Key("token", service, reg.Partition, reg.Region, endpointVariant(reg), id.Fingerprint)
}

// endpointVariant names the FIPS and dual-stack choice inside a token key;
// the spelling is part of every key, so it never changes.
func endpointVariant(reg Registry) string {
	switch {
	case reg.FIPS && reg.DualStack:
		return "fips=true,dualstack=true"
	case reg.FIPS:
		return "fips=true,dualstack=false"
	case reg.DualStack:
		return "fips=false,dualstack=true"
	}
	return "fips=false,dualstack=false"
}

// NotFoundLifetime is how long "no AWS credentials" is remembered for an
// ECR Public host: by the freshness rule, it is served for half of that.
const NotFoundLifetime = 20 * time.Minute

func (h *Helper) putNotFound(key string, reg Registry, now time.Time) {
	err := h.cache().Put(key, cache.Entry{ServerURL: reg.Host, FetchedAt: now, ExpiresAt: now.Add(NotFoundLifetime), NotFound: true})
	if err != nil {
		h.log().Debug("could not cache the anonymous answer", "host", reg.Host, "err", err)
	}
}

// served is what a cached entry answers: its credentials, or for a
// NotFound entry the error that found nothing.
func served(reg Registry, id Identity, e cache.Entry) (Token, error) {
	if e.NotFound {
		return Token{}, &Error{Host: reg.Host, Code: CodeNoCredentials, Message: "no AWS credentials found (remembered)", Source: id.Source}
	}
	return tokenOf(e), nil
}

func tokenOf(e cache.Entry) Token {
	return Token{Username: e.Username, Secret: e.Secret, ExpiresAt: e.ExpiresAt}
}

// waitError explains a wait that ended: a timeout says what it waited for.
func (h *Helper) waitError(ctx context.Context, reg Registry, what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Host: reg.Host, Code: CodeTimeout, Message: "timed out waiting for " + what, Hint: "raise ECRLOGIN_TIMEOUT if this machine is slow", Err: err}
	}
	return &Error{Host: reg.Host, Message: "gave up waiting for " + what + ": " + err.Error(), Err: err}
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

func (h *Helper) cache() *cache.Cache {
	if h.Cache == nil {
		return nil
	}
	return h.Cache()
}

func (h *Helper) resolve(serverURL string) (Registry, Selection, error) {
	if h.Resolve != nil {
		return h.Resolve(serverURL)
	}
	reg, err := ParseHost(serverURL)
	return reg, Selection{}, err
}

func (h *Helper) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Helper) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return discard
}

var discard = slog.New(slog.DiscardHandler)

func (h *Helper) warnf(format string, args ...any) {
	line := OneLine(fmt.Sprintf(format, args...))
	if h.Warn != nil {
		fmt.Fprintln(h.Warn, line)
		return
	}
	h.log().Warn(line)
}

// printable shortens and cleans untrusted input before it goes into an
// error message.
func printable(s string) string {
	const max = 256
	if len(s) > max {
		s = s[:max] + "..."
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
