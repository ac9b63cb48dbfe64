package cache

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// Dir chooses the cache directory from the environment, read through getenv
// (os.Getenv in production, a map in tests).
//
// The cache is disabled (enabled is false) if ECRLOGIN_NO_CACHE or, for
// compatibility with amazon-ecr-credential-helper, AWS_ECR_DISABLE_CACHE is
// set to anything but "", "0" or "false".
//
// Otherwise the directory is the first of:
//
//   - ECRLOGIN_CACHE_DIR
//   - AWS_ECR_CACHE_DIR (the incumbent helper's variable; like it, a
//     leading "~" means the home directory, and so it does for
//     ECRLOGIN_CACHE_DIR)
//   - $XDG_CACHE_HOME/ecrlogin, if XDG_CACHE_HOME is absolute (the XDG
//     spec says to ignore a relative one)
//   - the system's per-user cache directory: %LocalAppData%\ecrlogin on
//     Windows, ~/Library/Caches/ecrlogin on macOS, and elsewhere
//     ~/.cache/ecrlogin, or /var/cache/ecrlogin for root when HOME is
//     unset (the kubelet runs its credential providers so)
//
// The home directory is found by the AWS SDK's rule (HOME, else the
// account database; see package homedir), so the cache sits in the same
// home as the files that select the identity.
//
// If none applies, or the chosen directory is relative, which would depend
// on wherever docker happens to start the helper, the cache is disabled
// rather than scattered. dir is "" whenever enabled is false.
func Dir(getenv func(string) string) (dir string, enabled bool) {
	return dirFor(getenv, system{
		goos: runtime.GOOS,
		root: os.Geteuid() == 0,
		home: func() string { return homedir.From(getenv) },
	})
}

// system is what Dir needs to know of the machine beyond the environment,
// so that tests can ask about every system from any one.
type system struct {
	goos string
	root bool
	home func() string // the home directory by the SDK's rule
}

func dirFor(getenv func(string) string, sys system) (string, bool) {
	if switchedOn(getenv("ECRLOGIN_NO_CACHE")) || switchedOn(getenv("AWS_ECR_DISABLE_CACHE")) {
		return "", false
	}
	explicit := getenv("ECRLOGIN_CACHE_DIR")
	if explicit == "" {
		explicit = getenv("AWS_ECR_CACHE_DIR")
	}
	if explicit != "" {
		return absolute(expandHome(explicit, sys.home))
	}
	if xdg := getenv("XDG_CACHE_HOME"); isAbs(xdg) {
		return filepath.Join(xdg, "ecrlogin"), true
	}
	switch sys.goos {
	case "windows":
		return absolute(join(getenv("LocalAppData"), "ecrlogin"))
	case "darwin", "ios":
		return absolute(join(sys.home(), "Library", "Caches", "ecrlogin"))
	}
	if sys.root && getenv("HOME") == "" {
		return "/var/cache/ecrlogin", true
	}
	return absolute(join(sys.home(), ".cache", "ecrlogin"))
}

// absolute accepts dir only if it is absolute, cleaned.
func absolute(dir string) (string, bool) {
	if !isAbs(dir) {
		return "", false
	}
	return filepath.Clean(dir), true
}

// isAbs is filepath.IsAbs, also for a rooted path on Windows ("\x"), which
// the tests use for every system.
func isAbs(p string) bool {
	return filepath.IsAbs(p) || strings.HasPrefix(p, "/")
}

// join is filepath.Join that keeps an empty base empty, so that a missing
// home directory disables the cache rather than making it relative.
func join(base string, elem ...string) string {
	if base == "" {
		return ""
	}
	return filepath.Join(append([]string{base}, elem...)...)
}

// switchedOn reports whether an on/off environment variable is on: set, and
// not to one of the usual spellings of off.
func switchedOn(v string) bool {
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// expandHome replaces a leading "~" (alone or before a separator) with the
// home directory, as the incumbent helper does for AWS_ECR_CACHE_DIR.
// "~user" is not supported and is left alone, which makes it relative and
// so disables the cache, as does a missing home.
func expandHome(path string, home func() string) string {
	if !strings.HasPrefix(path, "~") {
		return path
	}
	rest := path[1:]
	if rest != "" && rest[0] != '/' && rest[0] != filepath.Separator {
		return path
	}
	h := home()
	if h == "" {
		return path
	}
	if rest == "" {
		return h
	}
	return filepath.Join(h, rest)
}
