package cache

import (
	"errors"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testclock"
	"testing"
	"time"
)

// FuzzReadEntry feeds arbitrary bytes as an entry file. Invariants: no
// panic; the result is a miss or an entry with a secret, a not-found
// answer without credentials, or a failure record; and an entry read
// survives re-encoding unchanged.
func FuzzReadEntry(f *testing.F) {
	f.Add(mustEncode(f, sampleEntry()))
	f.Add([]byte(`{"v":1,"secret":"s","expires_ms":1,"fetched_ms":-62135596800000}` + "\n"))
	f.Add([]byte(`{"v":1,"secret":"s\u0000\n","stored":true,"extra":[1,{}]}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1,"failed_ms":1,"fail_code":"AccessDeniedException","fail_message":"m"}` + "\n"))
	f.Add([]byte(`{"v":1,"secret":"s","failed_ms":-5,"fail_hint":"h"}`))
	f.Add([]byte(`{"v":1,"not_found":true,"expires_ms":9}`))
	f.Add([]byte("\n"))
	f.Add([]byte{})
	c, dir := openTestCache(f, Options{Now: testclock.New(t0).Now})
	f.Fuzz(func(t *testing.T, data []byte) {
		key := Key("fuzz")
		writeRaw(t, dir, key+entrySuffix, data, time.Time{})
		e, err := c.Get(key)
		if err != nil {
			if !errors.Is(err, ErrMiss) {
				t.Fatalf("Get = %v, want nil or ErrMiss", err)
			}
			return
		}
		if e.Secret == "" && !e.NotFound && e.Failure == nil {
			t.Fatalf("Get returned an entry without a secret that records neither not-found nor a failure")
		}
		if e.NotFound && (e.Secret != "" || e.Username != "") {
			t.Fatalf("Get returned a not-found entry with credentials")
		}
		data, err = encodeEntry(e)
		if errors.Is(err, errEntryTooLarge) {
			return // escaping can lengthen a file near the limit written by others
		}
		if err != nil {
			t.Fatalf("encodeEntry(what Get returned) = %v", err)
		}
		again, err := decodeEntry(data)
		if err != nil || !sameEntry(e, again) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, e)
		}
	})
}
