package fakeaws

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds what the fake reads of a request body; real requests to
// these APIs are a few hundred bytes, web identity tokens a few kilobytes.
const maxBody = 1 << 20

// JSON 1.1 target prefixes, which name the service in X-Amz-Target.
const (
	ecrTargetPrefix       = "AmazonEC2ContainerRegistry_V20150921."
	ecrPublicTargetPrefix = "SpencerFrontendService."
)

// protocol is the wire protocol of a request, which decides how errors and
// results are written.
type protocol int

const (
	awsJSON  protocol = iota // JSON 1.1: ECR and ECR Public
	awsQuery                 // query protocol with XML answers: STS
)

// protocolOf tells the protocols apart the way AWS front ends do: JSON
// protocols name the operation in X-Amz-Target, the query protocol in the
// form.
func protocolOf(r *http.Request) protocol {
	if r.Header.Get("X-Amz-Target") != "" {
		return awsJSON
	}
	return awsQuery
}

// apiError is an AWS error answer; the SDK turns code and message into a
// smithy.APIError.
type apiError struct {
	status  int
	code    string
	message string
}

// request is what the server understood of an HTTP request.
type request struct {
	proto   protocol
	service string
	action  string
	body    []byte
	form    url.Values // query-protocol parameters
	auth    *sigV4     // nil for an unsigned request
}

// ServeHTTP answers one AWS API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proto := protocolOf(r)
	requestID := newRequestID()
	if !s.enter() {
		writeError(w, proto, requestID, &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "fakeaws: server closed"})
		return
	}
	defer s.leave()
	if r.URL.Path == ssoCredentialsPath {
		s.serveSSO(w, r)
		return
	}

	call := Call{Time: s.now()}
	in, aerr := readRequest(r, proto)
	if in != nil {
		call.Service, call.Action = in.service, in.action
		noteParams(in, &call)
	}
	if aerr == nil {
		aerr = s.authenticate(r, in, &call)
	}
	// Recorded now, unanswered, so that a test can see a call that hangs or
	// waits arrive; answer fills in the outcome.
	rec := s.record(call)
	if aerr != nil {
		s.answerError(w, proto, requestID, rec, aerr)
		return
	}

	if f, ok := s.takeFault(in.service, in.action); ok {
		aerr, answer := s.applyFault(r.Context(), f)
		if !answer {
			return // the client gave up: the call stays unanswered
		}
		if aerr != nil {
			s.answerError(w, proto, requestID, rec, aerr)
			return
		}
		if f.Body != "" {
			status := cmp.Or(f.Status, http.StatusOK)
			s.answered(rec, status, "")
			w.WriteHeader(status)
			io.WriteString(w, f.Body)
			return
		}
	}

	result, aerr := s.dispatch(in, &call)
	if aerr != nil {
		s.answerError(w, proto, requestID, rec, aerr)
		return
	}
	s.answered(rec, http.StatusOK, "")
	writeResult(w, proto, requestID, result)
}

// answerError records that the call failed with aerr and writes aerr.
func (s *Server) answerError(w http.ResponseWriter, proto protocol, requestID string, rec *Call, aerr *apiError) {
	s.answered(rec, aerr.status, aerr.code)
	writeError(w, proto, requestID, aerr)
}

// readRequest reads the body and names the service and action. It returns
// a request even with an error when it got as far as naming them, so the
// call is recorded with them.
func readRequest(r *http.Request, proto protocol) (*request, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "SerializationException", "fakeaws: read request body: " + err.Error()}
	}
	if len(body) > maxBody {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "fakeaws: request body over 1 MiB"}
	}
	in := &request{proto: proto, body: body}

	if proto == awsJSON {
		target := r.Header.Get("X-Amz-Target")
		switch {
		case strings.HasPrefix(target, ecrTargetPrefix):
			in.service, in.action = ServiceECR, strings.TrimPrefix(target, ecrTargetPrefix)
		case strings.HasPrefix(target, ecrPublicTargetPrefix):
			in.service, in.action = ServiceECRPublic, strings.TrimPrefix(target, ecrPublicTargetPrefix)
		default:
			return nil, &apiError{http.StatusBadRequest, "UnknownOperationException", "fakeaws: unknown X-Amz-Target " + target}
		}
		if in.action != "GetAuthorizationToken" {
			return in, &apiError{http.StatusBadRequest, "UnknownOperationException", "fakeaws: operation " + in.action + " is not faked"}
		}
		if len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
			return in, &apiError{http.StatusBadRequest, "SerializationException", "fakeaws: request body is not JSON"}
		}
		return in, nil
	}

	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "MalformedQueryString", "fakeaws: parse form: " + err.Error()}
	}
	for k, vs := range r.URL.Query() {
		form[k] = append(form[k], vs...)
	}
	in.form = form
	in.action = form.Get("Action")
	switch in.action {
	case "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity":
		in.service = ServiceSTS
		return in, nil
	case "":
		return nil, &apiError{http.StatusBadRequest, "MissingAction", "fakeaws: no X-Amz-Target header and no Action parameter"}
	default:
		// Only STS speaks the query protocol here, so an unknown action is
		// still an STS call.
		in.service = ServiceSTS
		return in, &apiError{http.StatusBadRequest, "InvalidAction", "fakeaws: action " + in.action + " is not faked"}
	}
}

