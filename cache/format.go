package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The on-disk entry format. One JSON object per file, followed by a
// newline:
//
//	{"v":1,"server":"…","user":"AWS","secret":"…","fetched_ms":1700000000000,"expires_ms":1700043200000,"stored":true}
//
// or, for an Entry that records nothing found, {"v":1,…,"not_found":true}
// with no secret. An Entry with a Failure adds "failed_ms" and the
// failure's text in "fail_code", "fail_message", "fail_source" and
// "fail_hint", with or without a secret. These fields are optional within
// version 1: a binary that predates them ignores them (unknown fields are
// ignored) and reads the token beside them as before.
//
// v is the format version; a file with any other version is a miss, so a
// future format can change freely and an older binary just refetches.
// Times are Unix milliseconds: cheap to parse, unambiguous, and able to
// represent the zero time.Time. Unknown fields are ignored.
const formatVersion = 1

// maxEntrySize bounds what Get reads, so that a huge or endless file in the
// cache directory is a miss rather than an out-of-memory crash, and what Put
// writes, so that everything Put writes can be read back. Real entries are
// a few KiB.
const maxEntrySize = 64 << 10

// record is an Entry as stored.
type record struct {
	V         int    `json:"v"`
	ServerURL string `json:"server,omitempty"`
	Username  string `json:"user,omitempty"`
	Secret    string `json:"secret"`
	FetchedAt int64  `json:"fetched_ms"`
	ExpiresAt int64  `json:"expires_ms"`
	Stored    bool   `json:"stored,omitempty"`
	NotFound  bool   `json:"not_found,omitempty"`
	// FailedAt is positive exactly when the entry has a Failure.
	FailedAt    int64  `json:"failed_ms,omitempty"`
	FailCode    string `json:"fail_code,omitempty"`
	FailMessage string `json:"fail_message,omitempty"`
	FailSource  string `json:"fail_source,omitempty"`
	FailHint    string `json:"fail_hint,omitempty"`
}

var (
	errEntryTooLarge = errors.New("entry too large")
	errNoSecret      = errors.New("entry has no secret")
	errNotFoundCreds = errors.New("a not-found entry holds credentials")
)

// encodeEntry renders e in the file format, newline-terminated. The
// encoder escapes control characters inside strings, so the final newline
// is the only one in the file; readEntry relies on that.
func encodeEntry(e Entry) ([]byte, error) {
	switch {
	case e.NotFound && (e.Secret != "" || e.Username != ""):
		return nil, errNotFoundCreds
	case !e.NotFound && e.Failure == nil && e.Secret == "":
		return nil, errNoSecret
	}
	r := record{
		V:         formatVersion,
		ServerURL: e.ServerURL,
		Username:  e.Username,
		Secret:    e.Secret,
		FetchedAt: e.FetchedAt.UnixMilli(),
		ExpiresAt: e.ExpiresAt.UnixMilli(),
		Stored:    e.Stored,
		NotFound:  e.NotFound,
	}
	if f := e.Failure; f != nil {
		// Zero would read back as no failure; the millisecond after the
		// epoch is as old, for every purpose, as the epoch.
		r.FailedAt = max(f.At.UnixMilli(), 1)
		r.FailCode, r.FailMessage, r.FailSource, r.FailHint = f.Code, f.Message, f.Source, f.Hint
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode entry: %w", err)
	}
	data = append(data, '\n')
	if len(data) > maxEntrySize {
		return nil, fmt.Errorf("encode entry: %w: %d bytes, limit %d", errEntryTooLarge, len(data), maxEntrySize)
	}
	return data, nil
}

