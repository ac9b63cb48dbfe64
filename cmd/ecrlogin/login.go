package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
)

const loginUsage = `Usage: ecrlogin login [HOST...]

Gets a token for each ECR registry HOST (default: every registry that
docker's config.json hands to ecrlogin) into the cache that
docker-credential-ecrlogin serves from, so the day's pulls and pushes need
no AWS call. This is the place to answer an SSO login or an MFA prompt.

Prints one line per registry, never a token:

  ✓ HOST  IDENTITY  served until TIME
  ✗ HOST  what went wrong; what to do

Each registry gets ECRLOGIN_TIMEOUT. Exits 1 if any registry failed.`

// runLogin is `ecrlogin login`.
func runLogin(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if code, done := usageOnly("login", loginUsage, args, stdout, stderr); done {
		return code
	}
	eng, _, err := newEngine(getenv, stderr)
	if err != nil {
		fmt.Fprintln(stderr, ecr.Line(fmt.Errorf("login: %w", err)))
		return 1
	}
	hosts, err := registryHosts(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, ecr.Line(fmt.Errorf("login: %w", err)))
		return 1
	}
	if eng.Cache() == nil {
		// Without a cache a login keeps nothing for docker: say so rather
		// than fetch tokens only to drop them.
		fmt.Fprintln(stderr, ecr.Line(errors.New("login: the cache is disabled or unusable, so there is nowhere to keep tokens; unset ECRLOGIN_NO_CACHE, or run ecrlogin doctor")))
		return 1
	}
	code := 0
	for _, host := range hosts {
		line, ok := loginOne(eng, host)
		if !ok {
			code = 1
		}
		fmt.Fprintln(stdout, line)
	}
	return code
}

// loginOne fills the cache for one registry and returns its result line.
// Each registry has its own deadline, so one that hangs, or a person who
// takes their time at a prompt, does not cost the others theirs.
func loginOne(eng *engine.Engine, host string) (line string, ok bool) {
	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	reg, sel, err := resolveHost(eng.Helper, host)
	if err != nil {
		return resultLine(false, shownHost(host), notECR(err)), false
	}
	tok, err := eng.Helper.Get(ctx, host)
	if reg.Public && errors.Is(err, ecr.ErrNoCredentials) {
		// Not a failure: docker pulls from ECR Public anonymously then.
		return resultLine(true, reg.Host, "no AWS credentials", "docker pulls anonymously"), true
	}
	if err != nil {
		return resultLine(false, reg.Host, withoutHost(err)), false
	}
	id := ecr.ResolveIdentity(sel)
	return resultLine(true, reg.Host, id.Source, "served until "+when(servedUntil(tok.ExpiresAt))), true
}
