//go:build !unix

package homedir

import "os/user"

// accountHome returns the current user's home from the system's account
// database. Off unix os/user needs no cgo, so it costs the front nothing.
func accountHome() string {
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return ""
}
