//go:build !windows

package ecr

const exeSuffix = ""
