//go:build !unix

package dockerconfig

import (
	"io/fs"
	"os"
)

// keepOwner does nothing: outside unix a new file's owner is its creator,
// and the file's ACL follows the directory's.
func keepOwner(*os.File, fs.FileInfo) error { return nil }

// syncDir does nothing: directories cannot be synced here.
func syncDir(string) {}
