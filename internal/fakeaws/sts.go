package fakeaws

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// STS session lengths: the default and bounds of DurationSeconds.
const (
	defaultSessionDuration = time.Hour
	minSessionDuration     = 15 * time.Minute
	maxSessionDuration     = 12 * time.Hour
)

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type stsAssumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type assumeRoleResponse struct {
	XMLName         xml.Name           `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Credentials     stsCredentials     `xml:"AssumeRoleResult>Credentials"`
	AssumedRoleUser stsAssumedRoleUser `xml:"AssumeRoleResult>AssumedRoleUser"`
}

type assumeRoleWithWebIdentityResponse struct {
	XMLName         xml.Name           `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithWebIdentityResponse"`
	Credentials     stsCredentials     `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
	AssumedRoleUser stsAssumedRoleUser `xml:"AssumeRoleWithWebIdentityResult>AssumedRoleUser"`
	Provider        string             `xml:"AssumeRoleWithWebIdentityResult>Provider"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Account string   `xml:"GetCallerIdentityResult>Account"`
	Arn     string   `xml:"GetCallerIdentityResult>Arn"`
	UserID  string   `xml:"GetCallerIdentityResult>UserId"`
}

// assumeRole answers STS AssumeRole with new temporary credentials for the
// requested role.
func (s *Server) assumeRole(in *request, call *Call) (any, *apiError) {
	if aerr := s.checkMFA(call); aerr != nil {
		return nil, aerr
	}
	creds, user, aerr := s.issueSession(in.form, call)
	if aerr != nil {
		return nil, aerr
	}
	return assumeRoleResponse{Credentials: creds, AssumedRoleUser: user}, nil
}

// checkMFA refuses an AssumeRole of a role in RoleMFA without its device's
// current code, with the answers AWS gives: the trust policy's condition
// fails without MFA, and a wrong code fails MultiFactorAuthentication.
func (s *Server) checkMFA(call *Call) *apiError {
	serial, needed := s.RoleMFA[call.RoleARN]
	if !needed {
		return nil
	}
	if call.SerialNumber == "" || call.TokenCode == "" {
		return &apiError{http.StatusForbidden, "AccessDenied", "User: arn:aws:iam::" + s.account() + ":user/fakeaws is not authorized to perform: sts:AssumeRole on resource: " + call.RoleARN}
	}
	if call.SerialNumber != serial || call.TokenCode != s.MFACodes[serial] {
		return &apiError{http.StatusForbidden, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."}
	}
	return nil
}

// assumeRoleWithWebIdentity answers STS AssumeRoleWithWebIdentity. Any
// non-empty token is accepted; tests that want it refused set a fault.
func (s *Server) assumeRoleWithWebIdentity(in *request, call *Call) (any, *apiError) {
	if call.WebIdentityToken == "" {
		return nil, validationError("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null")
	}
	creds, user, aerr := s.issueSession(in.form, call)
	if aerr != nil {
		return nil, aerr
	}
	return assumeRoleWithWebIdentityResponse{Credentials: creds, AssumedRoleUser: user, Provider: "fakeaws"}, nil
}

// callerIdentity answers STS GetCallerIdentity: the assumed role for keys
// this STS issued, an IAM user of Account for any other key.
func (s *Server) callerIdentity(call *Call) (any, *apiError) {
	s.mu.Lock()
	sess, issued := s.sessions[call.AccessKeyID]
	s.mu.Unlock()
	if issued {
		account, roleName, _ := parseRoleARN(sess.roleARN)
		return getCallerIdentityResponse{
			Account: account,
			Arn:     assumedRoleARN(sess.roleARN, account, roleName, sess.sessionName),
			UserID:  roleID(sess.roleARN) + ":" + sess.sessionName,
		}, nil
	}
	return getCallerIdentityResponse{
		Account: s.account(),
		Arn:     "arn:aws:iam::" + s.account() + ":user/fakeaws",
		UserID:  "AIDA" + stableID(call.AccessKeyID),
	}, nil
}

// issueSession validates the AssumeRole* parameters shared by both calls and
// mints a session the server will recognise when requests are signed with
// it.
func (s *Server) issueSession(form map[string][]string, call *Call) (stsCredentials, stsAssumedRoleUser, *apiError) {
	if call.RoleARN == "" {
		return stsCredentials{}, stsAssumedRoleUser{}, validationError("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if call.RoleSessionName == "" {
		return stsCredentials{}, stsAssumedRoleUser{}, validationError("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	account, roleName, ok := parseRoleARN(call.RoleARN)
	if !ok {
		return stsCredentials{}, stsAssumedRoleUser{}, validationError(call.RoleARN + " is invalid")
	}
	duration := defaultSessionDuration
	if values := form["DurationSeconds"]; len(values) > 0 {
		seconds, err := strconv.Atoi(values[0])
		duration = time.Duration(seconds) * time.Second
		if err != nil || duration < minSessionDuration || duration > maxSessionDuration {
			return stsCredentials{}, stsAssumedRoleUser{}, validationError("1 validation error detected: Value '" + values[0] + "' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")
		}
	}

	keyID := "ASIA" + randomID(16)
	sess := session{
		secret:      randomBase64(30),
		token:       randomBase64(240),
		expires:     s.now().Add(duration),
		roleARN:     call.RoleARN,
		sessionName: call.RoleSessionName,
	}
	s.mu.Lock()
	s.sessions[keyID] = sess
	s.mu.Unlock()

	creds := stsCredentials{
		AccessKeyID:     keyID,
		SecretAccessKey: sess.secret,
		SessionToken:    sess.token,
		Expiration:      sess.expires.UTC().Format(time.RFC3339),
	}
	user := stsAssumedRoleUser{
		Arn:           assumedRoleARN(call.RoleARN, account, roleName, call.RoleSessionName),
		AssumedRoleID: roleID(call.RoleARN) + ":" + call.RoleSessionName,
	}
	return creds, user, nil
}

// parseRoleARN splits arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
func parseRoleARN(arn string) (account, roleName string, ok bool) {
	fields := strings.SplitN(arn, ":", 6)
	if len(fields) != 6 || fields[0] != "arn" || fields[1] == "" || fields[2] != "iam" || len(fields[4]) != 12 {
		return "", "", false
	}
	resource, ok := strings.CutPrefix(fields[5], "role/")
	if !ok || resource == "" || strings.HasSuffix(resource, "/") {
		return "", "", false
	}
	return fields[4], resource[strings.LastIndex(resource, "/")+1:], true
}

// assumedRoleARN is the ARN STS gives a role session.
func assumedRoleARN(roleARN, account, roleName, sessionName string) string {
	partition := "aws"
	if fields := strings.SplitN(roleARN, ":", 3); len(fields) == 3 {
		partition = fields[1]
	}
	return "arn:" + partition + ":sts::" + account + ":assumed-role/" + roleName + "/" + sessionName
}

// roleID is a stable AROA… unique id for a role ARN, as IAM assigns one per
// role.
func roleID(roleARN string) string {
	return "AROA" + stableID(roleARN)
}

// stableID derives 16 key-id characters from s, so the same input always
// names the same principal.
func stableID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:16]
}

// randomID returns n random characters from the alphabet of AWS key ids.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand crashes the program instead
	return base32.StdEncoding.EncodeToString(b)[:n]
}

func validationError(message string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationError", message}
}
