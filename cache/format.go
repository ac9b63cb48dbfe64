package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The on-disk entry format. One JSON object per file, followed by a
// newline:
//
//	{"v":1,"server":"…","user":"AWS","secret":"…","fetched_ms":1700000000000,"expires_ms":1700043200000,"stored":true}
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
}

var (
	errEntryTooLarge = errors.New("entry too large")
	errNoSecret      = errors.New("entry has no secret")
)

// encodeEntry renders e in the file format, newline-terminated. The
// encoder escapes control characters inside strings, so the final newline
// is the only one in the file; readEntry relies on that.
func encodeEntry(e Entry) ([]byte, error) {
	if e.Secret == "" {
		return nil, errNoSecret
	}
	data, err := json.Marshal(record{
		V:         formatVersion,
		ServerURL: e.ServerURL,
		Username:  e.Username,
		Secret:    e.Secret,
		FetchedAt: e.FetchedAt.UnixMilli(),
		ExpiresAt: e.ExpiresAt.UnixMilli(),
		Stored:    e.Stored,
	})
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
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrMiss, err)
	}
	if r.V != formatVersion {
		return Entry{}, fmt.Errorf("%w: format version %d, want %d", ErrMiss, r.V, formatVersion)
	}
	if r.Secret == "" {
		return Entry{}, fmt.Errorf("%w: %w", ErrMiss, errNoSecret)
	}
	return Entry{
		ServerURL: r.ServerURL,
		Username:  r.Username,
		Secret:    r.Secret,
		FetchedAt: time.UnixMilli(r.FetchedAt),
		ExpiresAt: time.UnixMilli(r.ExpiresAt),
		Stored:    r.Stored,
	}, nil
}
