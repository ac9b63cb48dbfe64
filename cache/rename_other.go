//go:build !windows

package cache

import "os"

// replaceFile renames src over dst. Elsewhere than Windows a rename
// replaces a file that others have open (they keep reading the old one),
// so a single attempt is all there is.
func replaceFile(src, dst string) error {
	return os.Rename(src, dst)
}
