package homedir

import "os"

// Dir returns the home directory the AWS SDK would use, or "" if there is
// none. It reads the process environment, like the SDK.
func Dir() string {
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return home
	}
	return accountHome()
}
