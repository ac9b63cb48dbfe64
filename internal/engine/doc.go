// Package engine builds, in one place, what every entry point needs to
// answer a credential request: the ECRLOGIN_* settings, the disk cache
// (opened on first use, and replaced by no cache at all when it cannot be
// used), the per-registry configuration, and the ecr.Helper over them.
//
// The front (docker-credential-ecrlogin), each ecrlogin subcommand, the
// kubelet mode and the library call New and nothing else to get there, so
// that a rule about any of those pieces is written once. The package links
// neither the AWS SDK nor net/http: the caller hands in the Fetcher (the
// front's runs `ecrlogin fetch`, the others fetch in process).
package engine
