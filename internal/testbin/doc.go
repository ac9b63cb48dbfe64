// Package testbin builds the project's two binaries once per test process,
// so tests can exec them exactly as docker does: the front
// (docker-credential-ecrlogin) and its companion (ecrlogin) side by side in
// one directory, the way `make install` lays them out.
package testbin
