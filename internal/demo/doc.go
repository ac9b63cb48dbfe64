// Command demo is `make demo`: docker-credential-ecrlogin end to end on
// this machine, with no AWS account and nothing left behind.
//
// It starts a fake ECR API (internal/fakeaws) and a local registry under
// an ECR host name that, like ECR, accepts only the passwords that API
// issued (internal/registrytest); writes a throwaway docker config whose
// credHelpers sends that host to the helper; asks the helper for
// credentials twice (one ECR call, then the cache); and pushes and pulls
// an image through it. It uses the Docker engine when one answers and a
// private engine can run here (Linux, root, dockerd; see
// internal/registrytest/dockerd), and otherwise go-containerregistry, the
// library behind crane and ko, which finds credentials the same way.
//
// Usage:
//
//	go run ./internal/demo [-bin DIR] [-engine auto|docker|client]
//
// -bin is where `make build` put both binaries (default bin). Everything
// the demo starts is stopped, and its temporary directory removed, before
// it exits — also on Ctrl-C.
package main
