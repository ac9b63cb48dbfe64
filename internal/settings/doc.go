// Package settings reads the ECRLOGIN_* environment variables that both
// binaries share. Each is read when asked for, never in init, and a bad
// value is an error that names the variable and what it wants.
package settings
