//go:build !windows

package fetchcmd

const exeSuffix = ""
