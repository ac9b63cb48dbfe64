package homedir

import (
	"os"
	"runtime"
)

// Dir returns the home directory the AWS SDK would use, or "" if there is
// none. It reads the process environment, like the SDK.
func Dir() string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return home
	}
	return accountHome()
}

// From is Dir over the environment getenv describes, for callers that
// read their settings through an injected getenv: the variable
// os.UserHomeDir reads on this system (HOME; USERPROFILE on Windows), else
// the account database.
func From(getenv func(string) string) string {
	name := "HOME"
	switch runtime.GOOS {
	case "windows":
		name = "USERPROFILE"
	case "plan9":
		name = "home"
	}
	if home := getenv(name); home != "" {
		return home
	}
	return accountHome()
}
