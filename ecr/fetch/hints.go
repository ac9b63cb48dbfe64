package fetch

import (
	"errors"
	"net/url"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// withHint returns err with a next step added, when it is an *ecr.Error
// without one and the failure is one whose fix is known; otherwise err.
// Every failure of Fetch passes through it, so every door (the front's
// get through `ecrlogin fetch`, token, login, doctor, kubelet, the
// library) names the next step; the cause (Err) is still in process here,
// which is what tells an STS refusal from an ECR one and a network failure
// from an API answer.
func withHint(err error) error {
	var e *ecr.Error
	if !errors.As(err, &e) || e.Hint != "" {
		return err
	}
	hint := hintFor(e)
	if hint == "" {
		return err
	}
	c := *e
	c.Hint = hint
	return &c
}

// Hints for the failures whose fix does not depend on the call.
const (
	hintThrottled = "AWS is rate-limiting this account's calls: retry in a minute, and keep the cache on (each machine then asks once per token)"
	hintClock     = "check this machine's clock (AWS refuses requests signed more than 5 minutes away from its time): sync it with NTP"
	hintExpired   = "the temporary credentials expired: get new ones (aws sso login, or whatever set AWS_SESSION_TOKEN)"
	hintPrivate   = "grant the identity ecr:GetAuthorizationToken in IAM"
	hintPublic    = "grant the identity ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken in IAM"
)

// signatureCodes are the answers AWS gives to a request whose signature
// it refused; with a message about time, the clock is the cause.
var signatureCodes = map[string]bool{
	"SignatureDoesNotMatch":     true,
	"InvalidSignatureException": true,
	"RequestExpired":            true,
	"RequestTimeTooSkewed":      true,
}

func hintFor(e *ecr.Error) string {
	switch {
	case errors.Is(e, ecr.ErrThrottled):
		return hintThrottled
	case errors.Is(e, ecr.ErrAccessDenied):
		return accessHint(e)
	case signatureCodes[e.Code] && aboutTime(e.Message):
		return hintClock
	case e.Code == "ExpiredTokenException" || e.Code == "ExpiredToken":
		return hintExpired
	case e.Code == "":
		var uerr *url.Error
		if errors.As(e.Err, &uerr) {
			where := "the AWS endpoint"
			if u, err := url.Parse(uerr.URL); err == nil && u.Host != "" {
				where = u.Scheme + "://" + u.Host
			}
			return "check the network path to " + where + " (DNS, firewall, HTTPS_PROXY and NO_PROXY, or AWS_ENDPOINT_URL_ECR if set)"
		}
	}
	return ""
}

// accessHint names the IAM permission the refused call needed.
func accessHint(e *ecr.Error) string {
	var op *smithy.OperationError
	if errors.As(e.Err, &op) && op.Service() == "STS" {
		return "the identity may not call sts:" + op.Operation() + ": check its IAM policy and the role's trust policy"
	}
	if reg, err := ecr.ParseHost(e.Host); err == nil && reg.Public {
		return hintPublic
	}
	return hintPrivate
}

// aboutTime reports whether a signature refusal blames the time, as AWS's
// "Signature expired: ... is now earlier than ..." and "Signature not yet
// current" do.
func aboutTime(msg string) bool {
	msg = strings.ToLower(msg)
	for _, w := range []string{"expired", "not yet current", "time", "skew"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
