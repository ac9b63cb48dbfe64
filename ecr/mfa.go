package ecr

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// ErrMFARequired reports that the role to assume needs an MFA code and
// there is no terminal to ask for one on (CI, a daemon, a GUI): running
// `ecrlogin login HOST` from a terminal fills the cache instead.
var ErrMFARequired = errors.New("MFA code required")

// CodeMFARequired is the Code of an *Error that stands for ErrMFARequired.
// Part of the fetch protocol: never renamed.
const CodeMFARequired = "MFARequired"

// MFAWait is the least time a person at an MFA prompt is given, whatever
// ECRLOGIN_TIMEOUT says: reaching for a phone and typing six digits takes
// longer than a fetch ever should.
const MFAWait = 2 * time.Minute

// maxSourceProfiles bounds the source_profile chain NeedsMFA follows; the
// SDK refuses cycles, and no real chain is this long.
const maxSourceProfiles = 16

// NeedsMFA reports whether fetching a token for sel may ask a person for
// an MFA code: the mapping names an MFA device, or the AWS profile the SDK
// will use (sel.Profile, else AWS_PROFILE or AWS_DEFAULT_PROFILE unless
// environment keys win, else "default"), or a profile in its
// source_profile chain, has mfa_serial in the AWS config file. It reads
// that one small file, without the SDK, so the front can give the fetch
// MFAWait before it starts; callers ask only after a cache miss, so a hit
// never reads it. An unreadable file needs no MFA: the SDK will not find
// one there either.
func NeedsMFA(sel Selection) bool {
	return needsMFA(os.Getenv, homedir.Dir, sel)
}

func needsMFA(getenv func(string) string, home func() string, sel Selection) bool {
	if sel.MFASerial != "" {
		return true
	}
	if sel.ServiceAccount != "" {
		return false // the kubelet exchanges a pod's token: nobody to ask
	}
	_, profile := describeSource(getenv, sel)
	if profile == "" {
		return false // environment credentials or web identity: no profile
	}
	path := getenv("AWS_CONFIG_FILE")
	if path == "" {
		path = filepath.Join(home(), ".aws", "config")
	}
	profiles, err := scanProfiles(path)
	if err != nil {
		return false
	}
	for range maxSourceProfiles {
		p, ok := profiles[profile]
		if !ok {
			return false
		}
		if p.mfaSerial {
			return true
		}
		if p.sourceProfile == "" || p.sourceProfile == profile {
			return false
		}
		profile = p.sourceProfile
	}
	return false
}

// profileMFA is what NeedsMFA needs of one profile.
type profileMFA struct {
	mfaSerial     bool
	sourceProfile string
}

// scanProfiles reads the AWS config file's profiles, as the SDK names
// them: [default] and [profile NAME]; other sections (sso-session,
// services) are skipped. Keys are matched without regard to case, values
// trimmed, and full-line comments (# or ;) ignored, as the SDK does.
func scanProfiles(path string) (map[string]profileMFA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	profiles := map[string]profileMFA{}
	current := "" // "" outside a profile section
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			name, _, _ := strings.Cut(line[1:], "]")
			name = strings.Join(strings.Fields(name), " ")
			if rest, ok := strings.CutPrefix(name, "profile "); ok {
				current = strings.TrimSpace(rest)
			} else if name == "default" {
				current = "default"
			} else {
				current = ""
			}
			continue
		}
		if current == "" {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		p := profiles[current]
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "mfa_serial":
			p.mfaSerial = strings.TrimSpace(value) != ""
		case "source_profile":
			p.sourceProfile = strings.TrimSpace(value)
		}
		profiles[current] = p
	}
	return profiles, sc.Err()
}

// WithDeadlineAtLeast returns a copy of parent whose deadline is at least
// at: parent's own when that is later, else at. It carries parent's
// values and ends when parent is cancelled (a signal, the caller giving
// up), but not when parent's deadline passes, since outliving that is the
// point. The cancel function must be called, as with context.WithDeadline.
func WithDeadlineAtLeast(parent context.Context, at time.Time) (context.Context, context.CancelFunc) {
	if d, ok := parent.Deadline(); !ok || !d.Before(at) {
		return context.WithCancel(parent)
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(parent), at)
	stop := context.AfterFunc(parent, func() {
		if !errors.Is(parent.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	return ctx, func() {
		stop()
		cancel()
	}
}
