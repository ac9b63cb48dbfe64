package dockerconfig

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	lines := func(n int, change map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := change[i]; ok {
				b.WriteString(s)
				continue
			}
			b.WriteString(strings.Repeat("x", i) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"from nothing", "", "a\nb", "--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n"},
		{"insert in the middle", "a\nb\nc\nd\n", "a\nb\nnew\nc\nd\n", "--- f\n+++ f\n@@ -1,4 +1,5 @@\n a\n b\n+new\n c\n d\n"},
		{"final newline only", "a\nb", "a\nb\n", "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		// Changes 10 lines apart are two hunks, each with 3 lines of
		// context; 6 or fewer apart, one.
		{"two hunks", lines(20, nil), lines(20, map[int]string{2: "two\n", 16: "sixteen\n"}),
			"--- f\n+++ f\n@@ -1,5 +1,5 @@\n x\n-xx\n+two\n xxx\n xxxx\n xxxxx\n" +
				"@@ -13,7 +13,7 @@\n" + " " + strings.Repeat("x", 13) + "\n " + strings.Repeat("x", 14) + "\n " + strings.Repeat("x", 15) + "\n-" + strings.Repeat("x", 16) + "\n+sixteen\n " + strings.Repeat("x", 17) + "\n " + strings.Repeat("x", 18) + "\n " + strings.Repeat("x", 19) + "\n"},
		{"one hunk", lines(12, nil), lines(12, map[int]string{3: "three\n", 9: "nine\n"}),
			"--- f\n+++ f\n@@ -1,12 +1,12 @@\n x\n xx\n-xxx\n+three\n xxxx\n xxxxx\n xxxxxx\n xxxxxxx\n xxxxxxxx\n-xxxxxxxxx\n+nine\n xxxxxxxxxx\n xxxxxxxxxxx\n xxxxxxxxxxxx\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Diff("f", []byte(tt.old), []byte(tt.new)); got != tt.want {
				t.Errorf("Diff(%q, %q) =\n%s\nwant:\n%s", tt.old, tt.new, got, tt.want)
			}
		})
	}
}
