package dockerconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// HelperName is the name docker knows this project's helper by: the
// "ecrlogin" of docker-credential-ecrlogin.
const HelperName = "ecrlogin"

// IncumbentName is the name of the AWS-maintained helper,
// docker-credential-ecr-login, which `configure --migrate` replaces.
const IncumbentName = "ecr-login"

// FileName is the name of docker's config file in its directory.
const FileName = "config.json"

// The top-level keys this package decodes.
const (
	keyAuths       = "auths"
	keyCredHelpers = "credHelpers"
	keyCredsStore  = "credsStore"
)

// ErrMalformed reports a config file that is not valid JSON, not an
// object, or has a credHelpers, credsStore or auths of the wrong type.
// Errors wrapping it are *FormatError, with the position.
var ErrMalformed = errors.New("malformed docker config")

// ErrNoHome reports that neither DOCKER_CONFIG nor a home directory says
// where the config file is.
var ErrNoHome = errors.New("no home directory and DOCKER_CONFIG unset")

// FormatError is a malformed config file, with where the problem is.
type FormatError struct {
	Path   string // the file, "" when parsed from bytes
	Line   int    // 1-based
	Column int    // 1-based, in bytes
	Reason string
}

// Error renders "PATH:LINE:COLUMN: REASON", the form editors jump to.
func (e *FormatError) Error() string {
	p := e.Path
	if p == "" {
		p = FileName
	}
	return fmt.Sprintf("%s:%d:%d: %s", p, e.Line, e.Column, e.Reason)
}

// Unwrap returns ErrMalformed.
func (e *FormatError) Unwrap() error { return ErrMalformed }

// Path returns where docker reads its config file: $DOCKER_CONFIG/config.json
// when DOCKER_CONFIG is set, else ~/.docker/config.json, with the home
// directory found by the same rule as the AWS SDK (homedir.Dir).
func Path(getenv func(string) string) (string, error) {
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, FileName), nil
	}
	home := homedir.Dir()
	if home == "" {
		return "", ErrNoHome
	}
	return filepath.Join(home, ".docker", FileName), nil
}

// Config is one parsed config file. Its methods only read; Apply returns
// a new file rather than changing the Config. A Config is safe for
// concurrent reads.
type Config struct {
	keys   []string // top-level keys in file order, each once
	values map[string]json.RawMessage

	credHelpers map[string]string
	credsStore  string
	auths       []string
	exists      bool
}

// Parse reads a config file's contents. Empty input (or only white space)
// is an empty config, as docker reads it. Anything else must be a JSON
// object whose credHelpers, if present, is an object of strings, whose
// credsStore is a string and whose auths is an object; otherwise the
// error is a *FormatError wrapping ErrMalformed.
func Parse(data []byte) (*Config, error) {
	c := &Config{values: map[string]json.RawMessage{}, exists: true}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	// Unmarshal first: it reports every syntax error with its offset, and
	// after it the ordered walk below cannot fail on syntax.
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, formatError(data, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, formatError(data, err)
	}
	offsets := map[string]int64{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, formatError(data, err)
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, formatError(data, err)
		}
		if _, dup := c.values[key]; !dup {
			c.keys = append(c.keys, key)
		}
		// The last of duplicate keys wins, as with encoding/json (and so
		// docker).
		c.values[key] = v
		offsets[key] = dec.InputOffset() - int64(len(v))
	}
	typeErr := func(key, reason string) error {
		line, col := position(data, offsets[key])
		return &FormatError{Line: line, Column: col, Reason: reason}
	}
	if v, ok := c.values[keyCredHelpers]; ok {
		if err := json.Unmarshal(v, &c.credHelpers); err != nil {
			return nil, typeErr(keyCredHelpers, "credHelpers is not an object of strings")
		}
	}
	if v, ok := c.values[keyCredsStore]; ok {
		var s *string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, typeErr(keyCredsStore, "credsStore is not a string")
		}
		if s != nil {
			c.credsStore = *s
		}
	}
	if v, ok := c.values[keyAuths]; ok {
		var auths map[string]json.RawMessage
		if err := json.Unmarshal(v, &auths); err != nil {
			return nil, typeErr(keyAuths, "auths is not an object")
		}
		for k := range auths {
			c.auths = append(c.auths, k)
		}
		slices.Sort(c.auths)
	}
	return c, nil
}

// Load reads and parses the config file at path. A missing file is an
// empty Config whose Exists is false. A *FormatError carries path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c, _ := Parse(nil)
		c.exists = false
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read docker config: %w", err)
	}
	c, err := Parse(data)
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Path = path
	}
	return c, err
}

// Exists reports whether the config was read from a file that exists.
func (c *Config) Exists() bool { return c.exists }

// CredHelpers returns a copy of the credHelpers map: registry host →
// helper name.
func (c *Config) CredHelpers() map[string]string {
	m := make(map[string]string, len(c.credHelpers))
	for k, v := range c.credHelpers {
		m[k] = v
	}
	return m
}

// HostsFor returns, sorted, the credHelpers hosts that map to helper.
func (c *Config) HostsFor(helper string) []string {
	var hosts []string
	for h, name := range c.credHelpers {
		if name == helper {
			hosts = append(hosts, h)
		}
	}
	slices.Sort(hosts)
	return hosts
}

// CredsStore returns the credsStore helper, "" when there is none. It
// receives every registry without a credHelpers entry, including every
// `docker login`.
func (c *Config) CredsStore() string { return c.credsStore }

// Auths returns, sorted, the keys of auths: the registries with a login
// stored in the file itself (or, with a credsStore, only named there).
// Keys are as docker wrote them, often a URL rather than a host.
func (c *Config) Auths() []string { return slices.Clone(c.auths) }

// formatError turns an encoding/json error about data into a *FormatError
// at its position.
func formatError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	off := int64(len(data))
	reason := err.Error()
	switch {
	case errors.As(err, &syn):
		off, reason = syn.Offset, syn.Error()
		if off > 0 && !strings.HasPrefix(reason, "unexpected end") {
			// Offset counts the offending byte as read; at the end of
			// the input, the position is just past the last byte.
			off--
		}
	case errors.As(err, &typ):
		off = int64(len(data) - len(bytes.TrimLeft(data, " \t\r\n")))
		reason = "not a JSON object"
	default:
		reason = "unexpected end of JSON input"
	}
	line, col := position(data, off)
	return &FormatError{Line: line, Column: col, Reason: strings.TrimPrefix(reason, "json: ")}
}

// position converts a byte offset in data into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
