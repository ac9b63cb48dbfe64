// Package version holds the release version both binaries report. The
// Makefile stamps it at link time:
//
//	-ldflags "-X github.com/ecrlogin/docker-credential-ecrlogin/internal/version.Version=v1.2.3"
package version
