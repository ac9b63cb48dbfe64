// Command ecrlogin is docker-credential-ecrlogin's companion, for people
// and machines: it fetches ECR tokens with the AWS SDK on behalf of the
// credential helper (`ecrlogin fetch`), sets docker up to use it
// (configure), fills and empties the cache ahead of time (login, logout),
// explains what a get would do and why it fails (doctor), and prints a
// registry password for other tools (token). Every subcommand is one file
// here, built on the same engine as the helper.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/version"
)

const usage = `Usage: ecrlogin <command>

Commands:
  configure make docker use ecrlogin for your ECR registries
            (edits ~/.docker/config.json; --help for the options)
  login     get tokens for your registries now (answer SSO or MFA here),
            so that pulls are served from the cache
  logout    forget the cached tokens (docker's config is kept)
  doctor    check the setup, one line per check, each failure with its fix
  token     print the registry password for HOST, for --password-stdin
  fetch     get a registry token for docker-credential-ecrlogin (internal:
            reads a JSON request on stdin, writes JSON on stdout)
  kubelet   the kubelet's image credential provider: reads a
            CredentialProviderRequest on stdin, writes the response on
            stdout (also what runs when invoked as ecr-credential-provider)
  version   print the version

docker-credential-ecrlogin runs "ecrlogin fetch" itself when its cache has
no fresh token; you do not need to run it. See README.md for setup.`

func main() {
	os.Exit(run(os.Args[0], os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run dispatches on the command; program is argv[0], which decides the
// kubelet mode when the binary is installed as the upstream plugin.
func run(program string, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if strings.TrimSuffix(filepath.Base(program), ".exe") == kubeletName {
		// The upstream plugin's provider configs pass it only logging
		// flags (-v=2), or none: a drop-in replacement ignores them.
		return runKubelet(nil, stdin, stdout, stderr, getenv)
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "-v", "--version", "version":
		fmt.Fprintf(stdout, "ecrlogin %s\n", version.String())
		return 0
	case "fetch":
		return runFetch(args[1:], stdin, stdout, stderr, getenv)
	case "configure":
		return runConfigure(args[1:], stdin, stdout, stderr, getenv)
	case "token":
		return runToken(args[1:], stdin, stdout, stderr, getenv)
	case "kubelet":
		return runKubelet(args[1:], stdin, stdout, stderr, getenv)
	case "login":
		return runLogin(args[1:], stdin, stdout, stderr, getenv)
	case "logout":
		return runLogout(args[1:], stdin, stdout, stderr, getenv)
	case "doctor":
		return runDoctor(args[1:], stdin, stdout, stderr, getenv)
	}
	fmt.Fprintf(stderr, "ecrlogin: unknown command %q\n%s\n", args[0], usage)
	return 2
}
