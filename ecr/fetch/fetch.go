package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/tty"
)

// imdsBudget bounds the wait for instance-role credentials when nothing
// else provides credentials.
const imdsBudget = time.Second

// Fetcher gets tokens in process with the AWS SDK, which reads the
// process environment and the AWS files it names; so does the identity
// in its messages (ecr.ResolveIdentity). It is safe for concurrent use.
type Fetcher struct {
	Log *slog.Logger // nil discards
	// Credentials, when set, replaces the credential chain for every
	// fetch: it gets the loaded configuration (region, endpoints, HTTP
	// client) and returns the provider to sign the ECR call with. The
	// kubelet's service-account mode uses it to exchange the pod's token
	// with AssumeRoleWithWebIdentity. Nil uses the default chain.
	Credentials func(cfg aws.Config) aws.CredentialsProvider
}

var _ ecr.Fetcher = (*Fetcher)(nil)

// Fetch resolves AWS credentials and calls GetAuthorizationToken for the
// registry's partition and region. Failures are *ecr.Error values whose
// text names the host, the identity source and the AWS error code.
func (f *Fetcher) Fetch(ctx context.Context, req ecr.FetchRequest) (_ ecr.Token, err error) {
	defer func() { err = withHint(err) }()
	reg, err := ecr.ParseHost(req.ServerURL)
	if err != nil {
		return ecr.Token{}, &ecr.Error{Message: err.Error(), Err: err}
	}
	if !req.Deadline.IsZero() {
		var cancel context.CancelFunc
		if d, ok := ctx.Deadline(); ok && d.Before(req.Deadline) {
			// The front gave more time than this process's own
			// ECRLOGIN_TIMEOUT: a person may be at an MFA prompt (see
			// ecr.NeedsMFA), and the front's deadline is the one that
			// counts.
			ctx, cancel = ecr.WithDeadlineAtLeast(ctx, req.Deadline)
		} else {
			ctx, cancel = context.WithDeadline(ctx, req.Deadline)
		}
		defer cancel()
	}
	ctx = context.WithValue(ctx, promptKey{}, &promptNote{})
	id := ecr.ResolveIdentity(req.Selection)
	fail := func(cause error, code, msg, hint string) error {
		return &ecr.Error{Host: reg.Host, Code: code, Message: msg, Source: id.Source, Hint: hint, Err: cause}
	}
	log := f.log().With("host", reg.Host, "identity", id.Source)

	cfg, err := LoadConfig(ctx, reg, req.Selection)
	if err != nil {
		var notExist config.SharedConfigProfileNotExistError
		if errors.As(err, &notExist) {
			return ecr.Token{}, fail(err, "", fmt.Sprintf("AWS profile %q does not exist", notExist.Profile), "check AWS_PROFILE and ~/.aws/config")
		}
		return ecr.Token{}, fail(err, "", "loading AWS config: "+err.Error(), "")
	}

	if f.Credentials != nil {
		cfg.Credentials = aws.NewCredentialsCache(f.Credentials(cfg))
	}
	// source is what a role is assumed with; its failures (an expired SSO
	// session, no credentials at all) are explained as its own.
	source := cfg.Credentials
	if req.Selection.RoleARN != "" && f.Credentials == nil {
		cfg.Credentials = aws.NewCredentialsCache(assumeRole(ctx, cfg, req.Selection))
		log = log.With("role", req.Selection.RoleARN)
	}

	// Credentials first, on their own, so that a failure says which half
	// failed: the user's identity or ECR.
	start := time.Now()
	log.Debug("resolving AWS credentials")
	credCtx := ctx
	if aws.IsCredentialsProvider(source, (*ec2rolecreds.Provider)(nil)) {
		// Nothing else names credentials, so the chain ends at the instance
		// metadata service. On EC2 it answers in milliseconds; off EC2 it
		// may never answer, and that must not cost the user seconds.
		var cancel context.CancelFunc
		credCtx, cancel = context.WithTimeout(ctx, imdsBudget)
		defer cancel()
	}
	if _, err := cfg.Credentials.Retrieve(credCtx); err != nil {
		return ecr.Token{}, credentialError(ctx, err, reg.Host, source, id, log, fail)
	}
	log.Debug("resolved AWS credentials", "took", time.Since(start))

	start = time.Now()
	endpoint, _ := Endpoint(ctx, reg, cfg)
	log.Debug("calling GetAuthorizationToken", "endpoint", endpoint)
	tok, err := getToken(ctx, cfg, reg)
	if err != nil {
		if ctx.Err() != nil {
			return ecr.Token{}, fail(err, ecr.CodeTimeout, "timed out waiting for ECR GetAuthorizationToken at "+endpoint, "raise ECRLOGIN_TIMEOUT, or check the network path to that endpoint")
		}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return ecr.Token{}, fail(err, apiErr.ErrorCode(), apiErr.ErrorMessage(), "")
		}
		return ecr.Token{}, fail(err, "", "calling ECR GetAuthorizationToken: "+rootCause(err), "")
	}
	log.Debug("got a token", "took", time.Since(start), "expires", tok.ExpiresAt)
	return tok, nil
}

