package ecr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Selection is what picks the AWS identity for a registry beyond the
// process environment: a named profile chosen for that registry. It is
// empty today; the per-registry configuration file fills it in, and since
// it selects the identity it is part of every cache key.
type Selection struct {
	Profile string `json:"profile,omitempty"`
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
// tokens. Secrets (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) are left out on
// purpose: the key id already names the principal, and secrets go nowhere,
// not even into a hash.
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

// maxConfigFile bounds how much of an AWS config file the fingerprint
// reads; a larger file still selects an identity, it is only hashed in part
// together with its size.
const maxConfigFile = 1 << 20

// ResolveIdentity works out the identity a request will run as. It reads the
// environment through getenv and hashes the AWS shared config and
// credentials files whole rather than parsing the profile out of them:
// exact, cheap (two small reads), and it can never confuse two identities,
// at the price of one extra fetch after any edit to those files.
func ResolveIdentity(getenv func(string) string, sel Selection) Identity {
	h := sha256.New()
	field := func(name, value string) {
		fmt.Fprintf(h, "%s=%d:%s\n", name, len(value), value)
	}
	field("selection.profile", sel.Profile)
	for _, name := range identityEnv {
		field(name, getenv(name))
	}
	home := homeDir(getenv)
	for _, f := range []struct{ env, def string }{
		{"AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config")},
		{"AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials")},
	} {
		path := getenv(f.env)
		if path == "" {
			path = f.def
		}
		hashFile(h, path)
	}

	id := Identity{Fingerprint: hex.EncodeToString(h.Sum(nil))}
	id.Source, id.Profile = describeSource(getenv, sel)
	return id
}

// describeSource mirrors the order of the AWS SDK for Go v2's default chain:
// an explicitly chosen profile, then environment keys, then web identity from
// the environment, then the profile named by AWS_PROFILE (or "default"),
// which itself may fall through to container and instance credentials.
func describeSource(getenv func(string) string, sel Selection) (source, profile string) {
	switch {
	case sel.Profile != "":
		return fmt.Sprintf("profile %q", sel.Profile), sel.Profile
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
	return fmt.Sprintf("profile %q", profile), profile
}

func hashFile(w io.Writer, path string) {
	fmt.Fprintf(w, "file=%d:%s\n", len(path), path)
	f, err := os.Open(path)
	if err != nil {
		// Absent and unreadable are both "no such input"; the SDK will see
		// the same and the fingerprint stays stable until that changes.
		fmt.Fprintf(w, "absent\n")
		return
	}
	defer f.Close()
	n, _ := io.Copy(w, io.LimitReader(f, maxConfigFile))
	fmt.Fprintf(w, "\nsize=%d\n", n)
}

func homeDir(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	return getenv("USERPROFILE")
}
