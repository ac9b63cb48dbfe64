// Command release is `make release` and `make cross`: it builds both
// binaries for every platform docker runs on, statically (CGO_ENABLED=0),
// and, for a release, packs each platform's pair with the README and the
// licence into one archive and writes SHA256SUMS.
//
// Usage:
//
//	go run ./internal/release -version vX.Y.Z [-out dist]
//	go run ./internal/release -cross [-version V] [-out bin/cross]
//
// A release writes, into -out, for each of linux, darwin and windows on
// amd64 and arm64, docker-credential-ecrlogin-V-OS-ARCH.tar.gz (.zip for
// windows) holding one directory of that name with LICENSE, README.md,
// docker-credential-ecrlogin and ecrlogin (.exe on windows); and
// SHA256SUMS, in the format `sha256sum -c` reads. -cross writes just the
// binaries, into -out/OS-ARCH/.
//
// Releases are reproducible: the same commit gives byte-identical archives
// on any machine with the same Go version. The binaries are built with
// -trimpath and -ldflags '-s -w -buildid=' plus the version stamp, so they
// hold no paths, symbols or build id of this machine. The archives fix
// everything else: entries in one order, owner and group 0 with no names,
// modes 0755 (binaries, the directory) and 0644, every time set to the
// release's time, and a gzip header with no name or time. The release's
// time is SOURCE_DATE_EPOCH when set (the reproducible-builds convention),
// else the commit time of HEAD.
//
// Exit status: 0 on success, 2 on bad flags, 1 when a build or a write
// failed, with one line on stderr saying which.
package main
