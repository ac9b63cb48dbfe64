// Package registrytest runs a real OCI registry that behaves, as far as a
// client can tell, like a private Amazon ECR registry: it answers on
// loopback under an ECR host name, over TLS, and lets in only HTTP basic
// auth with user "AWS" and a password the (fake) ECR API issued.
//
// It exists so that end-to-end tests and `make demo` can push and pull
// through real clients — go-containerregistry, the Docker engine — with no
// AWS account and no network beyond 127.0.0.0/8:
//
//   - the registry is go-containerregistry's pkg/registry, the same code
//     crane's own tests trust, so what it accepts real clients accept;
//   - basic auth is checked in front of it, with the answer a client needs
//     to try again (401 and a WWW-Authenticate: Basic challenge), and every
//     request is counted, so a test can prove that pushes were
//     authenticated rather than assume it;
//   - the TLS certificate is generated at start-up for the ECR host names,
//     localhost and the listening address, and its pool is exposed;
//   - a tiny CONNECT proxy sends "<ECR host>:443" to the registry, so a Go
//     client (its transport's Proxy, or HTTPS_PROXY) reaches the real ECR
//     host name without DNS. It refuses every other destination, so a
//     misrouted request fails here instead of leaving the machine.
//
// The package deliberately knows nothing about how passwords are issued:
// Config.Authorize is any func(user, password string) bool, so it does not
// depend on the fake ECR that issues them.
package registrytest
