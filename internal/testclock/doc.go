// Package testclock is a clock for tests: it stands still until told to
// move, and is safe to read from the goroutines and servers under test.
// Pass its Now method wherever code takes a `func() time.Time`.
package testclock
