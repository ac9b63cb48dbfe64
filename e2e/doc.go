// Package e2e tests docker-credential-ecrlogin end to end, through the
// clients users actually run, with no AWS account and no network beyond
// loopback.
//
// Every test builds both binaries (internal/testbin), puts them on PATH,
// writes a throwaway DOCKER_CONFIG whose credHelpers maps an ECR host name
// to "ecrlogin", and starts two peers: the fake AWS (internal/fakeaws),
// which issues registry passwords, and a real OCI registry
// (internal/registrytest) that accepts only those passwords. Clients then
// find credentials the way they do in production — by reading credHelpers
// and exec'ing the helper — and the tests check what the peers saw: one
// GetAuthorizationToken call for the whole run, writes that were all
// authenticated, anonymous requests refused.
//
//   - registry_client_test.go drives go-containerregistry's remote package
//     with authn.DefaultKeychain, from goroutines and from separate
//     processes (the test binary re-exec'd), and always runs.
//   - docker_test.go drives the docker CLI against a private Docker engine
//     (internal/registrytest/dockerd); it runs only with
//     ECRLOGIN_E2E_DOCKER=1, which `make e2e-docker` sets.
//
// Each positive scenario is also run, or mirrored, with a helper that
// hands out a wrong password, and must then fail: a test that still passed
// would prove nothing about authentication.
package e2e
