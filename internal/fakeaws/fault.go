package fakeaws

import (
	"context"
	"net/http"
	"time"
)

// Fault is a programmed misbehaviour for calls of one action; see
// [Server.SetFault]. A Fault answers with an AWS error when Code or Status is
// set; Delay and Hang decide when, or whether, anything is answered.
type Fault struct {
	// Status is the HTTP status of the error answer; it defaults to 400
	// when Code is set.
	Status int
	// Code is the AWS error code, which the SDK reports as
	// smithy.APIError.ErrorCode(); it defaults to "InternalFailure" when
	// only Status is set.
	Code string
	// Message is the error message; it defaults to one naming the code.
	Message string
	// Hang makes the call never answer: the handler waits until the client
	// gives up (its context ends or it closes the connection), or until the
	// server is closed, which answers 503 ServiceUnavailable.
	Hang bool
	// Delay holds the answer back, whatever it is, for this long. A client
	// that gives up first gets nothing.
	Delay time.Duration
	// Body, if set, is written as the whole answer, as is, with Status (200
	// when unset), in place of the normal answer or an error: malformed or
	// truncated JSON, say.
	Body string
	// Times is how many calls the fault applies to before it clears itself;
	// 0 means every call until ClearFaults.
	Times int
}

// AccessDenied is ECR's answer to an identity without
// ecr:GetAuthorizationToken permission.
func AccessDenied() Fault {
	return Fault{
		Status:  http.StatusBadRequest,
		Code:    "AccessDeniedException",
		Message: "User is not authorized to perform: ecr:GetAuthorizationToken (fakeaws)",
	}
}

// Throttling is AWS's rate-limit answer, which the SDK's standard retryer
// retries (three attempts in all by default). Set Times to let later
// attempts through.
func Throttling() Fault {
	return Fault{Status: http.StatusBadRequest, Code: "ThrottlingException", Message: "Rate exceeded"}
}

// ServerError is ECR's answer when it fails internally; the SDK retries 5xx
// answers like throttling.
func ServerError() Fault {
	return Fault{Status: http.StatusInternalServerError, Code: "ServerException", Message: "fakeaws: injected server error"}
}

// AssumeRoleDenied is STS's answer to an AssumeRole or
// AssumeRoleWithWebIdentity the trust policy does not allow. STS codes lack
// the "Exception" suffix of the JSON services: "AccessDenied" here.
func AssumeRoleDenied() Fault {
	return Fault{
		Status:  http.StatusForbidden,
		Code:    "AccessDenied",
		Message: "User is not authorized to perform: sts:AssumeRole (fakeaws)",
	}
}

// Hang is a call that never answers; see Fault.Hang.
func Hang() Fault {
	return Fault{Hang: true}
}

// SetFault programs f for calls of action, from the next call on. action is
// either a bare operation name, "GetAuthorizationToken" (both ECR flavours),
// "AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity", or one
// qualified by service, "ecr:GetAuthorizationToken" or
// "ecr-public:GetAuthorizationToken", which wins over the bare name. Setting
// a fault again replaces it and restarts its Times.
//
// Faults apply only to calls that pass authentication, so a call with a
// missing or bad signature still gets its authentication error.
func (s *Server) SetFault(action string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[action] = &f
}

// ClearFaults removes every programmed fault. Requests already hanging keep
// hanging; see Close.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFault returns the fault for a call of action on service, if any, and
// counts the call against the fault's Times.
func (s *Server) takeFault(service, action string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := service + ":" + action
	f, ok := s.faults[key]
	if !ok {
		key = action
		if f, ok = s.faults[key]; !ok {
			return Fault{}, false
		}
	}
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, key)
		}
	}
	return *f, true
}

// applyFault carries out f for a call. answer is false when nothing must be
// written, because the client went away; otherwise aerr is the error to
// answer, or nil to answer normally.
func (s *Server) applyFault(ctx context.Context, f Fault) (aerr *apiError, answer bool) {
	if f.Hang {
		select {
		case <-ctx.Done():
			return nil, false
		case <-s.done:
			return &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "fakeaws: server closed while the call hung"}, true
		}
	}
	if f.Delay > 0 {
		timer := time.NewTimer(f.Delay)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, false
		case <-s.done:
			return &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "fakeaws: server closed while the call was delayed"}, true
		case <-timer.C:
		}
	}
	if f.Body != "" || (f.Code == "" && f.Status == 0) {
		return nil, true
	}
	e := &apiError{status: f.Status, code: f.Code, message: f.Message}
	if e.status == 0 {
		e.status = http.StatusBadRequest
	}
	if e.code == "" {
		e.code = "InternalFailure"
	}
	if e.message == "" {
		e.message = "fakeaws: injected " + e.code
	}
	return e, true
}
