// Package kubelet checks ecrlogin's kubelet mode against the kubelet's own
// definitions of the credential provider protocol. It is a module of its
// own so that k8s.io/kubelet and k8s.io/apimachinery, which the check
// needs, stay out of the main module: the binary writes the few types by
// hand (internal/kubelet), and this is where they are held to upstream.
//
// Each test builds ecrlogin from the main module, starts the fake AWS
// (internal/fakeaws) and execs the binary with requests the upstream types
// encode, then decodes its responses with the upstream types in strict
// mode: an unknown or misspelt field, a wrong type, a wrong version or kind
// fails the test. Run it with `make e2e-kubelet`.
package kubelet
