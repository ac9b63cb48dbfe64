package cache

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzDecodeRecord holds the hand-written entry parser to json.Unmarshal:
// whatever it accepts, it must read exactly as encoding/json does.
func FuzzDecodeRecord(f *testing.F) {
	for _, e := range []Entry{
		{ServerURL: "111122223333.dkr.ecr.us-east-1.amazonaws.com", Username: "AWS", Secret: "c2VjcmV0", FetchedAt: time.UnixMilli(1700000000000), ExpiresAt: time.UnixMilli(1700043200000)},
		{Secret: "x", Stored: true},
		{ServerURL: "public.ecr.aws", ExpiresAt: time.UnixMilli(1700001200000), NotFound: true},
		{Failure: &Failure{At: time.UnixMilli(1700000000000), Code: "AccessDeniedException", Message: "m", Source: "s", Hint: "h"}},
		{Secret: "old", ExpiresAt: time.UnixMilli(1700043200000), Failure: &Failure{At: time.UnixMilli(1), Code: "ThrottlingException"}},
	} {
		data, err := encodeEntry(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"v":1,"secret":"a","v":2}`))
	f.Add([]byte(`{"v":-0,"secret":"a"}`))
	f.Add([]byte(` { "v" : 1 , "secret" : "a" , "stored" : false } `))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeRecord(data)
		if !ok {
			return
		}
		var want record
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("decodeRecord(%q) accepted what json.Unmarshal refuses: %v", data, err)
		}
		if got != want {
			t.Fatalf("decodeRecord(%q) = %+v, json.Unmarshal = %+v", data, got, want)
		}
	})
}
