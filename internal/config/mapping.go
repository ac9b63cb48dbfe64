package config

import (
	"strconv"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// matchKind says how a mapping's match is compared with a host.
type matchKind uint8

const (
	matchAccount matchKind = iota // every private ECR host of one account
	matchExact                    // one host
	matchGlob                     // hosts whose labels match, '*' standing for one
)

// rule is a Mapping compiled for matching.
type rule struct {
	Mapping
	kind   matchKind
	alias  bool         // Match is not an ECR name; it is answered as target
	target ecr.Registry // for an alias, the ECR registry it stands for
	sel    ecr.Selection
}

// entry is a [[registry]] table being read: its values and the line of
// each key, 0 for a key not (yet) set. An array, not a map: Parse runs on
// every get.
type entry struct {
	Mapping
	lines  [len(keys)]int
	target ecr.Registry // what ecr names, once set
}

// keys are the keys a [[registry]] table may hold, in Format's order.
var keys = [...]string{keyMatch, keyECR, keyProfile, keyRoleARN, keyExternalID, keyRoleSessionName, keyMFASerial}

// keyIndex returns key's place in keys, or -1 for an unknown key.
func keyIndex(key string) int {
	for i, k := range keys {
		if k == key {
			return i
		}
	}
	return -1
}

func (e *entry) known(key string) bool { return keyIndex(key) >= 0 }

// line returns the line key was set on, 0 if it was not.
func (e *entry) line(key string) int { return e.lines[keyIndex(key)] }

// set checks one value on its own and records it.
func (e *entry) set(path string, line int, key, value string) error {
	bad := func(msg string) error { return &Error{Path: path, Line: line, Key: key, Message: msg} }
	i := keyIndex(key)
	if i < 0 {
		return bad("unknown key; a [[registry]] table may hold " + knownKeys)
	}
	if prev := e.lines[i]; prev != 0 {
		return bad("set twice in one [[registry]] table (first on line " + strconv.Itoa(prev) + ")")
	}
	e.lines[i] = line
	var msg string
	switch key {
	case keyMatch:
		e.Match = strings.ToLower(value)
		msg = checkMatchShape(e.Match)
	case keyECR:
		reg, err := ecr.ParseHost(value)
		switch {
		case err != nil:
			msg = quote(value) + " is not an ECR registry host (" + strings.TrimPrefix(err.Error(), "not an ECR registry: ") + ")"
		case reg.Host != strings.ToLower(value):
			msg = quote(value) + " must be a bare host: " + quote(reg.Host)
		}
		e.ECR, e.target = reg.Host, reg
	case keyProfile:
		e.Profile = value
		if value == "" || strings.TrimSpace(value) != value || hasControl(value) {
			msg = quote(value) + " is not a profile name"
		}
	case keyRoleARN:
		e.RoleARN = value
		if !isIAMARN(value, "role") {
			msg = quote(value) + " is not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)"
		}
	case keyExternalID:
		e.ExternalID = value
		if !isSTSString(value, 2, 1224, "+=,.@:/_-") {
			msg = quote(value) + " is not an external ID (2 to 1224 of A-Z a-z 0-9 +=,.@:/_-)"
		}
	case keyRoleSessionName:
		e.RoleSessionName = value
		if !isSTSString(value, 2, 64, "+=,.@_-") {
			msg = quote(value) + " is not a role session name (2 to 64 of A-Z a-z 0-9 +=,.@_-)"
		}
	case keyMFASerial:
		e.MFASerial = value
		if !isIAMARN(value, "mfa") && !isSerial(value) {
			msg = quote(value) + " is neither an MFA device ARN (arn:PARTITION:iam::ACCOUNT:mfa/NAME) nor a hardware serial number"
		}
	}
	if msg != "" {
		return bad(msg)
	}
	return nil
}

// compile checks the table as a whole and works out how it matches, into
// r: in place, since a rule is a few hundred bytes and Parse runs on every get.
func (e *entry) compile(path string, r *rule) error {
	bad := func(key, msg string) error {
		line := e.line(key)
		if line == 0 {
			line = e.Line
		}
		return &Error{Path: path, Line: line, Key: key, Message: msg}
	}
	*r = rule{Mapping: e.Mapping, sel: e.Selection()}
	if e.line(keyMatch) == 0 {
		return bad(keyMatch, "missing: each [[registry]] needs a match (an account ID, a host glob or a host)")
	}
	isECRName := true
	switch {
	case ecr.IsAccountID(e.Match):
		r.kind = matchAccount
	case strings.Contains(e.Match, "*"):
		r.kind = matchGlob
		isECRName = isECRGlob(e.Match)
	default:
		r.kind = matchExact
		_, err := ecr.ParseHost(e.Match)
		isECRName = err == nil
	}
	hasECR := e.line(keyECR) != 0
	switch {
	case isECRName && hasECR:
		return bad(keyECR, "only an alias takes ecr, and "+quote(e.Match)+" is already an ECR name")
	case !isECRName && !hasECR:
		what := "host " + quote(e.Match) + " is not ECR's"
		if r.kind == matchGlob {
			what = "glob " + quote(e.Match) + " does not match ECR hosts (in an ECR glob '*' stands for the account or the region)"
		}
		return bad(keyMatch, what+"; an alias needs ecr = the ECR registry host it stands for")
	case hasECR:
		r.alias, r.target = true, e.target
	}
	if e.RoleARN == "" && e.Profile == "" {
		for _, k := range [...]string{keyExternalID, keyRoleSessionName, keyMFASerial} {
			if e.line(k) != 0 {
				return bad(k, "needs role_arn or profile: without either there is no role to assume")
			}
		}
	}
	return nil
}

// matches reports whether r applies to host, a canonical host; reg is its
// ECR registry when isECR. ECR rules apply only to ECR hosts and aliases
// only to other hosts, so an alias can never redirect a real ECR registry.
func (r *rule) matches(host string, reg ecr.Registry, isECR bool) bool {
	if r.alias == isECR {
		return false
	}
	switch r.kind {
	case matchAccount:
		return reg.Account == r.Match
	case matchExact:
		return host == r.Match
	default:
		return globMatch(r.Match, host)
	}
}

// globMatch reports whether host has as many labels as pattern and each
// equals pattern's or pattern's is '*'. It walks both strings without
// splitting them: it runs for every mapping on every get.
func globMatch(pattern, host string) bool {
	for {
		pl, prest, pmore := strings.Cut(pattern, ".")
		hl, hrest, hmore := strings.Cut(host, ".")
		if hl == "" || (pl != "*" && pl != hl) {
			return false
		}
		if !pmore || !hmore {
			return pmore == hmore
		}
		pattern, host = prest, hrest
	}
}

// checkMatchShape returns what is wrong with a lower-case match value, or "".
func checkMatchShape(m string) string {
	if ecr.IsAccountID(m) {
		return ""
	}
	const shape = " (an account ID, a host glob or a host, without scheme, port or path)"
	if m == "" {
		return "empty" + shape
	}
	if len(m) > 253 {
		return "longer than 253 characters"
	}
	stars, labels := 0, 0
	last, secondLast := "", ""
	for rest, more := m, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		labels++
		secondLast, last = last, l
		switch {
		case l == "":
			return quote(m) + " has an empty label" + shape
		case l == "*":
			stars++
		case strings.Contains(l, "*"):
			return quote(m) + ": '*' must be a whole label, and stands for exactly one"
		case len(l) > 63:
			return quote(m) + " has a label longer than 63 characters"
		default:
			for i := 0; i < len(l); i++ {
				if c := l[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
					return quote(m) + " is not a host" + shape
				}
			}
		}
	}
	if stars > 0 && (labels < 3 || last == "*" || secondLast == "*") {
		// "*.com" or "registry.*" would hand a registry token to hosts
		// of anyone's choosing.
		return quote(m) + ": a glob's last two labels must be literal"
	}
	return ""
}

