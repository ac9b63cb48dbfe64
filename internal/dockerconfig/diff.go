package dockerconfig

import (
	"fmt"
	"strings"
)

// contextLines is how many unchanged lines surround each change, as in
// diff -u.
const contextLines = 3

// maxDiffCells bounds the comparison table; beyond it (files of thousands
// of lines) the diff replaces the whole file, which is still correct.
const maxDiffCells = 1 << 22

// Diff returns a unified diff (diff -u) turning old into new, both the
// contents of the file at path, or "" when they are equal. An empty old
// is shown as a new file (/dev/null). A missing final newline is marked
// as diff marks it.
func Diff(path string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	a, b := splitLines(string(old)), splitLines(string(new))
	ops := lineOps(a, b)

	var out strings.Builder
	from := path
	if len(old) == 0 {
		from = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, path)
	// Walk the edit script, cutting it into hunks: runs of changes with
	// at most 2*contextLines unchanged lines between them.
	for start := 0; start < len(ops); {
		first := -1
		for k := start; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				first = k
				break
			}
		}
		if first < 0 {
			break
		}
		lo := max(start, first-contextLines)
		hi := first
		for k := first; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				hi = k
			} else if k-hi > 2*contextLines {
				break
			}
		}
		hi = min(len(ops), hi+contextLines+1)
		writeHunk(&out, ops[lo:hi])
		start = hi
	}
	return out.String()
}

// op is one line of the edit script: ' ' kept, '-' removed, '+' added,
// with the 0-based positions in old and new before it.
type op struct {
	kind byte
	line string
	i, j int
}

func writeHunk(out *strings.Builder, ops []op) {
	var na, nb int
	for _, o := range ops {
		if o.kind != '+' {
			na++
		}
		if o.kind != '-' {
			nb++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(ops[0].i, na), hunkRange(ops[0].j, nb))
	for _, o := range ops {
		out.WriteByte(o.kind)
		out.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// hunkRange renders "start,count" the way diff -u does: 1-based, the count
// left out when it is 1, and an empty range starting at the line before.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}

// splitLines cuts s into lines, each keeping its newline, so that a last
// line with and without one differ.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineOps computes a shortest edit script from a to b by longest common
// subsequence.
func lineOps(a, b []string) []op {
	n, m := len(a), len(b)
	var ops []op
	if n*m > maxDiffCells {
		for i, l := range a {
			ops = append(ops, op{'-', l, i, 0})
		}
		for j, l := range b {
			ops = append(ops, op{'+', l, n, j})
		}
		return ops
	}
	// lcs[i*(m+1)+j] is the LCS length of a[i:] and b[j:].
	lcs := make([]int32, (n+1)*(m+1))
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*(m+1)+j] = lcs[(i+1)*(m+1)+j+1] + 1
			} else {
				lcs[i*(m+1)+j] = max(lcs[(i+1)*(m+1)+j], lcs[i*(m+1)+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[(i+1)*(m+1)+j] >= lcs[i*(m+1)+j+1]):
			// Removals first, as diff shows them.
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
