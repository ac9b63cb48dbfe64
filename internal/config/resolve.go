package config

import (
	"strconv"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// Resolve maps a docker server URL to the ECR registry that serves it and
// the identity choices for it; it has the shape of ecr.Helper.Resolve. The
// first mapping that matches decides:
//
//   - an ECR host that no mapping matches: its own registry (ecr.ParseHost)
//     and the zero Selection, the default credential chain;
//   - an ECR host a mapping matches (by account, glob or exact host): its
//     own registry and the mapping's Selection;
//   - an alias host: the registry its mapping's ecr names (its account,
//     region, partition, FIPS and dual-stack flavour) and the mapping's
//     Selection;
//   - any other host: an error wrapping ecr.ErrNotECR.
//
// A nil *File behaves as an empty one. Resolve does no I/O and, for a host
// that is not ECR's, allocates nothing: that is the path docker takes for
// every registry that is not ECR.
func (f *File) Resolve(serverURL string) (ecr.Registry, ecr.Selection, error) {
	reg, _, r, err := f.resolve(serverURL)
	if err != nil {
		return ecr.Registry{}, ecr.Selection{}, err
	}
	if r == nil {
		return reg, ecr.Selection{}, nil
	}
	if r.alias {
		return r.target, r.sel, nil
	}
	return reg, r.sel, nil
}

// resolve returns the host's own registry (when it is ECR's), its
// canonical host, and the rule that applies, if any.
func (f *File) resolve(serverURL string) (ecr.Registry, string, *rule, error) {
	reg, perr := ecr.ParseHost(serverURL)
	isECR := perr == nil
	if f == nil || (!isECR && !f.hasAlias) {
		return reg, reg.Host, nil, perr
	}
	host := reg.Host
	if !isECR {
		var err error
		if host, err = ecr.CanonicalHost(serverURL); err != nil {
			return ecr.Registry{}, "", nil, err
		}
	}
	for i := range f.rules {
		if r := &f.rules[i]; r.matches(host, reg, isECR) {
			return reg, host, r, nil
		}
	}
	return reg, host, nil, perr
}

// Explanation says how Resolve answered a server URL and why, for people
// (`ecrlogin doctor HOST`).
type Explanation struct {
	// Host is the canonical host of the server URL; "" if it has none.
	Host string
	// Registry, Selection and Err are what Resolve returns.
	Registry  ecr.Registry
	Selection ecr.Selection
	Err       error
	// Mapping is the mapping that applied, nil when none did; Index is
	// its place in the file, counting from 1.
	Mapping *Mapping
	Index   int
	// Reason says, in a phrase, why that mapping applied or why none did.
	Reason string
}

// Explain resolves serverURL as Resolve does and says why.
func (f *File) Explain(serverURL string) Explanation {
	reg, host, r, err := f.resolve(serverURL)
	x := Explanation{Host: host, Err: err}
	if x.Host == "" {
		x.Host, _ = ecr.CanonicalHost(serverURL)
	}
	path := "no config file"
	n := 0
	if f != nil {
		n = len(f.rules)
		if f.Path != "" {
			path = f.Path
		}
	}
	switch {
	case err != nil && r == nil:
		x.Reason = "not an ECR registry, and no alias in " + path + " matches it (" + strconv.Itoa(n) + " mappings)"
		return x
	case r == nil:
		x.Registry = reg
		x.Reason = "no mapping in " + path + " matches it (" + strconv.Itoa(n) + " mappings): the default credential chain selects the identity"
		return x
	}
	m := r.Mapping
	x.Mapping, x.Selection = &m, r.sel
	for i := range f.rules {
		if &f.rules[i] == r {
			x.Index = i + 1
		}
	}
	where := path + ":" + strconv.Itoa(m.Line) + ": mapping " + strconv.Itoa(x.Index)
	switch r.kind {
	case matchAccount:
		x.Reason = where + " matches account " + m.Match
	case matchExact:
		x.Reason = where + " matches the host exactly"
	default:
		x.Reason = where + " matches glob " + strconv.Quote(m.Match) + " ('*' is one label)"
	}
	x.Registry = reg
	if r.alias {
		x.Registry = r.target
		x.Reason += "; an alias, answered as ECR registry " + r.target.Host
	}
	return x
}

// String returns the reason, for printing.
func (x Explanation) String() string { return x.Reason }