// LoadConfig loads the SDK configuration for a registry: its region (from
// the host, never AWS_REGION), FIPS and dual-stack endpoints when the host
// is one, and an IMDS client that gives up quickly off EC2. Its
// credentials are sel.Profile's, or the default chain's; Fetch assumes
// sel.RoleARN with them. A profile's own role_arn with mfa_serial asks
// for the code on the controlling terminal while ctx lasts.
func LoadConfig(ctx context.Context, reg ecr.Registry, sel ecr.Selection) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		// A profile's own role_arn (with source_profile or
		// credential_source), as the AWS CLI reads it.
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			roleOptions(ctx, o)
		}),
		config.WithRegion(reg.Region),
		config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) {
			// The SDK's IMDS client retries three times with backoff, which
			// off EC2 (a laptop with no credentials, a CI runner) adds
			// seconds to every failed fetch. Two quick attempts are enough
			// on EC2, where IMDS answers in milliseconds. imds.New still
			// honours AWS_EC2_METADATA_DISABLED and _SERVICE_ENDPOINT.
			o.Client = imds.New(imds.Options{
				Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
					o.MaxAttempts = 2
					o.MaxBackoff = 100 * time.Millisecond
				}),
			})
		}),
	}
	if reg.FIPS {
		opts = append(opts, config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled))
	}
	if reg.DualStack {
		opts = append(opts, config.WithUseDualStackEndpoint(aws.DualStackEndpointStateEnabled))
	}
	if sel.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(sel.Profile))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// Endpoint returns the API endpoint URL a token request for reg goes to,
// resolved by the SDK's own rules (so AWS_ENDPOINT_URL_ECR and friends
// apply). It does no I/O.
func Endpoint(ctx context.Context, reg ecr.Registry, cfg aws.Config) (string, error) {
	if reg.Public {
		o := ecrpublic.NewFromConfig(cfg, publicOptions).Options()
		ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, ecrpublic.EndpointParameters{
			Region:       aws.String(o.Region),
			UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
			UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
			Endpoint:     o.BaseEndpoint,
		})
		return ep.URI.String(), err
	}
	o := awsecr.NewFromConfig(cfg, privateOptions).Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, awsecr.EndpointParameters{
		Region:       aws.String(o.Region),
		UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		Endpoint:     o.BaseEndpoint,
	})
	return ep.URI.String(), err
}

// privateOptions and publicOptions let a configured endpoint URL
// (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, endpoint_url in a profile) win
// over the FIPS and dual-stack variants a registry host implies: the SDK's
// rules refuse the combination outright, and whoever set an endpoint meant
// that endpoint (a VPC endpoint, a proxy, a test).
func privateOptions(o *awsecr.Options) {
	if o.BaseEndpoint != nil {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateUnset
		o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateUnset
	}
}

func publicOptions(o *ecrpublic.Options) {
	if o.BaseEndpoint != nil {
		o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateUnset
		o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateUnset
	}
}

// getToken calls GetAuthorizationToken without registryIds: the token
// serves every registry the principal can reach in the region.
func getToken(ctx context.Context, cfg aws.Config, reg ecr.Registry) (ecr.Token, error) {
	var authToken *string
	var expiresAt *time.Time
	if reg.Public {
		out, err := ecrpublic.NewFromConfig(cfg, publicOptions).GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
		if err != nil {
			return ecr.Token{}, err
		}
		if out.AuthorizationData != nil {
			authToken, expiresAt = out.AuthorizationData.AuthorizationToken, out.AuthorizationData.ExpiresAt
		}
	} else {
		out, err := awsecr.NewFromConfig(cfg, privateOptions).GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
		if err != nil {
			return ecr.Token{}, err
		}
		if len(out.AuthorizationData) > 0 {
			authToken, expiresAt = out.AuthorizationData[0].AuthorizationToken, out.AuthorizationData[0].ExpiresAt
		}
	}
	if authToken == nil || expiresAt == nil {
		return ecr.Token{}, errors.New("the answer held no authorization data")
	}
	return ecr.DecodeAuthorizationToken(*authToken, *expiresAt)
}

// failFunc builds the *ecr.Error for a failed fetch.
type failFunc func(cause error, code, msg, hint string) error

