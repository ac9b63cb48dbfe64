package cache

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
)

func TestUsable(t *testing.T) {
	t.Parallel()
	exp := t0.Add(time.Hour)
	tests := []struct {
		name    string
		expires time.Time
		now     time.Time
		want    bool
	}{
		{"an hour left", exp, t0, true},
		{"exactly five minutes left", exp, exp.Add(-MinRemaining), true},
		{"4m59s left", exp, exp.Add(-MinRemaining + time.Second), false},
		{"one nanosecond under five minutes", exp, exp.Add(-MinRemaining + 1), false},
		{"expiring now", exp, exp, false},
		{"expired", exp, exp.Add(time.Hour), false},
		{"zero expiry", time.Time{}, t0, false},
		{"zero now", exp, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry{FetchedAt: t0, ExpiresAt: tt.expires}
			if got := e.Usable(tt.now); got != tt.want {
				t.Errorf("Entry{ExpiresAt: %v}.Usable(%v) = %v, want %v", tt.expires, tt.now, got, tt.want)
			}
		})
	}
}

func TestFresh(t *testing.T) {
	t.Parallel()
	const h12 = 12 * time.Hour
	tests := []struct {
		name             string
		fetched, expires time.Time
		now              time.Time
		want             bool
	}{
		{"just fetched", t0, t0.Add(h12), t0, true},
		{"a quarter through", t0, t0.Add(h12), t0.Add(3 * time.Hour), true},
		{"just before half", t0, t0.Add(h12), t0.Add(6*time.Hour - time.Millisecond), true},
		{"exactly half left", t0, t0.Add(h12), t0.Add(6 * time.Hour), true},
		{"just after half", t0, t0.Add(h12), t0.Add(6*time.Hour + time.Nanosecond), false},
		{"three quarters through", t0, t0.Add(h12), t0.Add(9 * time.Hour), false},
		{"expired", t0, t0.Add(h12), t0.Add(13 * time.Hour), false},

		// For short tokens the five-minute floor binds before half-life.
		{"8m token, 6m left", t0, t0.Add(8 * time.Minute), t0.Add(2 * time.Minute), true},
		{"8m token, 5m left", t0, t0.Add(8 * time.Minute), t0.Add(3 * time.Minute), true},
		{"8m token, 4m59s left (over half left)", t0, t0.Add(8 * time.Minute), t0.Add(3*time.Minute + time.Second), false},
		{"6m token, just fetched", t0, t0.Add(6 * time.Minute), t0, true},
		{"6m token, 5m left", t0, t0.Add(6 * time.Minute), t0.Add(time.Minute), true},
		{"6m token, 4m59s left", t0, t0.Add(6 * time.Minute), t0.Add(time.Minute + time.Second), false},
		{"4m token, just fetched", t0, t0.Add(4 * time.Minute), t0, false},

		// Degenerate lifetimes and zero times.
		{"zero lifetime", t0, t0, t0.Add(-time.Hour), false},
		{"negative lifetime", t0, t0.Add(-time.Hour), t0.Add(-2 * time.Hour), false},
		{"zero fetched", time.Time{}, t0.Add(h12), t0, false},
		{"zero expires", t0, time.Time{}, t0, false},
		{"zero now", t0, t0.Add(h12), time.Time{}, false},
		{"all zero", time.Time{}, time.Time{}, time.Time{}, false},

		// Clock jumps.
		{"clock went back before fetch", t0, t0.Add(h12), t0.Add(-time.Minute), false},
		{"clock jumped far ahead", t0, t0.Add(h12), t0.Add(100 * 24 * time.Hour), false},
		{"far future expiry", t0, t0.Add(100 * 365 * 24 * time.Hour), t0.Add(h12), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry{FetchedAt: tt.fetched, ExpiresAt: tt.expires}
			if got := e.Fresh(tt.now); got != tt.want {
				t.Errorf("Entry{FetchedAt: %v, ExpiresAt: %v}.Fresh(%v) = %v, want %v", tt.fetched, tt.expires, tt.now, got, tt.want)
			}
			if e.Fresh(tt.now) && !e.Usable(tt.now) {
				t.Errorf("Fresh(%v) but not Usable", tt.now)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b []string
	}{
		{"split moves", []string{"ab", "c"}, []string{"a", "bc"}},
		{"empty part", []string{"a", ""}, []string{"a"}},
		{"no parts vs one empty", nil, []string{""}},
		{"separator inside a part", []string{"a\x00b"}, []string{"a", "b"}},
		{"order", []string{"a", "b"}, []string{"b", "a"}},
		{"length prefix lookalike", []string{"\x01a"}, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a...), Key(tt.b...); ka == kb {
				t.Errorf("Key(%q) == Key(%q) = %s", tt.a, tt.b, ka)
			}
		})
	}

	parts := []string{"default", "AKIAIOSFODNN7EXAMPLE", "123456789012.dkr.ecr.us-east-1.amazonaws.com"}
	k := Key(parts...)
	if k2 := Key(parts...); k != k2 {
		t.Errorf("Key not deterministic: %s then %s", k, k2)
	}
	if _, err := hex.DecodeString(k); err != nil || len(k) != 64 || strings.ToLower(k) != k {
		t.Errorf("Key(%q) = %q, want 64 lowercase hex digits", parts, k)
	}
	if err := checkKey(k); err != nil {
		t.Errorf("checkKey(Key(...)) = %v", err)
	}
	if long := Key(strings.Repeat("x", 10000)); len(long) != 64 {
		t.Errorf("Key(long) has length %d, want 64", len(long))
	}
}

// TestNotFoundEntry: an entry recording that nothing was found round-trips
// without credentials, is fresh by the usual rule, and List leaves it out;
// one that claims both is refused on write and a miss on read.
func TestNotFoundEntry(t *testing.T) {
	c, dir := openTestCache(t, Options{Now: testclock.New(t0).Now})
	neg := Entry{ServerURL: "public.ecr.aws", FetchedAt: t0, ExpiresAt: t0.Add(20 * time.Minute), NotFound: true}
	if err := c.Put(Key("neg"), neg); err != nil {
		t.Fatalf("Put(not-found entry) = %v", err)
	}
	got, err := c.Get(Key("neg"))
	if err != nil || !sameEntry(got, neg) {
		t.Fatalf("Get(not-found entry) = %+v, %v; want %+v", got, err, neg)
	}
	if !got.Fresh(t0.Add(9*time.Minute)) || got.Fresh(t0.Add(11*time.Minute)) {
		t.Errorf("a 20-minute not-found entry should be fresh for 10 minutes")
	}
	if err := c.Put(Key("pos"), Entry{ServerURL: "h", Username: "AWS", Secret: "s", FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	list, err := c.List()
	if err != nil || len(list) != 1 || list[0].ServerURL != "h" {
		t.Errorf("List = %+v, %v; want only the entry with credentials", list, err)
	}

	if err := c.Put(Key("both"), Entry{Secret: "s", ExpiresAt: t0.Add(time.Hour), NotFound: true}); err == nil {
		t.Errorf("Put(not-found entry with a secret) succeeded")
	}
	writeRaw(t, dir, Key("both")+entrySuffix, []byte(`{"v":1,"secret":"s","expires_ms":1,"not_found":true}`+"\n"), time.Time{})
	if _, err := c.Get(Key("both")); !errors.Is(err, ErrMiss) {
		t.Errorf("Get(not-found entry with a secret) = %v, want ErrMiss", err)
	}
}
