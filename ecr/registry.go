package ecr

import (
	"strings"
)

// This file holds every rule about which hosts are ECR registries. The
// rules are deliberately a whitelist of exact shapes: a host the helper
// accepts is one it will fetch an AWS token for, so a look-alike that slips
// through (a suffix on an attacker's domain, userinfo that moves the real
// host, an IP) would hand an attacker-controlled server a registry password.
//
// The server URL is parsed by hand rather than with net/url. net/url is
// lenient in ways that do not help here: it accepts userinfo and
// percent-encoded hosts, and reads a schemeless "host/path" - the form
// docker uses most - as a bare path with no host at all. A small parser
// that only lets [a-z0-9.-] into a host and then matches fixed labels is
// easier to reason about, and allocates nothing unless the host has upper
// case to fold.

// Registry is an ECR registry, as named by its host.
type Registry struct {
	Host      string // canonical host: lower case, no scheme, userinfo, port, path or trailing dot
	Account   string // 12-digit AWS account ID; empty for ECR Public
	Region    string // e.g. us-east-1; always us-east-1 for ECR Public
	Partition string // aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc
	FIPS      bool   // a FIPS registry host (dkr.ecr-fips / dkr-ecr-fips)
	DualStack bool   // a dual-stack (IPv4+IPv6) registry host
	Public    bool   // ECR Public (public.ecr.aws, ecr-public.aws.com)
}

// String returns r.Host.
func (r Registry) String() string { return r.Host }

// AWS partition IDs, as the SDKs and ARNs spell them.
const (
	partitionAWS      = "aws"
	partitionChina    = "aws-cn"
	partitionGovCloud = "aws-us-gov"
	partitionISO      = "aws-iso"
	partitionISOB     = "aws-iso-b"
	partitionISOE     = "aws-iso-e"
	partitionISOF     = "aws-iso-f"
	partitionEUSC     = "aws-eusc"
)

// ECR Public registry hosts. ECR Public has one home region: its API, and
// so its tokens, live in us-east-1 wherever the caller is.
const (
	publicHost          = "public.ecr.aws"
	publicDualStackHost = "ecr-public.aws.com"
	publicRegion        = "us-east-1"
)

// maxHostLen is the longest DNS name (RFC 1035), without the trailing dot.
// Anything longer cannot resolve, so it cannot be a registry.
const maxHostLen = 253

// asciiSpace is what surrounding whitespace may be made of. Only ASCII is
// trimmed: a host wrapped in, say, U+00A0 was not typed by a person or
// written by docker, and non-ASCII is rejected everywhere else anyway.
const asciiSpace = " \t\n\v\f\r"

// domain is one DNS suffix under which ECR serves private registries, with
// what a registry host under it may look like.
type domain struct {
	// suffix starts with a dot, so matching it always lands on a label
	// boundary: "x.evilamazonaws.com" must not match "amazonaws.com".
	suffix string
	// dualStack domains name registries ACCT.dkr-ecr[-fips].REGION (one
	// label); IPv4-only domains use ACCT.dkr.ecr[-fips].REGION (two).
	dualStack bool
	// fips reports whether ECR runs FIPS registry hosts under this suffix.
	fips bool
	// partitions are the partitions whose regions this suffix serves. The
	// suffix alone cannot say: aws and aws-us-gov share amazonaws.com and
	// on.aws, and only the region tells them apart.
	partitions [2]string
}

// privateDomains lists every suffix with ECR private registries. Each is a
// domain AWS owns, which is what makes the hosts under it safe to send AWS
// credentials to; the region label still has to belong to the suffix's
// partition, so a typo like cn-north-1 under amazonaws.com is refused
// rather than sent to a region that does not exist there.
//
// FIPS registry hosts exist only in aws and aws-us-gov; dual-stack registry
// hosts only under on.aws and, in China, on.amazonwebservices.com.cn.
var privateDomains = [...]domain{
	{suffix: ".amazonaws.com", fips: true, partitions: [2]string{partitionAWS, partitionGovCloud}},
	{suffix: ".on.aws", dualStack: true, fips: true, partitions: [2]string{partitionAWS, partitionGovCloud}},
	{suffix: ".amazonaws.com.cn", partitions: [2]string{partitionChina}},
	{suffix: ".on.amazonwebservices.com.cn", dualStack: true, partitions: [2]string{partitionChina}},
	{suffix: ".amazonaws.eu", partitions: [2]string{partitionEUSC}},
	{suffix: ".c2s.ic.gov", partitions: [2]string{partitionISO}},
	{suffix: ".sc2s.sgov.gov", partitions: [2]string{partitionISOB}},
	{suffix: ".cloud.adc-e.uk", partitions: [2]string{partitionISOE}},
	{suffix: ".csp.hci.ic.gov", partitions: [2]string{partitionISOF}},
}

