package fetchcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// Reply is what `ecrlogin fetch` writes on its standard output: exactly
// one of Token or Error.
type Reply struct {
	Token *ecr.Token `json:"token,omitempty"`
	Error *ecr.Error `json:"error,omitempty"`
}

// maxRequest bounds the request Serve reads: a server URL and a selection
// are a few hundred bytes.
const maxRequest = 64 << 10

// Serve answers one request from in with one Reply on out, fetching with
// f, and returns the exit status: 0 for a token, 1 for an error reply (or
// a reply that could not be written, reported on errOut). f honours the
// request's Deadline, as every ecr.Fetcher does.
func Serve(ctx context.Context, f ecr.Fetcher, in io.Reader, out, errOut io.Writer) int {
	req, err := readRequest(in)
	if err != nil {
		return reply(out, errOut, Reply{Error: &ecr.Error{Message: "fetch: " + err.Error(), Err: err}})
	}
	tok, err := f.Fetch(ctx, req)
	if err != nil {
		return reply(out, errOut, Reply{Error: asError(req.ServerURL, err)})
	}
	return reply(out, errOut, Reply{Token: &tok})
}

// Failure writes the error reply for a request that could not be served
// at all (bad arguments, bad settings) and returns its exit status.
func Failure(out, errOut io.Writer, msg string) int {
	return reply(out, errOut, Reply{Error: &ecr.Error{Message: "fetch: " + msg}})
}

func readRequest(in io.Reader) (ecr.FetchRequest, error) {
	b, err := io.ReadAll(io.LimitReader(in, maxRequest+1))
	if err != nil || len(b) > maxRequest {
		return ecr.FetchRequest{}, errors.New("reading the request from standard input failed or it is too large")
	}
	var req ecr.FetchRequest
	if err := json.Unmarshal(b, &req); err != nil || req.ServerURL == "" {
		return ecr.FetchRequest{}, errors.New("standard input is not a fetch request")
	}
	return req, nil
}

// asError makes any fetch failure an *ecr.Error, the one shape that
// crosses the boundary.
func asError(host string, err error) *ecr.Error {
	var e *ecr.Error
	if errors.As(err, &e) {
		return e
	}
	return &ecr.Error{Host: host, Message: err.Error(), Err: err}
}

func reply(out, errOut io.Writer, r Reply) int {
	if err := json.NewEncoder(out).Encode(r); err != nil {
		fmt.Fprintln(errOut, ecr.Prefix+"fetch: writing the reply:", err)
		return 1
	}
	if r.Error != nil {
		return 1
	}
	return 0
}