// serviceLabels are the labels that come just before the region in an ECR
// registry host.
var serviceLabels = [...]string{"ecr", "ecr-fips", "dkr-ecr", "dkr-ecr-fips"}

// sampleRegions has one region of each partition ECR serves, to try in a
// glob's region label.
var sampleRegions = [...]string{"us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1"}

// isECRGlob reports whether a glob can match ECR registry hosts: its '*'
// labels stand only for the account (the first label) or the region (the
// label after the service) and, filled in so, it names an ECR host. The
// host rules themselves stay in ecr.ParseHost; this only fills the blanks.
func isECRGlob(glob string) bool {
	if rest, ok := strings.CutPrefix(glob, "*."); ok && !strings.Contains(rest, "*") {
		// The common glob, any account in one place: no need to split.
		_, err := ecr.ParseHost("000000000000." + rest)
		return err == nil
	}
	labels := strings.Split(glob, ".")
	region := -1
	for i, l := range labels {
		switch {
		case l != "*":
		case i == 0:
			labels[i] = "000000000000"
		case region < 0 && isServiceLabel(labels[i-1]):
			region = i
		default:
			return false
		}
	}
	if region < 0 {
		_, err := ecr.ParseHost(strings.Join(labels, "."))
		return err == nil
	}
	for _, sample := range sampleRegions {
		labels[region] = sample
		if _, err := ecr.ParseHost(strings.Join(labels, ".")); err == nil {
			return true
		}
	}
	return false
}

func isServiceLabel(l string) bool {
	for _, s := range serviceLabels {
		if l == s {
			return true
		}
	}
	return false
}

// iamPartitions are the partitions an IAM ARN may name.
var iamPartitions = [...]string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// isIAMARN reports whether s is arn:PARTITION:iam::ACCOUNT:TYPE/[PATH/]NAME,
// with IAM's name characters in the path and name.
func isIAMARN(s, typ string) bool {
	if len(s) > 2048 {
		return false
	}
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return false
	}
	partition, rest, _ := strings.Cut(rest, ":")
	known := false
	for _, p := range iamPartitions {
		known = known || partition == p
	}
	rest, ok = strings.CutPrefix(rest, "iam::")
	if !known || !ok || len(rest) < 13 || !ecr.IsAccountID(rest[:12]) || rest[12] != ':' {
		return false
	}
	resource, ok := strings.CutPrefix(rest[13:], typ+"/")
	if !ok {
		return false
	}
	for {
		seg, more, slash := strings.Cut(resource, "/")
		if !isSTSString(seg, 1, 512, "+=,.@_-") {
			return false
		}
		if !slash {
			return len(seg) <= 64 // the name
		}
		resource = more
	}
}

// isSerial reports whether s is a hardware MFA device's serial number.
func isSerial(s string) bool {
	return !strings.HasPrefix(s, "arn:") && isSTSString(s, 9, 256, "")
}

// isSTSString reports whether s is min to max of ASCII letters, digits and
// the extra characters.
func isSTSString(s string, minLen, maxLen int, extra string) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// quote quotes a value for a message, cut short if long: a message is one
// line, and the value is there to be recognised, not copied.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strconv.Quote(s)
}
