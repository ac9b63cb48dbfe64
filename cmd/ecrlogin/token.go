package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

const tokenUsage = `Usage: ecrlogin token HOST

Prints the registry password for the ECR registry HOST, and nothing else,
for tools that read one on standard input:

  ecrlogin token HOST | helm registry login -u AWS --password-stdin HOST

The user name is always AWS. The password comes from, and goes into, the
same cache as docker-credential-ecrlogin's, so it costs no AWS call while
a cached one is fresh.`

// runToken is `ecrlogin token`.
func runToken(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fail := func(err error) int {
		// A registry error names its host and says it all; anything else
		// says which command failed.
		var e *ecr.Error
		if !errors.As(err, &e) {
			err = fmt.Errorf("token: %w", err)
		}
		fmt.Fprintln(stderr, ecr.Line(err))
		return 1
	}
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
		fmt.Fprintln(stdout, tokenUsage)
		return 0
	case len(args) != 1 || strings.HasPrefix(args[0], "-"):
		fmt.Fprintf(stderr, "ecrlogin: token: takes one registry HOST\n%s\n", tokenUsage)
		return 2
	}
	eng, _, err := newEngine(getenv, stderr)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	tok, err := eng.Helper.Get(ctx, args[0])
	if errors.Is(err, ecr.ErrNotECR) {
		return fail(fmt.Errorf("%s: %w; ecrlogin has tokens for ECR registries only", shownHost(args[0]), err))
	}
	if err != nil {
		return fail(err)
	}
	if _, err := fmt.Fprintln(stdout, tok.Secret); err != nil {
		return fail(fmt.Errorf("writing the token: %w", err))
	}
	return 0
}
