// Package homedir finds the user's home directory by the rule the AWS SDK
// for Go v2 uses for ~/.aws/config, ~/.aws/credentials and ~/.aws/sso:
// os.UserHomeDir (HOME on unix, USERPROFILE on Windows), and when that is
// empty the account database's entry for the current user.
//
// Every path that selects an identity or holds its tokens is found through
// Dir, so the identity fingerprint hashes the very files the SDK reads and
// the cache sits under the same home, whatever HOME is set to, or unset.
// It reads the process environment: that is what the SDK reads too.
package homedir
