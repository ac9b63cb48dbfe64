// Command docker-credential-ecrlogin is the Docker credential helper for
// Amazon ECR that docker execs for every pull and push. It answers from
// local state (host rules, the disk cache, stored logins) and runs its
// companion `ecrlogin fetch` only when it needs a new token, so it links
// neither the AWS SDK nor net/http and starts in about a millisecond.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fetchcmd"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/version"
)

const usage = `Usage: docker-credential-ecrlogin <get|store|erase|list|version>

A Docker credential helper for Amazon ECR and ECR Public. Docker runs it;
"ecrlogin configure" registers it once in ~/.docker/config.json:

  {"credHelpers": {"111122223333.dkr.ecr.us-east-1.amazonaws.com": "ecrlogin"}}

Tokens come from your usual AWS credentials (env, profiles, SSO,
assume-role, web identity, instance roles), or the profile and role a
per-registry config file names, and are cached on disk.
Settings: ECRLOGIN_TIMEOUT, ECRLOGIN_LOG, ECRLOGIN_CACHE_DIR,
ECRLOGIN_NO_CACHE, ECRLOGIN_CONFIG. Diagnose with: ecrlogin doctor`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) != 1 {
		fmt.Fprintln(stdout, usage)
		return 1
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "-v", "--version", "version":
		fmt.Fprintf(stdout, "docker-credential-ecrlogin %s\n", version.String())
		return 0
	}

	fail := func(err error) int {
		line := ecr.Line(err)
		fmt.Fprintln(stdout, line)
		fmt.Fprintln(stderr, line)
		return 1
	}
	eng, err := engine.New(engine.Options{
		Getenv:  getenv,
		Stderr:  stderr,
		Fetcher: &fetchcmd.Client{Stderr: stderr},
	})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := eng.Context(context.Background())
	defer cancel()

	credentials.Name = "docker-credential-ecrlogin"
	credentials.Version = version.String()
	return ecr.Serve(ctx, eng.Helper, args[0], stdin, stdout, stderr)
}
