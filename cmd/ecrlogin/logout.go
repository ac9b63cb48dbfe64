package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

const logoutUsage = `Usage: ecrlogin logout [HOST...]

Forgets the cached token (and any docker login credentials) of the
current AWS identity for each ECR registry HOST (default: every registry
that docker's config.json hands to ecrlogin). docker's config.json is left
as it is: the next pull fetches a new token.`

// runLogout is `ecrlogin logout`.
func runLogout(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if code, done := usageOnly("logout", logoutUsage, args, stdout, stderr); done {
		return code
	}
	eng, _, err := newEngine(getenv, stderr)
	if err != nil {
		fmt.Fprintln(stderr, ecr.Line(fmt.Errorf("logout: %w", err)))
		return 1
	}
	hosts, err := registryHosts(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, ecr.Line(fmt.Errorf("logout: %w", err)))
		return 1
	}
	code := 0
	for _, host := range hosts {
		reg, sel, err := resolveHost(eng.Helper, host)
		if err != nil {
			fmt.Fprintln(stdout, resultLine(false, shownHost(host), notECR(err)))
			code = 1
			continue
		}
		ctx, cancel := eng.Context(context.Background())
		err = eng.Helper.Erase(ctx, host)
		cancel()
		if err != nil {
			fmt.Fprintln(stdout, resultLine(false, reg.Host, withoutHost(err)))
			code = 1
			continue
		}
		id := ecr.ResolveIdentity(sel)
		fmt.Fprintln(stdout, resultLine(true, reg.Host, id.Source, "token forgotten"))
	}
	return code
}
