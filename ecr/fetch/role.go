package fetch

import (
	"context"
	"errors"
	"os"
	"os/user"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/tty"
)

// roleSession is how long an assumed role's credentials are asked for
// when nothing says otherwise: an hour, which every role allows (its
// maximum is at least that), rather than the SDK's 15 minutes. They sign
// one GetAuthorizationToken and are dropped; the ECR token is what is
// cached.
const roleSession = time.Hour

// assumeRole returns the provider of the mapping's role, assumed with the
// credentials cfg already has (the profile's or the default chain's) by
// calling STS in the registry's region and partition; AWS_ENDPOINT_URL_STS
// and friends apply, as for any SDK client. It makes no call until asked
// for credentials, and then exactly one: the caller caches it.
func assumeRole(ctx context.Context, cfg aws.Config, sel ecr.Selection) aws.CredentialsProvider {
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if o.BaseEndpoint != nil {
			// As for ECR (privateOptions): a configured endpoint wins over
			// the FIPS and dual-stack variants the registry host implies.
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateUnset
			o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateUnset
		}
	})
	return stscreds.NewAssumeRoleProvider(client, sel.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = sel.RoleSessionName
		if sel.ExternalID != "" {
			o.ExternalID = aws.String(sel.ExternalID)
		}
		if sel.MFASerial != "" {
			o.SerialNumber = aws.String(sel.MFASerial)
		}
		roleOptions(ctx, o)
	})
}

// roleOptions completes the options of every role ecrlogin assumes, the
// mapping's and a profile's own: the default session name and length, the
// MFA code from the terminal, and errors that name the role.
func roleOptions(ctx context.Context, o *stscreds.AssumeRoleOptions) {
	if o.RoleSessionName == "" {
		o.RoleSessionName = DefaultSessionName()
	}
	if o.Duration == 0 {
		o.Duration = roleSession
	}
	if o.Client != nil {
		o.Client = roleClient{o.Client}
	}
	if o.SerialNumber != nil {
		serial, role := *o.SerialNumber, o.RoleARN
		o.TokenProvider = func() (string, error) { return promptMFA(ctx, serial, role) }
	}
}

// promptMFA asks for the code of the MFA device serial on the controlling
// terminal, never on stdin or stdout, which docker owns. The SDK asks once
// per AssumeRole, and the caller's credentials cache and the disk cache's
// lock make that once per token refresh across processes.
func promptMFA(ctx context.Context, serial, role string) (string, error) {
	question := "MFA code for " + serial + ": "
	if role != "" {
		question = "MFA code for " + serial + " (role " + role + "): "
	}
	if n, ok := ctx.Value(promptKey{}).(*promptNote); ok {
		n.asked.Store(serial)
	}
	code, err := tty.Prompt(ctx, question)
	if err == nil && code == "" {
		err = errNoCode
	}
	if err != nil {
		return "", &mfaError{serial: serial, role: role, err: err}
	}
	return code, nil
}

var errNoCode = errors.New("no code entered")

// promptKey is the context key of a fetch's promptNote.
type promptKey struct{}

// promptNote records that a fetch asked a person for a code, so that a
// deadline passing says so: the SDK's credentials cache returns only the
// context's error when it gives up waiting, without the prompt's.
type promptNote struct {
	asked atomic.Value // the MFA device serial asked for, a string
}

// askedFor returns the MFA device serial ctx's fetch asked a code for,
// or "".
func askedFor(ctx context.Context) string {
	if n, ok := ctx.Value(promptKey{}).(*promptNote); ok {
		serial, _ := n.asked.Load().(string)
		return serial
	}
	return ""
}

// mfaError is a failure to get an MFA code from a person.
type mfaError struct {
	serial, role string
	err          error
}

func (e *mfaError) Error() string { return "MFA code for " + e.serial + ": " + e.err.Error() }
func (e *mfaError) Unwrap() error { return e.err }

// roleClient names the role in AssumeRole's errors, which do not: a
// profile's role, assumed deep in the SDK's chain, is known only here.
type roleClient struct {
	stscreds.AssumeRoleAPIClient
}

func (c roleClient) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	out, err := c.AssumeRoleAPIClient.AssumeRole(ctx, in, optFns...)
	if err != nil && refusedBySTS(err) {
		return nil, &assumeRoleError{role: aws.ToString(in.RoleArn), mfa: in.SerialNumber != nil, err: err}
	}
	return out, err
}

// refusedBySTS reports whether err is STS's own answer to AssumeRole,
// rather than a failure of the credentials that sign it (an SSO portal's
// refusal, say), which arrives inside the AssumeRole operation's error:
// the API error's nearest operation must be STS's.
func refusedBySTS(err error) bool {
	var op *smithy.OperationError
	for e := err; e != nil; e = errors.Unwrap(e) {
		if o, ok := e.(*smithy.OperationError); ok {
			op = o
		}
		if _, ok := e.(smithy.APIError); ok {
			return op != nil && op.Service() == "STS"
		}
	}
	return false
}

// assumeRoleError is a failed AssumeRole, with the role it asked for.
type assumeRoleError struct {
	role string
	mfa  bool // the call carried an MFA code
	err  error
}

func (e *assumeRoleError) Error() string { return "assuming role " + e.role + ": " + e.err.Error() }
func (e *assumeRoleError) Unwrap() error { return e.err }

// assumeRoleFailure explains STS's refusal of a role in terms of what to
// change: the caller's permission, the role's trust policy, or the code.
func assumeRoleFailure(err error, roleErr *assumeRoleError, apiErr smithy.APIError, fail failFunc) error {
	msg := "AssumeRole " + roleErr.role + " refused: " + apiErr.ErrorMessage()
	if apiErr.ErrorCode() != "AccessDenied" {
		return fail(err, apiErr.ErrorCode(), msg, "")
	}
	if roleErr.mfa && strings.Contains(apiErr.ErrorMessage(), "MultiFactorAuthentication") {
		return fail(err, apiErr.ErrorCode(), msg, "the MFA code was wrong or already used; run the command again with a fresh one")
	}
	return fail(err, apiErr.ErrorCode(), msg,
		"the calling identity needs sts:AssumeRole on that role, and the role's trust policy must allow that identity (with the external id or MFA the policy requires)")
}

// DefaultSessionName is the role session name when neither the mapping
// nor the profile gives one: "ecrlogin-USER", as STS allows it (at most
// 64 of the characters [A-Za-z0-9+=,.@_-], others becoming '-'), so that
// CloudTrail shows who pulled.
func DefaultSessionName() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = os.Getenv("USERNAME")
	}
	return SessionName(name)
}

// SessionName makes "ecrlogin-NAME" a valid role session name: characters
// STS refuses become '-', and the result is cut to its 64-character limit.
// An empty name gives "ecrlogin".
func SessionName(name string) string {
	const maxLen = 64
	if name == "" {
		return "ecrlogin"
	}
	b := []byte("ecrlogin-")
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("+=,.@_-", r):
			b = append(b, byte(r))
		default:
			b = append(b, '-')
		}
		if len(b) == maxLen {
			break
		}
	}
	return string(b)
}