// noteParams copies the request fields worth inspecting into the call
// record, before auth and faults, so that failed calls show them too.
func noteParams(in *request, call *Call) {
	switch in.service {
	case ServiceECR:
		var doc struct {
			RegistryIDs []string `json:"registryIds"`
		}
		if json.Unmarshal(in.body, &doc) == nil {
			call.RegistryIDs = doc.RegistryIDs
		}
	case ServiceSTS:
		call.RoleARN = in.form.Get("RoleArn")
		call.RoleSessionName = in.form.Get("RoleSessionName")
		call.WebIdentityToken = in.form.Get("WebIdentityToken")
		call.ExternalID = in.form.Get("ExternalId")
		call.SerialNumber = in.form.Get("SerialNumber")
		call.TokenCode = in.form.Get("TokenCode")
	}
}

// dispatch runs the operation and returns the value to write back: a JSON
// document for awsJSON, an XML element for awsQuery. Operations read the
// request fields noted in call.
func (s *Server) dispatch(in *request, call *Call) (any, *apiError) {
	switch in.service + ":" + in.action {
	case ServiceECR + ":GetAuthorizationToken":
		return s.ecrAuthorizationToken(call)
	case ServiceECRPublic + ":GetAuthorizationToken":
		return s.ecrPublicAuthorizationToken(call)
	case ServiceSTS + ":AssumeRole":
		return s.assumeRole(in, call)
	case ServiceSTS + ":AssumeRoleWithWebIdentity":
		return s.assumeRoleWithWebIdentity(in, call)
	case ServiceSTS + ":GetCallerIdentity":
		return s.callerIdentity(call)
	}
	// readRequest admits only the operations above.
	return nil, &apiError{http.StatusInternalServerError, "InternalFailure", "fakeaws: no handler for " + in.service + ":" + in.action}
}

// writeResult writes a success in the request's protocol.
func writeResult(w http.ResponseWriter, proto protocol, requestID string, result any) {
	var (
		body        []byte
		err         error
		contentType string
	)
	if proto == awsJSON {
		contentType = "application/x-amz-json-1.1"
		body, err = json.Marshal(result)
	} else {
		contentType = "text/xml"
		body, err = xml.Marshal(result)
	}
	if err != nil {
		writeError(w, proto, requestID, &apiError{http.StatusInternalServerError, "InternalFailure", "fakeaws: encode response: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	if proto == awsQuery {
		io.WriteString(w, xml.Header)
	}
	w.Write(body)
}

// queryErrorResponse is the query protocol's error document. It and every
// STS answer carry STS's XML namespace, as AWS's do.
type queryErrorResponse struct {
	XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeError writes an AWS error in the request's protocol: for JSON 1.1 the
// X-Amzn-ErrorType header and a {"__type","message"} body, for the query
// protocol an ErrorResponse document.
func writeError(w http.ResponseWriter, proto protocol, requestID string, e *apiError) {
	w.Header().Set("X-Amzn-Requestid", requestID)
	if proto == awsJSON {
		body, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message}) // strings always encode
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", e.code)
		w.WriteHeader(e.status)
		w.Write(body)
		return
	}
	errType := "Sender"
	if e.status >= 500 {
		errType = "Receiver"
	}
	body, _ := xml.Marshal(queryErrorResponse{Type: errType, Code: e.code, Message: e.message, RequestID: requestID}) // strings always encode
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	io.WriteString(w, xml.Header)
	w.Write(body)
}

// newRequestID returns a random request id shaped like AWS's.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	const hex = "0123456789abcdef"
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hex[c>>4], hex[c&0xf]
		j += 2
	}
	return string(out[:])
}
