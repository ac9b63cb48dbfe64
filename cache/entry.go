package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// MinRemaining is the least validity a served token must have left. A token
// handed to docker may be used for a long pull or push; one that expires
// within minutes would fail it half way.
const MinRemaining = 5 * time.Minute

// Entry is one cached registry credential.
//
// Times are stored with millisecond precision (truncated) and without a
// monotonic clock reading, so an Entry read back compares by wall clock.
type Entry struct {
	ServerURL string    // the registry host the entry was fetched or stored for (list shows it)
	Username  string    // what docker sends as the basic-auth user
	Secret    string    // the basic-auth password; never logged
	FetchedAt time.Time // local clock when the token was requested, not when it arrived
	ExpiresAt time.Time // when the registry stops accepting the token
	Stored    bool      // came from `docker login` (store), not from a fetch
	// NotFound records that the lookup found nothing to serve (for ECR
	// Public with no AWS credentials at all: pull anonymously), so that
	// the next lookups need not ask again while the entry is fresh. Such
	// an entry has no credentials and List leaves it out.
	NotFound bool
	// Failure, if set, records that the latest refresh of this key failed
	// (see Failure). It rides along with the previous token, if there was
	// one, so that a failed refresh never loses a token still worth
	// serving; an entry that only records a failure has no credentials,
	// is never Fresh or Usable, and List leaves it out.
	Failure *Failure
}

// FailureLifetime bounds how long a recorded failure is shared: a refresh
// that starts later than this after the failure tries again, so a fixed
// IAM policy takes effect on the next pull.
const FailureLifetime = 5 * time.Second

// Failure is a refresh that failed, recorded by the lock holder that made
// it (see Cache.PutFailure) so that the processes already waiting on the
// lock take it as their own answer instead of each trying again in turn.
// Its text fields are the caller's, opaque to this package, and are
// written to disk: never put a secret in them.
type Failure struct {
	At      time.Time // when the refresh failed; set by PutFailure if zero
	Code    string    // a machine-readable code, e.g. an API error code
	Message string    // what went wrong, one line
	Source  string    // who tried, e.g. the identity that was refused
	Hint    string    // the next step for a person
}

// sharedWith reports whether e records a failure that a waiter which
// started waiting at since may take as its own at now: recorded no
// earlier than since (by the holder it was waiting for, not one before
// it) and no more than FailureLifetime from now. since is compared at the
// millisecond precision the entry is stored with.
func (e Entry) sharedWith(since, now time.Time) bool {
	f := e.Failure
	if f == nil || f.At.Before(time.UnixMilli(since.UnixMilli())) {
		return false
	}
	age := now.Sub(f.At)
	return -FailureLifetime <= age && age <= FailureLifetime
}

// Usable reports whether the entry may still be served at now, when a
// refresh has failed: it has at least MinRemaining of validity left. An
// entry with a zero ExpiresAt is never usable.
func (e Entry) Usable(now time.Time) bool {
	return !e.ExpiresAt.IsZero() && e.ExpiresAt.Sub(now) >= MinRemaining
}

// Fresh reports whether the entry should be served at now without trying to
// refresh it: it is Usable and at least half its lifetime
// (ExpiresAt-FetchedAt) is left, so a token is renewed well before it
// expires, while a failed renewal still leaves time to serve the old one.
//
// An entry is never fresh if FetchedAt is zero, if its lifetime is zero or
// negative (ExpiresAt not after FetchedAt: a clock far ahead of the
// registry's), or if now is before FetchedAt: the clock has gone back since
// the fetch, so the elapsed time cannot be known and a refresh resets it.
func (e Entry) Fresh(now time.Time) bool {
	if !e.Usable(now) || e.FetchedAt.IsZero() || now.Before(e.FetchedAt) || !e.ExpiresAt.After(e.FetchedAt) {
		return false
	}
	// remaining >= lifetime/2, written without the division (which would
	// round) and without adding durations (which could overflow):
	// lifetime = elapsed + remaining, so the test is elapsed <= remaining.
	return now.Sub(e.FetchedAt) <= e.ExpiresAt.Sub(now)
}

// Key derives a cache key from the parts that identify a credential. The
// key is the hex SHA-256 of the parts, each prefixed with its length, so
// distinct part lists never share a key (Key("ab", "c") != Key("a", "bc"))
// and the file name reveals none of them (an access key id, say). Keys are
// 64 characters from [0-9a-f], safe as file names everywhere.
func Key(parts ...string) string {
	// Sized so the usual few short parts hash without a heap allocation.
	buf := make([]byte, 0, 256)
	for _, p := range parts {
		buf = binary.AppendUvarint(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
