// Package ecr knows Amazon Elastic Container Registry: which host names are
// ECR registries and what they say about account, region and partition
// (registry.go, the one file with every host rule), what a registry token
// looks like, which AWS identity a request runs as, and the credential
// helper that docker execs.
//
// Nothing in this package links the AWS SDK or net/http: it is what the
// front binary, docker-credential-ecrlogin, is made of, and that binary is
// exec'd for every pull and push. The SDK-backed token fetcher lives in the
// subpackage ecr/fetch, which only the ecrlogin binary links.
package ecr
