// Package ecrauth gets Amazon ECR and ECR Public registry credentials in
// process, for Go programs that talk to registries themselves: image
// builders, copy tools, CI programs, policy engines.
//
// It is docker-credential-ecrlogin as a library. A [Helper] applies the
// binaries' host rules, freshness rules and disk cache, and shares that
// cache with them: a token the library fetched is a cache hit for
// `docker-credential-ecrlogin get` and `ecrlogin token`, and the reverse.
// Cold requests for the same registry and identity, from goroutines of one
// program or from several processes, make one GetAuthorizationToken call
// between them (the cache's cross-process lock excludes goroutines too).
// The AWS identity is chosen as the AWS SDK chooses it, from the process
// environment and the AWS config files, unless [Options] names a profile
// or hands in an aws.Config.
//
// # go-containerregistry
//
// [Helper.Get] has the shape of go-containerregistry's authn.Helper, so
//
//	kc := authn.NewMultiKeychain(authn.NewKeychainFromHelper(h), authn.DefaultKeychain)
//
// serves ECR hosts from this package and every other host from the docker
// configuration. The package does not import go-containerregistry.
//
// authn.NewKeychainFromHelper turns every error of Get into
// authn.Anonymous, so the multi-keychain falls through to the next
// keychain on any error: on a host that is not ECR ([ErrNotECR]), which is
// what falling through is for, but also on a real failure (access denied,
// an expired SSO session), which then shows up as a bare 401 from the
// registry. Programs that want to report failures can write the few lines
// of a keychain that falls through on [ErrNotECR] alone and returns every
// other error; see the examples.
//
// # Errors
//
// Failures are *[Error] values (an alias of ecr.Error) naming the host, the
// identity source and the next step. They match the sentinels below with
// errors.Is, and keep the AWS SDK's error as their cause, so that
// errors.As finds a smithy.APIError. A host that is neither ECR nor ECR
// Public returns an error matching [ErrNotECR], at once and without any
// I/O. ECR Public with no AWS credentials at all returns an error matching
// [ErrNoCredentials]: anonymous pulls work there, so a keychain should fall
// through to anonymous access on that too.
//
// # Concurrency and deadlines
//
// A Helper is safe for concurrent use by multiple goroutines. It holds no
// context: each call runs under the caller's context, bounded by
// [Options.Timeout].
//
// The package writes nothing to standard output or standard error; it
// logs only to the [Options.Logger] it is given.
package ecrauth
