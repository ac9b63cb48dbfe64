// Package kubelet speaks the kubelet's image credential provider protocol
// (credentialprovider.kubelet.k8s.io/v1, and v1beta1, which has the same
// schema): the request the kubelet writes on a plugin's standard input,
// the response it reads back, the registry host an image names, and the
// service account a projected token belongs to.
//
// The types are written here, with the exact JSON names of the upstream
// ones, rather than imported from k8s.io/kubelet: four small structs are
// not worth the dozens of packages that module links in. The e2e/kubelet
// test module checks them against the upstream definitions.
//
// Nothing here talks to AWS or touches the disk; cmd/ecrlogin wires it to
// the engine.
package kubelet
