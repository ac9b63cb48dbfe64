package version

import "runtime/debug"

// Version is set at link time; empty means an unstamped build.
var Version string

// String returns the stamped version, else the module version go install
// recorded, else "devel".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
