package dockerconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// Edit says what to change in a config file.
type Edit struct {
	// Hosts are the registries to send to ecrlogin: each gets the
	// credHelpers entry HOST → "ecrlogin", replacing whatever helper it
	// had. Each must be an ECR registry (ecr.ParseHost), and is written in
	// its canonical form.
	Hosts []string
	// Migrate also takes over from the incumbent helper: every ECR host
	// under credHelpers that maps to "ecr-login" maps to "ecrlogin"
	// instead, and a "credsStore": "ecr-login" is removed and replaced by
	// per-host entries for the ECR registries the file names (in auths and
	// credHelpers) that have no entry of their own. A credsStore receives
	// every registry's `docker login`; ecrlogin stores logins only for
	// ECR, so it belongs under credHelpers, never as the credsStore.
	Migrate bool
}

// Change is one entry an edit adds, replaces or removes.
type Change struct {
	// Key is "credHelpers" or "credsStore".
	Key string
	// Host is the credHelpers entry's registry; "" for credsStore.
	Host string
	// Old and New are the helper names before and after; "" means absent.
	Old, New string
}

// String describes the change in a line for a person.
func (c Change) String() string {
	what := c.Key
	if c.Host != "" {
		what = fmt.Sprintf("%s %q", c.Key, c.Host)
	}
	switch {
	case c.Old == "":
		return fmt.Sprintf("added %s: %q", what, c.New)
	case c.New == "":
		return fmt.Sprintf("removed %s: %q", what, c.Old)
	}
	return fmt.Sprintf("changed %s: %q → %q", what, c.Old, c.New)
}

// Apply works out what e changes in c and returns the changes, in a stable
// order, and the new file, formatted as docker writes it (tab indents, no
// final newline) with the top-level keys in their original order. With no
// changes both are nil: the file is already configured and must not be
// rewritten, so its bytes stay as they are. A host that is not ECR is an
// error wrapping ecr.ErrNotECR, and nothing else is returned.
func (c *Config) Apply(e Edit) (changes []Change, out []byte, err error) {
	helpers := c.CredHelpers()
	set := func(host, name string) {
		if old, ok := helpers[host]; ok && old == name {
			return
		}
		changes = append(changes, Change{Key: keyCredHelpers, Host: host, Old: helpers[host], New: name})
		helpers[host] = name
	}
	var hosts []string
	for _, h := range e.Hosts {
		reg, err := ecr.ParseHost(h)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ecr.OneLine(h), err)
		}
		hosts = append(hosts, reg.Host)
	}
	dropStore := false
	if e.Migrate {
		var incumbent []string
		for _, h := range c.HostsFor(IncumbentName) {
			if _, err := ecr.ParseHost(h); err == nil {
				incumbent = append(incumbent, h)
			}
		}
		hosts = append(hosts, incumbent...)
		if c.credsStore == IncumbentName {
			dropStore = true
			// The registries the incumbent served as credsStore: every
			// ECR host the file names that has no helper of its own.
			for _, h := range append(c.Auths(), sortedKeys(c.credHelpers)...) {
				reg, err := ecr.ParseHost(h)
				if err != nil {
					continue
				}
				if _, ok := helpers[reg.Host]; !ok {
					hosts = append(hosts, reg.Host)
				}
			}
		}
	}
	for _, h := range hosts {
		set(h, HelperName)
	}
	if dropStore {
		changes = append(changes, Change{Key: keyCredsStore, Old: c.credsStore})
	}
	if len(changes) == 0 {
		return nil, nil, nil
	}

	values := make(map[string]json.RawMessage, len(c.values)+1)
	for k, v := range c.values {
		values[k] = v
	}
	keys := slices.Clone(c.keys)
	enc, err := json.Marshal(helpers)
	if err != nil {
		return nil, nil, fmt.Errorf("encode credHelpers: %w", err)
	}
	if _, ok := values[keyCredHelpers]; !ok {
		keys = append(keys, keyCredHelpers)
	}
	values[keyCredHelpers] = enc
	if dropStore {
		delete(values, keyCredsStore)
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == keyCredsStore })
	}
	out, err = encode(keys, values)
	if err != nil {
		return nil, nil, err
	}
	return changes, out, nil
}

// encode writes the object with its keys in the given order, indented the
// way docker's json.MarshalIndent(config, "", "\t") does.
func encode(keys []string, values map[string]json.RawMessage) ([]byte, error) {
	if len(keys) == 0 {
		return []byte("{}"), nil
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, k := range keys {
		name, err := json.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("encode key %q: %w", k, err)
		}
		b.WriteByte('\t')
		b.Write(name)
		b.WriteString(": ")
		if err := json.Indent(&b, values[k], "\t", "\t"); err != nil {
			return nil, fmt.Errorf("encode %q: %w", k, err)
		}
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