// The reasons a server URL is not an ECR registry. They are fixed values so
// that rejecting a host - which happens for every non-ECR registry docker
// asks about - allocates nothing, and so that no error ever repeats input:
// a server URL can carry userinfo, and userinfo can carry a password.
var (
	errEmpty       = notECR("empty server URL")
	errCharacter   = notECR("control, space or non-ASCII character in server URL")
	errBackslash   = notECR("backslash in server URL")
	errUserinfo    = notECR("userinfo in server URL")
	errQuery       = notECR("query in server URL")
	errFragment    = notECR("fragment in server URL")
	errScheme      = notECR("scheme is not https or http")
	errEmptyHost   = notECR("empty host")
	errIPLiteral   = notECR("IP address host")
	errPort        = notECR("invalid port")
	errHostTooLong = notECR("host longer than 253 characters")
	errHostChar    = notECR("host has a character outside [a-z0-9.-]")
	errDomain      = notECR("host is not under an ECR domain")
	errAccount     = notECR("account ID is not 12 digits")
	errService     = notECR("host is not an ECR registry endpoint")
	errRegion      = notECR("malformed region")
	errPartition   = notECR("region is not in the domain's partition")
	errFIPS        = notECR("no FIPS registry endpoint in this partition")
)

func notECR(reason string) error { return notECRError(reason) }

type notECRError string

func (e notECRError) Error() string { return "not an ECR registry: " + string(e) }
func (e notECRError) Unwrap() error { return ErrNotECR }

// ParseHost reads the registry a docker server URL names. Every error wraps ErrNotECR.
//
// serverURL may be a bare host or carry an https or http scheme, a port, a
// path, a trailing dot on the host, surrounding whitespace and any letter
// case. Everything about the registry comes from the host: in particular
// the region is the host's, never AWS_REGION or a profile's, because a
// token is only valid for the region that issued it and one docker config
// routinely names registries in several regions.
func ParseHost(serverURL string) (Registry, error) {
	host, err := CanonicalHost(serverURL)
	if err != nil {
		return Registry{}, err
	}
	return parseRegistryHost(host)
}

// CanonicalHost returns the host a docker server URL names, read by the
// rules ParseHost reads it with (scheme, userinfo, port, path, trailing dot
// and case handled alike), whether or not the host is ECR's: it is what the
// per-registry configuration matches alias host names against, so an alias
// and an ECR host are read the same way. Every error wraps ErrNotECR; none
// repeats the input.
func CanonicalHost(serverURL string) (string, error) {
	s := strings.Trim(serverURL, asciiSpace)
	if s == "" {
		return "", errEmpty
	}
	if err := checkBytes(s); err != nil {
		return "", err
	}
	s, err := stripScheme(s)
	if err != nil {
		return "", err
	}
	// The path, if any, names a repository or an API route; it says
	// nothing about which registry this is.
	authority, _, _ := strings.Cut(s, "/")
	return hostOf(authority)
}

// checkBytes rejects bytes no docker server URL contains and that only
// serve to confuse one parser or another. It runs over the whole URL, path
// included, so nothing after the host can be read as a second host.
func checkBytes(s string) error {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ' || c >= 0x7f:
			// Controls and spaces split or hide parts of a URL in logs
			// and terminals; non-ASCII opens the door to homoglyphs and
			// to IDNA mappings that turn one host into another.
			return errCharacter
		case c == '\\':
			// Some URL parsers (WHATWG, browsers) read \ as /, so
			// "evil.com\@real" means different hosts to different readers.
			return errBackslash
		case c == '@':
			// Userinfo moves the host: in "https://ACCT.dkr.ecr...@evil.com"
			// the host is evil.com. ECR never uses userinfo, so any @ is
			// a trick or a mistake.
			return errUserinfo
		case c == '?':
			return errQuery
		case c == '#':
			return errFragment
		}
	}
	return nil
}

// stripScheme removes an https:// or http:// prefix, in any case. Docker
// keys credentials by whatever the user typed at `docker login`, so both
// appear; http is accepted because the host, not the scheme, decides which
// registry a token is for, and docker, not this helper, picks the transport.
// Any other scheme is refused.
func stripScheme(s string) (string, error) {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || s[slash-1] != ':' || !strings.HasPrefix(s[slash:], "//") {
		return s, nil
	}
	scheme := s[:slash-1]
	if !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "http") {
		return "", errScheme
	}
	return s[slash+2:], nil
}

// hostOf returns the lower-case host of an authority (host[:port]), with
// any trailing dot removed. checkBytes has already refused userinfo.
func hostOf(authority string) (string, error) {
	if authority == "" {
		return "", errEmptyHost
	}
	if authority[0] == '[' {
		// An IPv6 literal. No ECR registry is named by an address, and a
		// token sent to an address could go anywhere.
		return "", errIPLiteral
	}
	host, port, hasPort := strings.Cut(authority, ":")
	if hasPort && !isPort(port) {
		return "", errPort
	}
	// "host." is the same DNS name as "host": the dot only says it is
	// fully qualified. One dot; ".." is an empty label and is refused below.
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return "", errEmptyHost
	}
	if len(host) > maxHostLen {
		return "", errHostTooLong
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return "", errHostChar
		}
	}
	// DNS is case-insensitive, so the canonical host is lower case. For a
	// host that already is, ToLower returns its argument: no allocation.
	return strings.ToLower(host), nil
}

