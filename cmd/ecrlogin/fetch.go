package main

import (
	"context"
	"io"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fetchcmd"
)

// runFetch answers one fetch request from stdin with one reply on stdout
// (see package fetchcmd). Failures are replies too (exit 1), so the front
// can tell a refusal from ECR from a crash.
func runFetch(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) != 0 {
		return fetchcmd.Failure(stdout, stderr, "takes no arguments; the request comes on standard input")
	}
	eng, err := engine.New(engine.Options{Getenv: getenv, Stderr: stderr, NoCache: true})
	if err != nil {
		return fetchcmd.Failure(stdout, stderr, err.Error())
	}
	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	return fetchcmd.Serve(ctx, &fetch.Fetcher{Log: eng.Log}, stdin, stdout, stderr)
}

// newEngine builds the engine for a subcommand that fetches in process
// (token, login, logout, doctor), and returns its SDK fetcher too, for
// doctor's live fetch. The fetcher logs through the engine's logger,
// which exists only once the engine does.
func newEngine(getenv func(string) string, stderr io.Writer) (*engine.Engine, *fetch.Fetcher, error) {
	f := &fetch.Fetcher{}
	eng, err := engine.New(engine.Options{Getenv: getenv, Stderr: stderr, Fetcher: f})
	if err != nil {
		return nil, nil, err
	}
	f.Log = eng.Log
	return eng, f, nil
}
