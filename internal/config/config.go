package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/pelletier/go-toml/v2/unstable"
)

// MaxSize bounds the config file. A mapping is a few lines, so a megabyte
// is thousands of them; anything larger is a mistake (a wrong path, a
// binary), and reading it on every pull would be slow.
const MaxSize = 1 << 20

// File is a parsed config file: its mappings, in file order. The zero File
// and a nil *File have no mappings. A File is never modified after Parse,
// so it is safe for concurrent use by multiple goroutines.
type File struct {
	// Path is the file it was read from; "" when there was none to read.
	Path string

	rules    []rule
	hasAlias bool // some rule is an alias: only then does a non-ECR host need matching
}

// Mapping is one [[registry]] table: which hosts it applies to and the
// identity choices it makes for them.
type Mapping struct {
	// Line is the line of its [[registry]] header, counting from 1.
	Line int
	// Match is what it applies to, in lower case: a 12-digit account ID,
	// a host glob ('*' is one whole DNS label), or an exact host.
	Match string
	// ECR is, for an alias (a Match that is not an ECR name), the
	// canonical host of the ECR registry it stands for; "" otherwise.
	ECR string

	Profile         string
	RoleARN         string
	ExternalID      string
	RoleSessionName string
	MFASerial       string
}

// Selection returns the identity choices of m, as the Helper and the
// fetcher take them.
func (m Mapping) Selection() ecr.Selection {
	return ecr.Selection{
		Profile:         m.Profile,
		RoleARN:         m.RoleARN,
		ExternalID:      m.ExternalID,
		RoleSessionName: m.RoleSessionName,
		MFASerial:       m.MFASerial,
	}
}

// Mappings returns a copy of f's mappings, in file order (first match wins).
func (f *File) Mappings() []Mapping {
	if f == nil || len(f.rules) == 0 {
		return nil
	}
	ms := make([]Mapping, len(f.rules))
	for i := range f.rules {
		ms[i] = f.rules[i].Mapping
	}
	return ms
}

// Error is a problem with the config file's content: where it is and what
// is wrong, for one line of output.
type Error struct {
	Path    string
	Line    int    // counting from 1; 0 when the problem is the file as a whole
	Key     string // the key at fault (match, role_arn, ...); "" for a syntax error
	Message string
}

// Error returns "PATH:LINE: KEY: MESSAGE", leaving out what is unknown,
// on one line whatever the key (a quoted TOML key may hold a newline).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(oneLine(e.Path))
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(oneLine(e.Key))
		b.WriteString(": ")
	}
	b.WriteString(oneLine(e.Message))
	return b.String()
}

// Load reads and parses the config file at path. A file that does not
// exist, or an empty path, is an empty File and no error: costing one
// failed open, it keeps the common case (no config) cheap. Other read
// failures are errors, never a silent fallback to another identity.
func Load(path string) (*File, error) {
	if path == "" {
		return &File{}, nil
	}
	fh, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ecrlogin config: %w", err)
	}
	defer fh.Close()
	// Sized from the file, as os.ReadFile does, so that a small file is
	// one read into one buffer.
	size := 512
	if fi, err := fh.Stat(); err == nil && fi.Size() >= 0 && fi.Size() <= MaxSize {
		size = int(fi.Size()) + 1
	}
	data := make([]byte, 0, size)
	for err == nil && len(data) <= MaxSize {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		var n int
		n, err = fh.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
	}
	if err != io.EOF && err != nil {
		return nil, fmt.Errorf("read ecrlogin config: %w", err)
	}
	return Parse(path, data)
}

// The keys a [[registry]] table may hold.
const (
	keyMatch           = "match"
	keyECR             = "ecr"
	keyProfile         = "profile"
	keyRoleARN         = "role_arn"
	keyExternalID      = "external_id"
	keyRoleSessionName = "role_session_name"
	keyMFASerial       = "mfa_serial"
)

const knownKeys = "match, ecr, profile, role_arn, external_id, role_session_name, mfa_serial"

