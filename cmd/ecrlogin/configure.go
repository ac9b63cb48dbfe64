package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/dockerconfig"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fetchcmd"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/settings"
)

const configureUsage = `Usage: ecrlogin configure [--dry-run] [--migrate] [--region R] [HOST...]

Makes docker use docker-credential-ecrlogin for each ECR registry HOST, by
adding "HOST": "ecrlogin" under credHelpers in $DOCKER_CONFIG/config.json
(else ~/.docker/config.json). Every other setting is kept as it is.

With no HOST, asks AWS STS for your account (with your usual AWS
credentials) and configures ACCOUNT.dkr.ecr.REGION.amazonaws.com, REGION
being your AWS config's (or --region), and public.ecr.aws.

Options:
  --dry-run   print the change as a unified diff; write nothing
  --migrate   also take over from docker-credential-ecr-login: its
              credHelpers entries, and a "credsStore": "ecr-login", which
              becomes one credHelpers entry per ECR registry in the file
  --region R  the region of the registry to configure when no HOST is given

With --migrate and no HOST, only the incumbent's entries are taken over
(no STS call), unless --region is given too.`

// frontName is the binary docker runs for the "ecrlogin" helper.
const frontName = "docker-credential-" + dockerconfig.HelperName

// runConfigure is `ecrlogin configure`.
func runConfigure(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintln(stderr, ecr.OneLine("ecrlogin: configure: "+fmt.Sprintf(format, a...)))
		return 1
	}
	flags := flag.NewFlagSet("configure", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	dryRun := flags.Bool("dry-run", false, "")
	migrate := flags.Bool("migrate", false, "")
	region := flags.String("region", "", "")
	// Options may come after hosts too (configure HOST --dry-run): the
	// flag package stops at the first argument, so resume after each.
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, configureUsage)
				return 0
			}
			fmt.Fprintf(stderr, "ecrlogin: configure: %v\n%s\n", err, configureUsage)
			return 2
		}
		if args = flags.Args(); len(args) == 0 {
			break
		}
		positional, args = append(positional, args[0]), args[1:]
	}

	// Check every host before anything else: a typo must not cost an STS
	// call, let alone a half-written config.
	var hosts []string
	for _, h := range positional {
		reg, err := ecr.ParseHost(h)
		if err != nil {
			return fail("%s: %v; only ECR registries can use ecrlogin, nothing written", shownHost(h), err)
		}
		hosts = append(hosts, reg.Host)
	}
	if len(hosts) > 0 && *region != "" {
		return fail("--region is for when no HOST is given: a registry host names its own region")
	}
	path, err := dockerconfig.Path(getenv)
	if err != nil {
		return fail("finding the docker config: %v; set DOCKER_CONFIG", err)
	}
	timeout, err := settings.Timeout(getenv)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	// A file that would be refused is refused before any AWS call.
	if _, err := dockerconfig.Load(path); err != nil {
		return fail("%v; fix the file (docker cannot read it either), nothing written", err)
	}
	if len(hosts) == 0 && (!*migrate || *region != "") {
		if hosts, err = callerRegistries(ctx, *region); err != nil {
			return fail("%v", err)
		}
	}

	res, err := dockerconfig.Update(ctx, path, dockerconfig.Edit{Hosts: hosts, Migrate: *migrate}, *dryRun)
	switch {
	case errors.Is(err, dockerconfig.ErrMalformed):
		return fail("%v; fix the file (docker cannot read it either), nothing written", err)
	case err != nil:
		return fail("%v", err)
	}
	switch {
	case len(res.Changes) == 0:
		fmt.Fprintf(stdout, "%s: already configured\n", res.Path)
	case *dryRun:
		fmt.Fprint(stdout, res.Diff)
		fmt.Fprintf(stdout, "dry run: %s not written\n", res.Path)
	default:
		for _, c := range res.Changes {
			fmt.Fprintln(stdout, c)
		}
		fmt.Fprintf(stdout, "updated %s\n", res.Path)
	}
	warnInstall(stderr)
	return 0
}

// shownHost is a HOST argument as an error message may repeat it: not at
// all if it has userinfo, which can hold a password.
func shownHost(h string) string {
	if strings.Contains(h, "@") {
		return "HOST"
	}
	return h
}

// callerRegistries asks STS for the caller's account and returns its
// registry in region (the AWS config's when empty), and ECR Public where
// the partition has it.
func callerRegistries(ctx context.Context, region string) ([]string, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: pass --region, set AWS_REGION, or name the registry: ecrlogin configure ACCOUNT.dkr.ecr.REGION.amazonaws.com")
	}
	reg, err := registryHost("000000000000", cfg.Region)
	if err != nil {
		return nil, err
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("asking AWS STS for your account: %s; check your AWS credentials (ecrlogin token HOST tells more), or name the registry: ecrlogin configure ACCOUNT%s", stsCause(err), strings.TrimPrefix(reg.Host, "000000000000"))
	}
	reg, err = registryHost(aws.ToString(out.Account), cfg.Region)
	if err != nil {
		return nil, err
	}
	hosts := []string{reg.Host}
	if reg.Partition == "aws" {
		// ECR Public lives in the aws partition only.
		hosts = append(hosts, "public.ecr.aws")
	}
	return hosts, nil
}

// registrySuffixes are the DNS suffixes of ECR private registries (IPv4),
// one per partition. Which one a region belongs to is decided by
// ecr.ParseHost, so the host rules stay in one place.
var registrySuffixes = []string{
	"amazonaws.com",
	"amazonaws.com.cn",
	"amazonaws.eu",
	"c2s.ic.gov",
	"sc2s.sgov.gov",
	"cloud.adc-e.uk",
	"csp.hci.ic.gov",
}

// registryHost returns the private registry of account in region.
func registryHost(account, region string) (ecr.Registry, error) {
	for _, suffix := range registrySuffixes {
		if reg, err := ecr.ParseHost(account + ".dkr.ecr." + region + "." + suffix); err == nil {
			return reg, nil
		}
	}
	return ecr.Registry{}, fmt.Errorf("no ECR registry for account %q in region %q; check the region (--region, AWS_REGION)", account, region)
}

// stsCause is the part of an STS failure a person can act on.
func stsCause(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "failed to retrieve credentials") {
		return "no AWS credentials found (" + msg[i+2:] + ")"
	}
	return msg
}

// warnInstall warns when docker could not use the configuration: docker
// runs docker-credential-ecrlogin from PATH, and that runs ecrlogin from
// beside itself (else from PATH).
func warnInstall(stderr io.Writer) {
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	front, err := exec.LookPath(frontName)
	if err != nil {
		fmt.Fprintf(stderr, "ecrlogin: warning: %s is not on PATH, so docker cannot run it; install both binaries into a directory on PATH (make install)\n", frontName)
		return
	}
	if resolved, err := filepath.EvalSymlinks(front); err == nil {
		front = resolved
	}
	beside := filepath.Join(filepath.Dir(front), fetchcmd.ToolName+exe)
	if fi, err := os.Stat(beside); err != nil || fi.IsDir() {
		fmt.Fprintf(stderr, "ecrlogin: warning: %s is not beside %s; install both binaries together (make install)\n", fetchcmd.ToolName, front)
	}
}