// credentialError explains a failure of the credential chain in the terms
// the user needs to fix it.
// source is the provider at the root of the chain: the one that signs a
// role's AssumeRole, if there is a role.
func credentialError(ctx context.Context, err error, host string, source aws.CredentialsProvider, id ecr.Identity, log *slog.Logger, fail failFunc) error {
	log.Debug("resolving AWS credentials failed", "err", err)
	var apiErr smithy.APIError
	var roleErr *assumeRoleError
	var mfaErr *mfaError
	switch {
	case errors.As(err, &mfaErr) && errors.Is(err, tty.ErrNoTerminal):
		// At once, not at the deadline: nobody will ever type the code.
		role := "role " + mfaErr.role
		if strings.HasPrefix(id.Source, role+" ") {
			role = "the role" // the source names it
		}
		return fail(err, ecr.CodeMFARequired, role+" needs an MFA code and there is no terminal to ask for it on", "run `ecrlogin login "+host+"` from a terminal")
	case ctx.Err() != nil && askedFor(ctx) != "":
		return fail(err, ecr.CodeTimeout, "timed out waiting for the MFA code for "+askedFor(ctx), "run it again and enter the code within 2 minutes (or ECRLOGIN_TIMEOUT, if longer)")
	case ctx.Err() != nil:
		return fail(err, ecr.CodeTimeout, "timed out resolving AWS credentials", "raise ECRLOGIN_TIMEOUT, or run with ECRLOGIN_LOG=debug to see where it waits")
	case mfaErr != nil:
		return fail(err, "", "reading the MFA code for role "+mfaErr.role+": "+rootCause(mfaErr.err), "")
	case errors.As(err, &roleErr) && errors.As(err, &apiErr):
		return assumeRoleFailure(err, roleErr, apiErr, fail)
	case aws.IsCredentialsProvider(source, (*ssocreds.Provider)(nil)):
		return ssoError(err, id, fail)
	case aws.IsCredentialsProvider(source, (*ec2rolecreds.Provider)(nil)):
		// Nothing in the environment or the profile named credentials, so
		// the chain fell through to the instance role, and there is none.
		return fail(err, ecr.CodeNoCredentials, "no AWS credentials found", "set AWS_PROFILE, or see README#credentials")
	case errors.As(err, &apiErr):
		return fail(err, apiErr.ErrorCode(), "getting AWS credentials: "+apiErr.ErrorMessage(), "")
	}
	return fail(err, "", "getting AWS credentials: "+rootCause(err), "")
}

// ssoLoginCodes are the SSO and SSO OIDC answers that mean the session
// itself is gone: the portal refused the token, or the token could not be
// refreshed. Logging in again is the fix for these and nothing else.
var ssoLoginCodes = map[string]bool{
	"UnauthorizedException":       true, // GetRoleCredentials: token expired or revoked
	"InvalidGrantException":       true, // CreateToken: refresh token expired
	"ExpiredTokenException":       true,
	"InvalidClientException":      true, // the client registration expired
	"UnauthorizedClientException": true,
}

// ssoError explains a failure of the SSO credential provider. Only a
// token that is missing, expired or refused sends the user to
// `aws sso login`; a failure to reach the portal, or its own failure, says
// what happened and where, since logging in again would not help.
func ssoError(err error, id ecr.Identity, fail failFunc) error {
	profile := id.Profile
	if profile == "" {
		profile = "default"
	}
	login := "run: aws sso login --profile " + profile
	var invalid *ssocreds.InvalidTokenError
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &invalid), errors.Is(err, fs.ErrNotExist):
		return fail(err, ecr.CodeSSOSessionExpired, "SSO session expired", login)
	case errors.As(err, &apiErr) && ssoLoginCodes[apiErr.ErrorCode()]:
		return fail(err, ecr.CodeSSOSessionExpired, "SSO session expired or revoked: "+apiErr.ErrorCode()+": "+apiErr.ErrorMessage(), login)
	case errors.As(err, &apiErr):
		return fail(err, apiErr.ErrorCode(), "AWS SSO"+at(err)+" failed: "+apiErr.ErrorMessage(), "")
	}
	if host := at(err); host != "" {
		return fail(err, "", "reaching AWS SSO"+host+": "+rootCause(err), "check the network path or proxy to that endpoint")
	}
	// Neither the portal's answer nor the network: the token cache itself
	// (unreadable, or expired with nothing to refresh it by).
	return fail(err, ecr.CodeSSOSessionExpired, "SSO session unusable: "+rootCause(err), login)
}

// at names the host a failed AWS call went to, as " at HOST", or "" when
// the error does not say.
func at(err error) string {
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) && respErr.Response != nil && respErr.Response.Request != nil {
		return " at " + respErr.Response.Request.URL.Host
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if u, perr := url.Parse(uerr.URL); perr == nil && u.Host != "" {
			return " at " + u.Host
		}
	}
	return ""
}

// rootCause strips the SDK's operation wrappers down to the message that
// says what happened, on one line.
func rootCause(err error) string {
	msg := err.Error()
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Err != nil {
		msg = uerr.Err.Error()
	}
	return ecr.OneLine(strings.TrimSpace(msg))
}

func (f *Fetcher) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.New(slog.DiscardHandler)
}
