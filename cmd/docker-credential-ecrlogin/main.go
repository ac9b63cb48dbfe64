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
	"sync"

	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/settings"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/version"
)

const usage = `Usage: docker-credential-ecrlogin <get|store|erase|list|version>

A Docker credential helper for Amazon ECR and ECR Public. Docker runs it;
you configure it once in ~/.docker/config.json:

  {"credHelpers": {"111122223333.dkr.ecr.us-east-1.amazonaws.com": "ecrlogin"}}

Tokens come from your usual AWS credentials (env, profiles, SSO,
assume-role, web identity, instance roles) and are cached on disk.
Settings: ECRLOGIN_TIMEOUT, ECRLOGIN_LOG, ECRLOGIN_CACHE_DIR,
ECRLOGIN_NO_CACHE. Diagnose with: ecrlogin --help`

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
		line := "ecrlogin: " + err.Error()
		fmt.Fprintln(stdout, line)
		fmt.Fprintln(stderr, line)
		return 1
	}
	timeout, err := settings.Timeout(getenv)
	if err != nil {
		return fail(err)
	}
	log, err := settings.Logger(getenv, stderr)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	openCache := sync.OnceValue(func() *cache.Cache {
		dir, ok := cache.Dir(getenv)
		if !ok {
			return nil
		}
		c, err := cache.Open(dir, cache.Options{Logger: log})
		if err != nil {
			log.Warn("running without a cache", "err", err)
			return nil
		}
		return c
	})
	credentials.Name = "docker-credential-ecrlogin"
	credentials.Version = version.String()
	h := &ecr.Helper{
		Cache:   openCache,
		Fetcher: &ecr.CommandFetcher{Stderr: stderr},
		Getenv:  getenv,
		Log:     log,
		Warn:    stderr,
	}
	return ecr.Serve(ctx, h, args[0], stdin, stdout, stderr)
}
