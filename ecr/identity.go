package ecr

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// Selection is what picks the AWS identity for a registry beyond the
// process environment: the per-registry configuration's choices (a named
// profile, a role to assume with it, and how). Since it selects the
// identity it is part of every cache key. The zero Selection means the
// default credential chain.
type Selection struct {
	Profile string `json:"profile,omitempty"`
	// RoleARN is a role assumed with the profile's (or the default
	// chain's) credentials; ExternalID and RoleSessionName go with the
	// AssumeRole call, MFASerial makes it ask for a code.
	RoleARN         string `json:"roleARN,omitempty"`
	ExternalID      string `json:"externalID,omitempty"`
	RoleSessionName string `json:"roleSessionName,omitempty"`
	MFASerial       string `json:"mfaSerial,omitempty"`
	// ServiceAccount names, for the kubelet's service-account mode, the
	// Kubernetes service account whose token is exchanged for RoleARN
	// (AssumeRoleWithWebIdentity): "namespace/name/uid". It is part of
	// the key so that no service account is served another's token; the
	// token itself is never in a Selection.
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

// Identity says which AWS identity a request for a registry runs as, worked
// out offline from the environment and the AWS config files: no SDK, no
// network, no prompt. That is what lets a cache hit skip credential
// resolution (STS, SSO, IMDS round trips, MFA prompts) entirely.
type Identity struct {
	// Source names where the credentials come from, for people:
	// `profile "prod"`, `credentials from AWS_ACCESS_KEY_ID`, ...
	Source string
	// Profile is the shared-config profile the SDK will use, when one
	// decides the identity; empty when environment credentials win.
	Profile string
	// Fingerprint is a hex SHA-256 of everything that selects the identity.
	// Two invocations with the same fingerprint run as the same principal,
	// so they may share a token; any change to the inputs (another profile,
	// another key, an edited ~/.aws/config) gives a new fingerprint and so
	// one new fetch. It reveals none of its inputs.
	Fingerprint string
}

// identityEnv lists the environment variables that decide which principal
// the AWS SDK's default credential chain ends up as, or where it asks for
// tokens. The secrets in the environment (AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) are left out: the key id already names the principal.
// The credentials file, by contrast, is hashed whole, secrets and all,
// because picking the profile out of it would mean parsing it; only the
// SHA-256 of that hash ever reaches a cache file name, which reveals
// nothing, and nothing of the file is stored.
var identityEnv = []string{
	"AWS_ACCESS_KEY_ID",
	"AWS_PROFILE",
	"AWS_DEFAULT_PROFILE",
	"AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME",
	"AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_EC2_METADATA_DISABLED",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE",
	"AWS_SDK_LOAD_CONFIG",
	// A token from one endpoint is not a token from another: tests, proxies
	// and private endpoints must never share entries with real ECR.
	"AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_ECR",
	"AWS_ENDPOINT_URL_ECR_PUBLIC",
	"AWS_ENDPOINT_URL_STS",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
}

// laterIdentityEnv lists variables found to select the identity after the
// fingerprint was first defined. They are framed only when set, like the
// later Selection fields, so that existing cache keys stay valid.
var laterIdentityEnv = []string{
	"AWS_ENDPOINT_URL_SSO",
}

// maxConfigFile bounds how much of an AWS config file the fingerprint
// reads; a larger file still selects an identity, it is only hashed in part
// together with its size.
const maxConfigFile = 1 << 20

// ResolveIdentity works out the identity a request will run as. It reads the
// process environment (os.Getenv), because that is what the AWS SDK reads
// when it fetches, and finds the AWS files by the SDK's own rules
// (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else under homedir.Dir),
// so the fingerprint covers exactly what will select the identity. The
// files are hashed whole rather than parsed for the profile: exact, cheap
// (two small reads), and it can never confuse two identities, at the price
// of one extra fetch after any edit to them.
func ResolveIdentity(sel Selection) Identity {
	return resolveIdentity(os.Getenv, homedir.Dir, sel)
}

func resolveIdentity(getenv func(string) string, home func() string, sel Selection) Identity {
	// Every get runs this, hits included, so the inputs are framed into one
	// buffer by hand (fmt would allocate per field) and the files are read
	// through that buffer's spare room.
	fp := fingerprint{h: sha256.New(), buf: make([]byte, 0, fingerprintBuffer)}
	fp.field("selection.profile", sel.Profile)
	// Fields added after the first release are framed only when set, so
	// that every fingerprint, and every cache key, made before they
	// existed stays what it was.
	fp.optional("selection.role_arn", sel.RoleARN)
	fp.optional("selection.external_id", sel.ExternalID)
	fp.optional("selection.role_session_name", sel.RoleSessionName)
	fp.optional("selection.mfa_serial", sel.MFASerial)
	fp.optional("selection.service_account", sel.ServiceAccount)
	for _, name := range identityEnv {
		fp.field(name, getenv(name))
	}
	for _, name := range laterIdentityEnv {
		fp.optional(name, getenv(name))
	}
	dir := ""
	for _, f := range [...]struct{ env, name string }{
		{"AWS_CONFIG_FILE", "config"},
		{"AWS_SHARED_CREDENTIALS_FILE", "credentials"},
	} {
		path := getenv(f.env)
		if path == "" {
			if dir == "" {
				dir = home()
			}
			path = filepath.Join(dir, ".aws", f.name)
		}
		fp.file(path)
	}

	id := Identity{Fingerprint: fp.sum()}
	id.Source, id.Profile = describeSource(getenv, sel)
	if sel.RoleARN != "" && sel.ServiceAccount == "" {
		// The role is who the call runs as; the profile only signs the
		// AssumeRole. A service account's role is not assumed with these
		// credentials but exchanged for the pod's token.
		id.Source = "role " + sel.RoleARN + " via " + id.Source
	}
	return id
}

// describeSource mirrors the order of the AWS SDK for Go v2's default chain:
// an explicitly chosen profile, then environment keys, then web identity from
// the environment, then the profile named by AWS_PROFILE (or "default"),
// which itself may fall through to container and instance credentials.
func describeSource(getenv func(string) string, sel Selection) (source, profile string) {
	switch {
	case sel.ServiceAccount != "":
		// The kubelet's service-account mode: the pod's token for the role.
		ns, rest, _ := strings.Cut(sel.ServiceAccount, "/")
		name, _, _ := strings.Cut(rest, "/")
		return "role " + sel.RoleARN + " for service account " + ns + "/" + name, ""
	case sel.Profile != "":
		return "profile " + strconv.Quote(sel.Profile), sel.Profile
	case getenv("AWS_ACCESS_KEY_ID") != "" && getenv("AWS_SECRET_ACCESS_KEY") != "":
		return "credentials from AWS_ACCESS_KEY_ID", ""
	case getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		return "web identity from AWS_WEB_IDENTITY_TOKEN_FILE", ""
	}
	profile = getenv("AWS_PROFILE")
	if profile == "" {
		profile = getenv("AWS_DEFAULT_PROFILE")
	}
	if profile == "" {
		return `profile "default"`, "default"
	}
	return "profile " + strconv.Quote(profile), profile
}

// fingerprintBuffer is room for the framed environment and a typical AWS
// config file in one read.
const fingerprintBuffer = 2 << 10

// fingerprint hashes the identity inputs as a stream of framed lines: one
// per input, selection.profile first and then identityEnv in order,
//
//	NAME=LEN:VALUE\n
//
// then for each AWS file
//
//	file=LEN:PATH\n
//	CONTENTS\nsize=N\n     (its first N <= maxConfigFile bytes) if it opens,
//	absent\n               if it does not.
//
// This is the framing the fingerprint was first defined with, by
// fmt.Fprintf, so fingerprints, and with them cache keys, stay the same
// from one version of this code to the next.
type fingerprint struct {
	h   hash.Hash
	buf []byte // framed input not yet written to h
}

func (f *fingerprint) field(name, value string) {
	f.buf = append(f.buf, name...)
	f.frame(value)
}

// optional frames a field only when it has a value.
func (f *fingerprint) optional(name, value string) {
	if value != "" {
		f.field(name, value)
	}
}

// frame appends "=LEN:VALUE\n"; "file" framing differs only in the name.
func (f *fingerprint) frame(value string) {
	f.buf = append(f.buf, '=')
	f.buf = strconv.AppendInt(f.buf, int64(len(value)), 10)
	f.buf = append(f.buf, ':')
	f.buf = append(f.buf, value...)
	f.buf = append(f.buf, '\n')
}

// file hashes the file at path: at most maxConfigFile bytes of it, and
// how many. Absent and unreadable are both "no such input"; the SDK will
// see the same and the fingerprint stays stable until that changes. A read
// error ends the contents early, like end of file.
func (f *fingerprint) file(path string) {
	f.buf = append(f.buf, "file"...)
	f.frame(path)
	file, err := os.Open(path)
	if err != nil {
		f.buf = append(f.buf, "absent\n"...)
		return
	}
	defer file.Close()
	f.flush()
	chunk := f.buf[:cap(f.buf)]
	var n int64
	for n < maxConfigFile {
		m, err := file.Read(chunk[:min(int64(len(chunk)), maxConfigFile-n)])
		f.h.Write(chunk[:m])
		n += int64(m)
		if err != nil {
			break
		}
	}
	f.buf = append(f.buf, "\nsize="...)
	f.buf = strconv.AppendInt(f.buf, n, 10)
	f.buf = append(f.buf, '\n')
}

func (f *fingerprint) flush() {
	f.h.Write(f.buf)
	f.buf = f.buf[:0]
}

// sum returns the hex SHA-256 of everything framed.
func (f *fingerprint) sum() string {
	f.flush()
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], f.h.Sum(sum[:0]))
	return string(out[:])
}
