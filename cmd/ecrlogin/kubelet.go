package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/kubelet"
)

// kubeletName is the file name of the upstream ECR plugin. Invoked under
// it (a link or a copy), ecrlogin answers as the kubelet's plugin, so it
// replaces that file in place without editing the provider config.
const kubeletName = "ecr-credential-provider"

// roleEnv names the role for the service-account mode when the service
// account has no RoleAnnotation.
const roleEnv = "AWS_ECR_ROLE_ARN"

// runKubelet answers one CredentialProviderRequest from stdin with one
// CredentialProviderResponse on stdout, through the same engine as
// `docker-credential-ecrlogin get`: the same host rules, disk cache and
// credential chain, so a token either fetched is a hit for the other.
//
// The kubelet logs a failing plugin's stderr, so every failure is one line
// there and a non-zero exit; stdout carries the response and nothing else.
func runKubelet(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "ecrlogin kubelet: "+ecr.OneLine(strings.TrimPrefix(err.Error(), "ecrlogin: ")))
		return 1
	}
	if len(args) != 0 {
		return fail(errors.New("takes no arguments; the kubelet writes the request on standard input"))
	}
	f := &fetch.Fetcher{}
	eng, err := engine.New(engine.Options{Getenv: getenv, Stderr: stderr, Fetcher: f})
	if err != nil {
		return fail(err)
	}
	f.Log = eng.Log
	ctx, cancel := eng.Context(context.Background())
	defer cancel()

	req, err := readRequest(ctx, stdin)
	if err != nil {
		return fail(err)
	}
	host, err := kubelet.RegistryHost(req.Image)
	if err != nil {
		return fail(err)
	}
	if err := serviceAccountMode(eng, f, req, getenv); err != nil {
		return fail(err)
	}

	tok, err := eng.Helper.Get(ctx, host)
	if errors.Is(err, ecr.ErrNotECR) {
		return fail(fmt.Errorf("image %q: %s: %w", req.Image, host, err))
	}
	if reg, perr := ecr.ParseHost(host); perr == nil && reg.Public && errors.Is(err, ecr.ErrNoCredentials) {
		// ECR Public serves anonymous pulls: say so with an empty auth
		// (the kubelet pulls without credentials) rather than fail every
		// pull; the helper remembers the answer as it does for docker.
		return encodeResponse(stdout, fail, kubelet.NewAnonymousResponse(req, ecr.NotFoundLifetime/2))
	}
	if err != nil {
		return fail(err)
	}
	return encodeResponse(stdout, fail, kubelet.NewResponse(req, host, tok, time.Now()))
}

// encodeResponse writes the one response on stdout.
func encodeResponse(stdout io.Writer, fail func(error) int, resp kubelet.CredentialProviderResponse) int {
	if err := json.NewEncoder(stdout).Encode(resp); err != nil {
		return fail(fmt.Errorf("writing the response: %w", err))
	}
	return 0
}

// readRequest decodes the request, giving up at the invocation's deadline:
// a kubelet that never closes standard input must not hold the plugin.
func readRequest(ctx context.Context, stdin io.Reader) (kubelet.CredentialProviderRequest, error) {
	type result struct {
		req kubelet.CredentialProviderRequest
		err error
	}
	done := make(chan result, 1)
	// The goroutine outlives a timeout only until the process exits, which
	// follows at once.
	go func() {
		req, err := kubelet.DecodeRequest(stdin)
		done <- result{req, err}
	}()
	select {
	case r := <-done:
		return r.req, r.err
	case <-ctx.Done():
		return kubelet.CredentialProviderRequest{}, errors.New("timed out reading the request from standard input; raise ECRLOGIN_TIMEOUT if the kubelet is slow")
	}
}

// serviceAccountMode switches the engine to the pod's own identity when
// the request carries a service-account token and a role is named (the
// service account's annotation, else AWS_ECR_ROLE_ARN): the token is
// exchanged for the role with AssumeRoleWithWebIdentity, and the cache key
// takes the role and the service account, so no service account is ever
// served a registry token another one got. Without a token or a role it
// leaves the engine as it is, on the node's credentials, as the upstream
// plugin does.
func serviceAccountMode(eng *engine.Engine, f *fetch.Fetcher, req kubelet.CredentialProviderRequest, getenv func(string) string) error {
	role := req.ServiceAccountAnnotations[kubelet.RoleAnnotation]
	if role == "" {
		role = getenv(roleEnv)
	}
	if req.ServiceAccountToken == "" || role == "" {
		eng.Log.Debug("using the node's credentials", "serviceAccountToken", req.ServiceAccountToken != "", "role", role)
		return nil
	}
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/") {
		return fmt.Errorf("role %q (from the %s annotation or %s) is not an IAM role ARN", role, kubelet.RoleAnnotation, roleEnv)
	}
	sa, err := kubelet.ServiceAccountOf(req.ServiceAccountToken)
	if err != nil {
		return err
	}
	eng.Log.Debug("using the service account's role", "serviceAccount", sa.String(), "role", role)

	// Wrap whatever resolves hosts (the host rules, or per-registry config
	// when there is some), so aliases keep working and only the identity
	// changes: to the role and service account alone, since none of a
	// mapping's profile, role or MFA applies to a pod's own token.
	resolve := eng.Helper.Resolve
	eng.Helper.Resolve = func(serverURL string) (ecr.Registry, ecr.Selection, error) {
		var reg ecr.Registry
		var err error
		if resolve != nil {
			reg, _, err = resolve(serverURL)
		} else {
			reg, err = ecr.ParseHost(serverURL)
		}
		return reg, ecr.Selection{RoleARN: role, ServiceAccount: sa.String()}, err
	}
	token := webIdentityToken(req.ServiceAccountToken)
	session := sessionName(sa)
	f.Credentials = func(cfg aws.Config) aws.CredentialsProvider {
		return stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg), role, token, func(o *stscreds.WebIdentityRoleOptions) {
			o.RoleSessionName = session
		})
	}
	return nil
}

// webIdentityToken hands the request's token to the SDK from memory: it is
// never written to a file, an argument or the environment.
type webIdentityToken string

func (t webIdentityToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

// sessionName names the STS session after the service account, so that
// CloudTrail says which one pulled. STS allows 64 characters of
// [\w+=,.@-]; Kubernetes names are [a-z0-9.-].
func sessionName(sa kubelet.ServiceAccount) string {
	s := "ecrlogin-" + sa.Namespace + "-" + sa.Name
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
