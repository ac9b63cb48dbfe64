package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun drives the whole benchmark with a few runs of everything and
// checks that it works and reports well-formed numbers. It judges no time:
// the targets may pass or miss on a slow machine.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries and execs them; skipped with -short")
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-n", "3", "-warmup", "1", "-rss-runs", "1", "-conc", "4", "-conc-rounds", "1", "-conc-delay", "50ms", "-entries", "20", "-dir", t.TempDir()}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("bench %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, row := range []string{
		"floor (stdin + one small file)",
		"get, cached (1 entry)",
		"get, cached (21 entries)",
		"get, cached, 50-entry config",
		"get, not ECR",
		"get, cold (front + ecrlogin fetch)",
	} {
		re := regexp.MustCompile(regexp.QuoteMeta(row) + `\s+\d+\.\d\d ms\s+\d+\.\d\d ms\s+\d+\.\d\dx\s+\d+\.\d\d ms\s+(\d+\.\d\d MiB|n/a)`)
		if !re.MatchString(out) {
			t.Errorf("no well-formed row %q in:\n%s", row, out)
		}
	}
	if !regexp.MustCompile(`GetAuthorizationToken calls per round: 1 in each of 1 rounds`).MatchString(out) {
		t.Errorf("the concurrency case did not make exactly one call:\n%s", out)
	}
	targets := regexp.MustCompile(`(?m)^  (PASS|MISS|SKIP)  `).FindAllString(out, -1)
	if len(targets) != 10 {
		t.Errorf("found %d target lines, want 10:\n%s", len(targets), out)
	}
}

func TestPercentile(t *testing.T) {
	d := []int{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	var in []time.Duration
	for _, v := range d {
		in = append(in, time.Duration(v))
	}
	tests := []struct {
		p    int
		want time.Duration
	}{{50, 5}, {90, 9}, {100, 10}, {1, 1}}
	for _, tt := range tests {
		if got := percentile(in, tt.p); got != tt.want {
			t.Errorf("percentile(1..10, %d) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile(nil, 50) = %v, want 0", got)
	}
}

func TestDedupEnv(t *testing.T) {
	got := strings.Join(dedupEnv([]string{"A=1", "B=2", "A=", "C=3", "B=4"}), " ")
	if want := "A= C=3 B=4"; got != want {
		t.Errorf("dedupEnv = %q, want %q", got, want)
	}
}