// Parse reads a config file's content; path only names it in errors. Every
// error is an *Error naming the file, the line and the key. Parsing is
// strict: an unknown key, a value of the wrong shape or a mapping that
// could not apply is refused, because a typo silently ignored would run
// pulls as another identity than the one the user configured.
//
// The file is read with go-toml's low-level parser rather than decoded into
// a struct: that is what makes it cheap on the front's every get (see
// doc.go) and what gives every key its line.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	if len(data) > MaxSize {
		return nil, &Error{Path: path, Message: "file is larger than 1 MiB"}
	}
	lines := lineCounter{data: data}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, &Error{Path: path, Line: lines.at(off), Message: "not valid UTF-8"}
	}

	var p unstable.Parser
	p.Reset(data)
	// A rule is a few hundred bytes: size the slice once rather than
	// let append copy it as it grows. A header in a comment or a string
	// only makes the guess generous.
	f.rules = make([]rule, 0, bytes.Count(data, []byte("[[")))
	var cur entry
	open := false // cur holds a table
	finish := func() error {
		if !open {
			return nil
		}
		f.rules = append(f.rules, rule{})
		r := &f.rules[len(f.rules)-1]
		if err := cur.compile(path, r); err != nil {
			return err
		}
		f.hasAlias = f.hasAlias || r.alias
		return nil
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.ArrayTable, unstable.Table:
			it := e.Key()
			it.Next()
			k := it.Node()
			line := lines.at(int(k.Raw.Offset))
			name := string(k.Data)
			if it.Next() {
				name = keyText(e)
			}
			if name != "registry" {
				return nil, &Error{Path: path, Line: line, Key: name, Message: "unknown table; the file holds [[registry]] tables only"}
			}
			if e.Kind == unstable.Table {
				return nil, &Error{Path: path, Line: line, Key: name, Message: "write [[registry]], with double brackets: there may be several"}
			}
			if err := finish(); err != nil {
				return nil, err
			}
			cur, open = entry{Mapping: Mapping{Line: line}}, true
		case unstable.KeyValue:
			it := e.Key()
			it.Next()
			k := it.Node()
			line := lines.at(int(k.Raw.Offset))
			name := string(k.Data)
			if it.Next() {
				name = keyText(e)
				return nil, &Error{Path: path, Line: line, Key: name, Message: "unknown key; a [[registry]] table may hold " + knownKeys}
			}
			if !open {
				return nil, &Error{Path: path, Line: line, Key: name, Message: "key outside a [[registry]] table"}
			}
			v := e.Value()
			if v.Kind != unstable.String {
				if !cur.known(name) {
					return nil, &Error{Path: path, Line: line, Key: name, Message: "unknown key; a [[registry]] table may hold " + knownKeys}
				}
				return nil, &Error{Path: path, Line: line, Key: name, Message: "must be a string, not " + kindName(v.Kind)}
			}
			if err := cur.set(path, line, name, string(v.Data)); err != nil {
				return nil, err
			}
		}
	}
	if err := p.Error(); err != nil {
		return nil, syntaxError(path, data, &lines, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return f, nil
}

// syntaxError turns the parser's error into an *Error at the line it
// points to.
func syntaxError(path string, data []byte, lines *lineCounter, err error) *Error {
	e := &Error{Path: path, Message: "syntax error"}
	var pe *unstable.ParserError
	if errors.As(err, &pe) {
		e.Message = "syntax error: " + oneLine(pe.Message)
		// The highlight is a subslice of data: its offset is the
		// difference of capacities, with no unsafe arithmetic.
		if off := cap(data) - cap(pe.Highlight); pe.Highlight != nil && off >= 0 && off <= len(data) {
			e.Line = lines.at(off)
		}
	}
	if e.Line == 0 {
		e.Line = lines.at(len(data))
	}
	return e
}

// keyText spells a (dotted) key as written, for messages.
func keyText(e *unstable.Node) string {
	var parts []string
	it := e.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

func kindName(k unstable.Kind) string {
	switch k {
	case unstable.Bool:
		return "a boolean"
	case unstable.Integer, unstable.Float:
		return "a number"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable:
		return "a table"
	case unstable.DateTime, unstable.LocalDate, unstable.LocalDateTime, unstable.LocalTime:
		return "a date or time"
	}
	return "another kind of value"
}

// oneLine keeps a message on one line and printable.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// lineCounter maps byte offsets to line numbers. Offsets mostly come in
// increasing order, as the parser walks the file, so it counts newlines
// only over the bytes it has not yet seen: linear in the file however many
// keys there are.
type lineCounter struct {
	data []byte
	off  int // offset up to which newlines are counted
	line int // newlines before off
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, 0), len(c.data))
	if off < c.off {
		c.off, c.line = 0, 0
	}
	c.line += bytes.Count(c.data[c.off:off], []byte{'\n'})
	c.off = off
	return c.line + 1
}
