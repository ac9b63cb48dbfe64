// Package dockerd runs a private Docker engine for end-to-end tests and
// `make demo`: the system's own dockerd binary with its own data root and
// socket in a directory the caller owns, started in a private mount
// namespace (where its exec root, pid file and containerd live in a
// private /run).
//
// Inside that namespace, and only there, a generated hosts file is bound
// over /etc/hosts so that registry host names such as
// 111122223333.dkr.ecr.us-east-1.amazonaws.com resolve to a loopback
// address where a test registry listens; fresh, empty directories cover
// /etc/docker (so the machine's daemon.json and certs.d are not read),
// /opt/containerd and /run (so the daemon starts its own containerd instead
// of joining the system's). Nothing outside the namespace changes: when the
// daemon exits the namespace and its mounts are gone, and the state lives
// under a directory the caller owns and removes.
//
// The daemon shares the machine's network namespace but is started with
// --bridge=none, --iptables=false, --ip6tables=false and
// --ip-forward=false, so it creates no interfaces and touches no firewall
// or sysctl; it can push, pull, import, save and inspect images, which is
// all the registry tests need.
//
// The engine treats any registry that resolves into 127.0.0.0/8 as
// insecure: it still speaks TLS to it but does not verify the certificate.
// That is dockerd's built-in rule, not something this package configures.
//
// Running it needs Linux, root (for the mount namespace and port 443) and
// the dockerd binary on PATH; [Available] says what is missing.
package dockerd
