// Package config reads ecrlogin's per-registry config file: which AWS
// profile, role and MFA device to use for which registry, and which host
// names of the user's own (aliases) stand for which ECR registries.
//
//	[[registry]]
//	match = "111122223333"                       # an account ID, a host glob or a host
//	profile = "prod"
//
//	[[registry]]
//	match = "registry.example.com"               # an alias ...
//	ecr = "111122223333.dkr.ecr.us-east-1.amazonaws.com"   # ... for this registry
//	profile = "prod"
//	role_arn = "arn:aws:iam::111122223333:role/ecr-pull"
//	mfa_serial = "arn:aws:iam::444455556666:mfa/alice"
//
// Path finds the file, Load reads it (a missing file is no mappings), and
// File.Resolve, which has the shape of ecr.Helper.Resolve, answers a server
// URL with its registry and ecr.Selection; File.Explain says why, for
// people. Parsing is strict and every problem is an *Error naming the file,
// line and key. The package links neither the AWS SDK nor net/http: the
// front binary reads the file on every get, cache hits included, because
// the mapping selects the identity and so is part of the cache key.
//
// # Why go-toml's low-level parser
//
// The TOML library was chosen by measuring the front's hit path, where the
// issue's budget is 0.15 ms (median) for a 50-entry file over no file at
// all. Measured on the 2-core build machine (2026-12-01), go1.26.8, static
// binaries built with -trimpath -ldflags='-s -w', each reading the same
// 50-entry file, 400 interleaved execs each, median wall time:
//
//	read the file only                           1.04-1.07 ms   1.48 MB
//	github.com/BurntSushi/toml v1.6.0, Decode    1.46-1.51 ms   2.07 MB  (+0.44 ms)
//	go-toml/v2 v2.4.3, Decoder into a struct     1.22-1.27 ms   2.19 MB  (+0.20 ms)
//	go-toml/v2 v2.4.3, unstable.Parser           1.06-1.11 ms   1.79 MB  (+0.03 ms)
//
// and in process, parsing the 50 entries (go test -bench, -benchmem):
//
//	BurntSushi/toml Decode + Undecoded    192 µs  150 KB  1971 allocs
//	go-toml/v2 Decoder, strict             39 µs   44 KB   332 allocs
//	go-toml/v2 unstable.Parser walk        15 µs   25 KB   172 allocs
//
// and, with this package built on it (a static binary that Loads and
// Resolves, against one that only calls ecr.ParseHost; 600 interleaved
// execs, on the same machine under a load average of 10-12, so slower
// than the quiet figures above):
//
//	no config package                    1.17 ms median  1.91 MB
//	this package, no file                1.16 ms         2.09 MB  (+0.00 ms)
//	this package, the 50-entry file      1.27 ms                  (+0.10 ms)
//
// Only the low-level parser fits the budget with room to spare, and it is
// also what gives every key's position, so errors name the line of the key
// rather than of the table. Its package is named unstable: its API may
// change between minor versions, so go.mod pins the version and this file
// and config.go are the only users. BenchmarkLoad50 tracks the package's
// own cost (the parser plus validation and compiling the matches).
//
// A File is immutable once parsed and safe for concurrent use.
package config
