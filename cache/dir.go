package cache

import (
	"path/filepath"
	"strings"
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
//     leading "~" means $HOME, and so it does for ECRLOGIN_CACHE_DIR)
//   - $XDG_CACHE_HOME/ecrlogin, if XDG_CACHE_HOME is absolute (the XDG
//     spec says to ignore a relative one)
//   - $HOME/.cache/ecrlogin, if HOME is absolute
//
// If none applies, or the chosen variable names a relative directory, which
// would depend on wherever docker happens to start the helper, the cache is
// disabled rather than scattered. dir is "" whenever enabled is false.
func Dir(getenv func(string) string) (dir string, enabled bool) {
	if switchedOn(getenv("ECRLOGIN_NO_CACHE")) || switchedOn(getenv("AWS_ECR_DISABLE_CACHE")) {
		return "", false
	}
	home := getenv("HOME")
	explicit := getenv("ECRLOGIN_CACHE_DIR")
	if explicit == "" {
		explicit = getenv("AWS_ECR_CACHE_DIR")
	}
	if explicit != "" {
		explicit = expandHome(explicit, home)
		if !filepath.IsAbs(explicit) {
			return "", false
		}
		return filepath.Clean(explicit), true
	}
	if xdg := getenv("XDG_CACHE_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "ecrlogin"), true
	}
	if filepath.IsAbs(home) {
		return filepath.Join(home, ".cache", "ecrlogin"), true
	}
	return "", false
}

// switchedOn reports whether an on/off environment variable is on: set, and
// not to one of the usual spellings of off.
func switchedOn(v string) bool {
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// expandHome replaces a leading "~" (alone or before a separator) with home,
// as the incumbent helper does for AWS_ECR_CACHE_DIR. "~user" is not
// supported and is left alone, which makes it relative and so disables the
// cache. An empty home leaves the path alone, with the same effect.
func expandHome(path, home string) string {
	if home == "" || !strings.HasPrefix(path, "~") {
		return path
	}
	rest := path[1:]
	if rest == "" {
		return home
	}
	if rest[0] != '/' && rest[0] != filepath.Separator {
		return path
	}
	return filepath.Join(home, rest)
}
