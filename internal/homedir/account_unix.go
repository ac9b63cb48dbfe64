//go:build unix

package homedir

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// passwdFile is the account database read when HOME is unset.
var passwdFile = "/etc/passwd"

// accountHome returns the current user's home from the account database,
// as os/user's pure-Go lookup does (and the SDK, through os/user). It reads
// /etc/passwd itself rather than import os/user, which with cgo enabled
// would link libc into the front and make every docker pull pay for
// dynamic loading. NSS sources beyond the file (LDAP, sssd) are not
// consulted; a user whose account lives only there and who has no HOME
// gets "", as with os/user built without cgo.
func accountHome() string {
	f, err := os.Open(passwdFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	uid := strconv.Itoa(os.Getuid())
	s := bufio.NewScanner(f)
	for s.Scan() {
		// name:password:uid:gid:gecos:home:shell
		fields := strings.Split(s.Text(), ":")
		if len(fields) >= 7 && fields[2] == uid {
			return fields[5]
		}
	}
	return ""
}
