package fakeaws

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const sigV4Algorithm = "AWS4-HMAC-SHA256"

var errMalformedAuthorization = errors.New("malformed SigV4 Authorization header")

// sigV4 is a parsed SigV4 Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=KEYID/DATE/REGION/SERVICE/aws4_request,
//	SignedHeaders=host;x-amz-date, Signature=hex
type sigV4 struct {
	keyID         string
	date          string // YYYYMMDD
	region        string
	service       string
	signedHeaders []string
	signature     string
}

func (a *sigV4) scope() string {
	return a.date + "/" + a.region + "/" + a.service + "/aws4_request"
}

// parseAuthorization parses a SigV4 Authorization header value.
func parseAuthorization(header string) (*sigV4, error) {
	params, ok := strings.CutPrefix(header, sigV4Algorithm+" ")
	if !ok {
		return nil, errMalformedAuthorization
	}
	var a sigV4
	var credential, signedHeaders string
	for part := range strings.SplitSeq(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, errMalformedAuthorization
		}
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			signedHeaders = v
		case "Signature":
			a.signature = v
		}
	}
	fields := strings.Split(credential, "/")
	if len(fields) != 5 || fields[4] != "aws4_request" || signedHeaders == "" || a.signature == "" {
		return nil, errMalformedAuthorization
	}
	for _, f := range fields {
		if f == "" {
			return nil, errMalformedAuthorization
		}
	}
	a.keyID, a.date, a.region, a.service = fields[0], fields[1], fields[2], fields[3]
	a.signedHeaders = strings.Split(signedHeaders, ";")
	return &a, nil
}

// expectedSigningName is the SigV4 service name each service signs with.
var expectedSigningName = map[string]string{
	ServiceECR:       "ecr",
	ServiceECRPublic: "ecr-public",
	ServiceSTS:       "sts",
}

// authenticate checks the request's signature as far as the server can,
// filling in the call's signing fields. Unknown keys are accepted
// unverified, so tests need not register the static keys they use.
func (s *Server) authenticate(r *http.Request, in *request, call *Call) *apiError {
	header := r.Header.Get("Authorization")
	if header == "" {
		// AWS serves AssumeRoleWithWebIdentity unsigned: the web identity
		// token is the credential, and the SDK sends it anonymously.
		if in.service == ServiceSTS && in.action == "AssumeRoleWithWebIdentity" {
			return nil
		}
		if in.proto == awsJSON {
			return &apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token"}
		}
		return &apiError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return protocolError(in.proto, http.StatusBadRequest, "IncompleteSignature", "fakeaws: "+err.Error())
	}
	in.auth = auth
	call.AccessKeyID, call.Region, call.SigningService = auth.keyID, auth.region, auth.service

	if want := expectedSigningName[in.service]; auth.service != want {
		return signatureMismatch(in.proto, "Credential should be scoped to correct service: '"+want+"'.")
	}

	secret, known := s.Keys[auth.keyID]
	s.mu.Lock()
	sess, issued := s.sessions[auth.keyID]
	s.mu.Unlock()
	if issued {
		secret, known = sess.secret, true
		call.RoleARN = stringOr(call.RoleARN, sess.roleARN)
		if r.Header.Get("X-Amz-Security-Token") != sess.token {
			if in.proto == awsJSON {
				return &apiError{http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid."}
			}
			return &apiError{http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid."}
		}
		if !s.now().Before(sess.expires) {
			return &apiError{http.StatusBadRequest, "ExpiredTokenException", "The security token included in the request is expired"}
		}
	}
	if !known {
		return nil
	}

	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return protocolError(in.proto, http.StatusBadRequest, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if !strings.HasPrefix(amzDate, auth.date) {
		return signatureMismatch(in.proto, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
	}
	if !hmac.Equal([]byte(auth.signature), []byte(signature(r, in.body, auth, amzDate, secret))) {
		return signatureMismatch(in.proto, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	call.Verified = true
	return nil
}

// protocolError builds an error whose code follows the protocol's naming:
// JSON services end their codes in "Exception", STS does not.
func protocolError(proto protocol, status int, code, message string) *apiError {
	if proto == awsJSON {
		code += "Exception"
	}
	return &apiError{status, code, message}
}

func signatureMismatch(proto protocol, message string) *apiError {
	if proto == awsJSON {
		return &apiError{http.StatusForbidden, "InvalidSignatureException", message}
	}
	return &apiError{http.StatusForbidden, "SignatureDoesNotMatch", message}
}

// signature computes the SigV4 signature the request should carry, from the
// request as received. It follows the AWS SDK's signer (aws/signer/v4) for
// the non-S3 services: the path escaped once more, header values trimmed
// with inner runs of spaces collapsed, and the payload hashed from the body.
func signature(r *http.Request, body []byte, auth *sigV4, amzDate, secret string) string {
	payloadHash := sha256Hex(body)
	if r.Header.Get("X-Amz-Content-Sha256") == "UNSIGNED-PAYLOAD" {
		payloadHash = "UNSIGNED-PAYLOAD"
	}

	var headers strings.Builder
	for _, name := range auth.signedHeaders {
		headers.WriteString(name)
		headers.WriteByte(':')
		headers.WriteString(canonicalHeaderValue(r, name))
		headers.WriteByte('\n')
	}

	canonicalRequest := strings.Join([]string{
		r.Method,
		escapeRFC3986(r.URL.EscapedPath(), false),
		canonicalQuery(r.URL.RawQuery),
		headers.String(),
		strings.Join(auth.signedHeaders, ";"),
		payloadHash,
	}, "\n")

	stringToSign := strings.Join([]string{
		sigV4Algorithm,
		amzDate,
		auth.scope(),
		sha256Hex([]byte(canonicalRequest)),
	}, "\n")

	key := hmacSHA256([]byte("AWS4"+secret), auth.date)
	key = hmacSHA256(key, auth.region)
	key = hmacSHA256(key, auth.service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// canonicalHeaderValue is the value of a signed header as SigV4 canonicalizes
// it. Go's server moves Host out of the header map, and Content-Length may
// only be known from the parsed request.
func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	cleaned := make([]string, len(values))
	for i, v := range values {
		cleaned[i] = strings.TrimSpace(collapseSpaces(v))
	}
	return strings.Join(cleaned, ",")
}

// collapseSpaces replaces every run of spaces with one space, as the SDK's
// signer does; other whitespace is left alone.
func collapseSpaces(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// canonicalQuery is the query string sorted by key, then value, each part
// escaped per RFC 3986.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return rawQuery // cannot match what the client signed; fails the check
	}
	type param struct{ key, value string }
	var params []param
	for k, vs := range query {
		for _, v := range vs {
			params = append(params, param{escapeRFC3986(k, true), escapeRFC3986(v, true)})
		}
	}
	slices.SortFunc(params, func(a, b param) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key + "=" + p.value)
	}
	return b.String()
}

// escapeRFC3986 percent-encodes every byte but the unreserved characters,
// and '/' unless encodeSlash.
func escapeRFC3986(s string, encodeSlash bool) string {
	const upperHex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		unreserved := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if unreserved || c == '/' && !encodeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xf])
	}
	return b.String()
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func stringOr(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
