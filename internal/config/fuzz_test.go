package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is a one-line
// *Error, and that an accepted file, written out again by Format, parses
// to the same mappings: nothing Parse accepts is lost or changed by the
// encoder a command would write the file with.
func FuzzParse(f *testing.F) {
	f.Add([]byte(resolveConfig))
	f.Add([]byte("[[registry]]\nmatch = \"111122223333\"\nprofile = \"prod\"\n"))
	f.Add([]byte("[[registry]]\nmatch = '*.mirror.example.com'\necr = \"public.ecr.aws\"\nprofile = \"\"\"p\\\"q\"\"\"\n"))
	f.Add([]byte("[[registry]]\nmatch = 1\n[registry]\nx.y = {a = 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.toml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %T %v, want an *Error", err, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("Parse error %q spans lines", err)
			}
			return
		}
		want := file.Mappings()
		out := Format(want)
		again, err := Parse("formatted.toml", out)
		if err != nil {
			t.Fatalf("Parse(Format(mappings)) = %v, want it accepted\n%s", err, out)
		}
		got := again.Mappings()
		if len(got) != len(want) {
			t.Fatalf("Parse(Format) gave %d mappings, want %d", len(got), len(want))
		}
		for i := range got {
			got[i].Line, want[i].Line = 0, 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(Format(m)) =\n%+v\nwant\n%+v\nformatted:\n%s", got, want, out)
		}
		// Resolving never panics either, whatever the mappings.
		for _, m := range want {
			_, _, _ = again.Resolve(m.Match)
			_, _, _ = again.Resolve(strings.ReplaceAll(m.Match, "*", "x"))
		}
	})
}

func TestFormatRoundTrip(t *testing.T) {
	f := mustParse(t, resolveConfig)
	again := mustParse(t, string(Format(f.Mappings())))
	for i, m := range again.Mappings() {
		w := f.Mappings()[i]
		m.Line, w.Line = 0, 0
		if m != w {
			t.Errorf("mapping %d after Format = %+v, want %+v", i+1, m, w)
		}
	}
	if got := string(appendString(nil, "a\"b\\c\td\x01")); got != `"a\"b\\c\td\u0001"` {
		t.Errorf("appendString = %s, want %s", got, `"a\"b\\c\td\u0001"`)
	}
}
