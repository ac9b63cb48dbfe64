package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/dockerconfig"
)

// Marks at the start of a result line.
const (
	okMark   = "✓"
	failMark = "✗"
)

// usageOnly handles --help and stray options for a command that takes
// only hosts. done says whether the command is over, with code.
func usageOnly(name, usage string, args []string, stdout, stderr io.Writer) (code int, done bool) {
	for _, a := range args {
		switch {
		case a == "-h" || a == "--help" || a == "help":
			fmt.Fprintln(stdout, usage)
			return 0, true
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(stderr, "ecrlogin: %s: unknown option %s\n%s\n", name, a, usage)
			return 2, true
		}
	}
	return 0, false
}

// registryHosts returns args, or when there are none the registries that
// docker's config hands to ecrlogin.
func registryHosts(args []string, getenv func(string) string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	path, err := dockerconfig.Path(getenv)
	if err != nil {
		return nil, fmt.Errorf("finding the docker config: %w; set DOCKER_CONFIG, or name the registries", err)
	}
	cfg, err := dockerconfig.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w; fix the file, or name the registries", err)
	}
	hosts := cfg.HostsFor(dockerconfig.HelperName)
	if len(hosts) == 0 {
		return nil, fmt.Errorf("no registry in %s uses %s; run ecrlogin configure, or name the registries", path, dockerconfig.HelperName)
	}
	return hosts, nil
}

// resolveHost maps a HOST argument to its registry and identity selection
// by the Helper's own rules (the per-registry configuration, once it has
// one), so these commands agree with get about every host.
func resolveHost(h *ecr.Helper, host string) (ecr.Registry, ecr.Selection, error) {
	if h.Resolve != nil {
		return h.Resolve(host)
	}
	reg, err := ecr.ParseHost(host)
	return reg, ecr.Selection{}, err
}

// notECR is the result text for a host that is not a registry of ours.
func notECR(err error) string {
	return err.Error() + "; ecrlogin has tokens for ECR registries only"
}

// withoutHost renders err for a line that already starts with the host.
func withoutHost(err error) string {
	var e *ecr.Error
	if errors.As(err, &e) && e.Host != "" {
		c := *e
		c.Host = ""
		return c.Error()
	}
	return ecr.OneLine(err.Error())
}

// resultLine is one ✓ or ✗ line: the mark, then its fields two spaces
// apart.
func resultLine(ok bool, fields ...string) string {
	mark := failMark
	if ok {
		mark = okMark
	}
	return mark + " " + strings.Join(fields, "  ")
}

// servedUntil is the last moment a token that expires at expires is handed
// to docker: tokens with less than cache.MinRemaining left are not.
func servedUntil(expires time.Time) time.Time {
	return expires.Add(-cache.MinRemaining)
}

// when formats a time for people, in local time.
func when(t time.Time) string {
	return t.Local().Format("2006-01-02 15:04 MST")
}
