package main

import (
	"fmt"
	"io"
	"strings"
)

// printer writes the demo's narrative: numbered steps, the commands a
// person would type, and their results, indented so the eye can follow.
type printer struct {
	w     io.Writer
	steps int
}

func (p *printer) title(s string) { fmt.Fprintf(p.w, "%s\n%s\n", s, strings.Repeat("=", len(s))) }
func (p *printer) line(s string)  { fmt.Fprintln(p.w, s) }
func (p *printer) blank()         { fmt.Fprintln(p.w) }

// field prints an aligned "name  value" line of the set-up summary; an
// empty name continues the previous field.
func (p *printer) field(name, value string) {
	fmt.Fprintf(p.w, "  %-14s %s\n", name, value)
}

func (p *printer) step(s string) {
	p.steps++
	fmt.Fprintf(p.w, "\n%d. %s\n", p.steps, s)
}

func (p *printer) command(s string) { fmt.Fprintf(p.w, "   $ %s\n", s) }

// output prints a program's own output, indented under its command.
func (p *printer) output(out string) {
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l != "" {
			fmt.Fprintf(p.w, "     | %s\n", l)
		}
	}
}

func (p *printer) result(s string) { fmt.Fprintf(p.w, "   -> %s\n", s) }