// decodeEntry parses a file's contents. Every way the contents can be
// wrong (not JSON, truncated, another version, wrong field types, no
// secret) is an error wrapping ErrMiss.
func decodeEntry(data []byte) (Entry, error) {
	r, ok := decodeRecord(data)
	if !ok {
		r = record{}
		if err := json.Unmarshal(data, &r); err != nil {
			return Entry{}, fmt.Errorf("%w: %w", ErrMiss, err)
		}
	}
	if r.V != formatVersion {
		return Entry{}, fmt.Errorf("%w: format version %d, want %d", ErrMiss, r.V, formatVersion)
	}
	switch {
	case r.NotFound && (r.Secret != "" || r.Username != ""):
		return Entry{}, fmt.Errorf("%w: %w", ErrMiss, errNotFoundCreds)
	case !r.NotFound && r.FailedAt <= 0 && r.Secret == "":
		return Entry{}, fmt.Errorf("%w: %w", ErrMiss, errNoSecret)
	}
	var failure *Failure
	if r.FailedAt > 0 { // the fail_ text means nothing without a time
		failure = &Failure{At: time.UnixMilli(r.FailedAt), Code: r.FailCode, Message: r.FailMessage, Source: r.FailSource, Hint: r.FailHint}
	}
	return Entry{
		ServerURL: r.ServerURL,
		Username:  r.Username,
		Secret:    r.Secret,
		FetchedAt: time.UnixMilli(r.FetchedAt),
		ExpiresAt: time.UnixMilli(r.ExpiresAt),
		Stored:    r.Stored,
		NotFound:  r.NotFound,
		Failure:   failure,
	}, nil
}

// decodeRecord parses what encodeEntry writes, without the reflection
// json.Unmarshal costs a fresh process on every hit. It takes only an
// object of known keys whose strings are printable ASCII without escapes;
// ok is false for anything else, and then json.Unmarshal decides.
func decodeRecord(data []byte) (r record, ok bool) {
	p := entryParser{data: data}
	if !p.skip('{') {
		return r, false
	}
	for i := 0; !p.skip('}'); i++ {
		if i > 0 && !p.skip(',') {
			return r, false
		}
		key, ok := p.str()
		if !ok || !p.skip(':') {
			return r, false
		}
		switch key {
		case "v":
			var v int64
			v, ok = p.int()
			r.V = int(v)
		case "server":
			r.ServerURL, ok = p.str()
		case "user":
			r.Username, ok = p.str()
		case "secret":
			r.Secret, ok = p.str()
		case "fetched_ms":
			r.FetchedAt, ok = p.int()
		case "expires_ms":
			r.ExpiresAt, ok = p.int()
		case "stored":
			r.Stored, ok = p.bool()
		case "not_found":
			r.NotFound, ok = p.bool()
		case "failed_ms":
			r.FailedAt, ok = p.int()
		case "fail_code":
			r.FailCode, ok = p.str()
		case "fail_message":
			r.FailMessage, ok = p.str()
		case "fail_source":
			r.FailSource, ok = p.str()
		case "fail_hint":
			r.FailHint, ok = p.str()
		default:
			ok = false
		}
		if !ok {
			return r, false
		}
	}
	p.space()
	return r, p.i == len(p.data)
}

type entryParser struct {
	data []byte
	i    int
}

func (p *entryParser) space() {
	for p.i < len(p.data) && strings.IndexByte(" \t\r\n", p.data[p.i]) >= 0 {
		p.i++
	}
}

// skip consumes b, after any space, if it is next.
func (p *entryParser) skip(b byte) bool {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == b {
		p.i++
		return true
	}
	return false
}

func (p *entryParser) str() (string, bool) {
	if !p.skip('"') {
		return "", false
	}
	start := p.i
	for ; p.i < len(p.data); p.i++ {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return string(p.data[start : p.i-1]), true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
	}
	return "", false
}

// int takes a JSON integer that fits int64 (no fraction, no exponent).
func (p *entryParser) int() (int64, bool) {
	p.space()
	start := p.i
	if p.i < len(p.data) && p.data[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.data) && '0' <= p.data[p.i] && p.data[p.i] <= '9' {
		p.i++
	}
	digits := p.data[start:p.i]
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || (digits[0] == '0' && len(digits) > 1) ||
		(p.i < len(p.data) && strings.IndexByte(".eE", p.data[p.i]) >= 0) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(p.data[start:p.i]), 10, 64)
	return n, err == nil
}

func (p *entryParser) bool() (bool, bool) {
	p.space()
	for _, lit := range [...]string{"true", "false"} {
		if strings.HasPrefix(string(p.data[p.i:]), lit) {
			p.i += len(lit)
			return lit == "true", true
		}
	}
	return false, false
}
