package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/settings"
)

// runFetch answers one ecr.FetchRequest from stdin with one ecr.FetchReply
// on stdout. Failures are replies too (exit 1), so the front can tell a
// refusal from ECR from a crash.
func runFetch(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	reply := func(r ecr.FetchReply) int {
		if err := json.NewEncoder(stdout).Encode(r); err != nil {
			fmt.Fprintln(stderr, "ecrlogin fetch: writing the reply:", err)
			return 1
		}
		if r.Error != nil {
			return 1
		}
		return 0
	}
	failure := func(msg string) int {
		return reply(ecr.FetchReply{Error: &ecr.Error{Message: "fetch: " + msg}})
	}
	if len(args) != 0 {
		return failure("takes no arguments; the request comes on standard input")
	}
	timeout, err := settings.Timeout(getenv)
	if err != nil {
		return failure(err.Error())
	}
	log, err := settings.Logger(getenv, stderr)
	if err != nil {
		return failure(err.Error())
	}
	in, err := io.ReadAll(io.LimitReader(stdin, ecr.MaxInput+1))
	if err != nil || len(in) > ecr.MaxInput {
		return failure("reading the request from standard input failed or it is too large")
	}
	var req ecr.FetchRequest
	if err := json.Unmarshal(in, &req); err != nil || req.ServerURL == "" {
		return failure("standard input is not a fetch request")
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	f := &fetch.Fetcher{Log: log}
	tok, err := f.Fetch(ctx, req)
	if err != nil {
		e, ok := err.(*ecr.Error)
		if !ok {
			e = &ecr.Error{Message: err.Error()}
		}
		return reply(ecr.FetchReply{Error: e})
	}
	return reply(ecr.FetchReply{Token: &tok})
}
