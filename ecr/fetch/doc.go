// Package fetch gets ECR registry tokens with the AWS SDK for Go v2:
// credentials from the SDK's default chain or the per-registry mapping's
// profile, the mapping's role assumed with them (STS AssumeRole, with its
// external id, session name and MFA device), MFA codes asked for on the
// controlling terminal, and GetAuthorizationToken from the ECR or ECR
// Public API endpoint that the registry host implies.
//
// It is a subpackage so that the front binary, which docker execs for
// every pull, never links the SDK; only the ecrlogin binary does.
package fetch
