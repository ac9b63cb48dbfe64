package config

import (
	"path/filepath"
	"runtime"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/homedir"
)

// Path returns where the config file is, reading the environment through
// getenv (os.Getenv in production, a map in tests), or "" if no location
// can be worked out. The first of:
//
//   - ECRLOGIN_CONFIG, as given (a relative path is relative to the
//     working directory; set it to os.DevNull to use no file at all)
//   - $XDG_CONFIG_HOME/ecrlogin/config.toml, if XDG_CONFIG_HOME is
//     absolute (the XDG spec says to ignore a relative one)
//   - the platform's user config directory under the home directory
//     homedir.Dir finds (the AWS SDK's rule, so the file is found under
//     the same home as ~/.aws):
//     ~/.config/ecrlogin/config.toml on Linux and other unix,
//     ~/Library/Application Support/ecrlogin/config.toml on macOS, and
//     %AppData%\ecrlogin\config.toml on Windows (AppData, else
//     HOME\AppData\Roaming).
//
// Path does no I/O beyond what homedir.Dir may need.
func Path(getenv func(string) string) string {
	return path(runtime.GOOS, getenv, homedir.Dir)
}

// path is Path with the platform and the home directory as parameters, so
// every platform's rule is tested on any.
func path(goos string, getenv func(string) string, home func() string) string {
	if p := getenv("ECRLOGIN_CONFIG"); p != "" {
		return p
	}
	// The platform's separator is used even when testing another
	// platform's rule: the rule is about which directory, not how to spell it.
	if xdg := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "ecrlogin", "config.toml")
	}
	if goos == "windows" {
		if appData := getenv("AppData"); filepath.IsAbs(appData) {
			return filepath.Join(appData, "ecrlogin", "config.toml")
		}
	}
	h := home()
	if !filepath.IsAbs(h) {
		return ""
	}
	switch goos {
	case "windows":
		return filepath.Join(h, "AppData", "Roaming", "ecrlogin", "config.toml")
	case "darwin", "ios":
		return filepath.Join(h, "Library", "Application Support", "ecrlogin", "config.toml")
	default:
		return filepath.Join(h, ".config", "ecrlogin", "config.toml")
	}
}