// isPort reports whether s is a TCP port, 1-65535, in plain decimal. A
// leading zero or sign is refused: no one writes them, and parsers differ
// on what they mean.
func isPort(s string) bool {
	if len(s) == 0 || len(s) > 5 || s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// parseRegistryHost matches a canonical host (lower case, [a-z0-9.-] only)
// against the ECR registry host forms.
func parseRegistryHost(host string) (Registry, error) {
	// ECR Public has fixed hosts and no account in them: the account is in
	// the path, as a registry alias, and docker authenticates to the host.
	switch host {
	case publicHost:
		return Registry{Host: publicHost, Region: publicRegion, Partition: partitionAWS, Public: true}, nil
	case publicDualStackHost:
		return Registry{Host: publicDualStackHost, Region: publicRegion, Partition: partitionAWS, Public: true, DualStack: true}, nil
	}

	// Private registries: ACCT.SERVICE.REGION.SUFFIX, every part checked
	// exactly. The suffix comes first because most hosts docker asks about
	// (docker.io, ghcr.io, ...) fail there, and cheaply.
	var d *domain
	for i := range privateDomains {
		if strings.HasSuffix(host, privateDomains[i].suffix) {
			d = &privateDomains[i]
			break
		}
	}
	if d == nil {
		return Registry{}, errDomain
	}
	name := host[:len(host)-len(d.suffix)]

	account, rest, _ := strings.Cut(name, ".")
	if !IsAccountID(account) {
		return Registry{}, errAccount
	}

	// The service label(s) must be the registry endpoint of this domain's
	// kind: dkr.ecr under IPv4-only suffixes, dkr-ecr under dual-stack
	// ones. api.ecr and ecr are API endpoints, not registries, and the
	// crossed forms (dkr-ecr under amazonaws.com) do not exist.
	service, fips := "dkr.ecr.", false
	if d.dualStack {
		service = "dkr-ecr."
	}
	switch {
	case strings.HasPrefix(rest, service):
		rest = rest[len(service):]
	case strings.HasPrefix(rest, service[:len(service)-1]+"-fips."):
		rest = rest[len(service)+len("-fips"):]
		fips = true
	default:
		return Registry{}, errService
	}

	// What remains is the region, one label; a dot left in it means extra
	// labels, which no ECR host has.
	region := rest
	if !isRegion(region) {
		return Registry{}, errRegion
	}
	partition := partitionOf(region)
	if partition == "" || (partition != d.partitions[0] && partition != d.partitions[1]) {
		return Registry{}, errPartition
	}
	if fips && !d.fips {
		return Registry{}, errFIPS
	}
	return Registry{
		Host:      host,
		Account:   account,
		Region:    region,
		Partition: partition,
		FIPS:      fips,
		DualStack: d.dualStack,
	}, nil
}

// IsAccountID reports whether s is an AWS account ID: exactly 12 ASCII
// digits, leading zeros included (they are significant).
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegion reports whether s has the shape of an AWS region name,
// [a-z]{2,4}(-[a-z]+)+-[1-9][0-9]*: us-east-1, us-gov-west-1,
// ap-southeast-5, eusc-de-east-1. The shape, not a list, is checked, so a
// region AWS opens tomorrow works today; partitionOf then keeps each
// region under its own partition's suffix.
func isRegion(s string) bool {
	// A DNS label is at most 63 octets.
	if len(s) > 63 {
		return false
	}
	words, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			continue
		}
		word := s[start:i]
		last := i == len(s)
		switch {
		case words == 0:
			if len(word) < 2 || len(word) > 4 || !isLower(word) {
				return false
			}
		case last:
			// The region number: at least two words must come before it.
			if words < 2 || !isNumber(word) {
				return false
			}
		default:
			if word == "" || !isLower(word) {
				return false
			}
		}
		words++
		start = i + 1
	}
	// A lone word ("us") ends the loop as the first word, not the number.
	return words >= 3
}

// isLower reports whether s is all ASCII lower-case letters.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// isNumber reports whether s is a positive decimal with no leading zero.
func isNumber(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// partitionOf names the partition a well-shaped region belongs to, from its
// prefix, as the SDKs' partition table does. It returns "" for a region
// that looks like an isolated partition this file does not know: such a
// partition would have its own DNS suffix, so the region cannot be right
// under any suffix we know.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return partitionGovCloud
	case strings.HasPrefix(region, "cn-"):
		return partitionChina
	case strings.HasPrefix(region, "us-iso-"):
		return partitionISO
	case strings.HasPrefix(region, "us-isob-"):
		return partitionISOB
	case strings.HasPrefix(region, "eu-isoe-"):
		return partitionISOE
	case strings.HasPrefix(region, "us-isof-"):
		return partitionISOF
	case strings.HasPrefix(region, "eusc-"):
		return partitionEUSC
	}
	// Every isolated region so far has "iso" opening its second word.
	if _, rest, _ := strings.Cut(region, "-"); strings.HasPrefix(rest, "iso") {
		return ""
	}
	return partitionAWS
}
