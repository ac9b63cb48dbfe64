// Package fetch gets ECR registry tokens with the AWS SDK for Go v2:
// credentials from the SDK's default chain, GetAuthorizationToken from the
// ECR or ECR Public API endpoint that the registry host implies.
//
// It is a subpackage so that the front binary, which docker execs for
// every pull, never links the SDK; only the ecrlogin binary does.
package fetch
