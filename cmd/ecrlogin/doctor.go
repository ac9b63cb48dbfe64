package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr/fetch"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/dockerconfig"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/engine"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fetchcmd"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/version"
)

const doctorUsage = `Usage: ecrlogin doctor [HOST]

Checks what docker needs to get ECR tokens from ecrlogin, one line per
check, ✓ or ✗, each ✗ with its fix:

  - docker-credential-ecrlogin and ecrlogin on PATH, of one version;
  - docker's config.json: found, which registries use ecrlogin, and any
    credsStore, incumbent helper or auths entry in their way;
  - the cache directory, its permissions, and each entry with how long it
    is served;
  - for HOST (default: each ECR registry docker hands to ecrlogin): the AWS
    identity a get would use, with its account and ARN from STS, and a
    live token fetch with its latency. The live fetch bypasses the cache,
    so it tests the whole path; its token is not kept.

Prints nothing secret (no key, no session token, no password). Exits 1
if any check failed.`

// runDoctor is `ecrlogin doctor`.
func runDoctor(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if code, done := usageOnly("doctor", doctorUsage, args, stdout, stderr); done {
		return code
	}
	if len(args) > 1 {
		fmt.Fprintf(stderr, "ecrlogin: doctor: takes at most one registry HOST\n%s\n", doctorUsage)
		return 2
	}
	eng, f, err := newEngine(getenv, stderr)
	if err != nil {
		fmt.Fprintln(stderr, ecr.Line(fmt.Errorf("doctor: %w", err)))
		return 1
	}
	r := &report{w: stdout}
	checkBinaries(r, eng)
	hosts := checkDockerConfig(r, getenv)
	checkCache(r, eng)
	cfgOK := checkConfig(r, eng)
	if len(args) == 1 {
		hosts = args
	}
	for _, host := range hosts {
		if !cfgOK {
			// Every get for it fails on the file until it is fixed.
			r.fail("fix the per-registry config file (above)", "%s: not checked", shownHost(host))
			continue
		}
		checkRegistry(r, eng, f, host)
	}
	if r.failed {
		return 1
	}
	return 0
}

// report writes the check lines and remembers whether any failed.
type report struct {
	w      io.Writer
	failed bool
}

func (r *report) ok(format string, a ...any) {
	fmt.Fprintln(r.w, okMark+" "+ecr.OneLine(fmt.Sprintf(format, a...)))
}

// fail writes a ✗ line with its fix; fix is empty when the text already
// ends in one (an *ecr.Error's hint).
func (r *report) fail(fix, format string, a ...any) {
	r.failed = true
	line := failMark + " " + fmt.Sprintf(format, a...)
	if fix != "" {
		line += "; fix: " + fix
	}
	fmt.Fprintln(r.w, ecr.OneLine(line))
}

// detail writes an indented line under the last check.
func (r *report) detail(format string, a ...any) {
	fmt.Fprintln(r.w, "    "+ecr.OneLine(fmt.Sprintf(format, a...)))
}

// checkBinaries: docker runs docker-credential-ecrlogin from PATH, which
// runs the ecrlogin beside itself (else from PATH); the pair, and this
// program, must be of one version, or the fetch protocol between them
// may not match.
func checkBinaries(r *report, eng *engine.Engine) {
	const fix = "install both binaries into one directory on PATH (make install)"
	front, err := exec.LookPath(frontName)
	if err != nil {
		r.fail(fix, "%s is not on PATH, so docker cannot run it", frontName)
		return
	}
	frontVersion, err := binaryVersion(eng, front, frontName)
	if err != nil {
		r.fail(fix, "%s on PATH at %s does not run: %v", frontName, front, err)
		return
	}
	r.ok("%s on PATH: %s (version %s)", frontName, front, frontVersion)

	tool, err := toolBeside(front)
	if err != nil {
		r.fail(fix, "%s runs %s from its own directory, else from PATH, and finds it in neither", frontName, fetchcmd.ToolName)
		return
	}
	toolVersion, err := binaryVersion(eng, tool, fetchcmd.ToolName)
	if err != nil {
		r.fail(fix, "%s at %s does not run: %v", fetchcmd.ToolName, tool, err)
		return
	}
	r.ok("%s runs %s (version %s)", frontName, tool, toolVersion)

	if ours := version.String(); frontVersion != ours || toolVersion != ours {
		r.fail("reinstall both together (make install), and run the ecrlogin on PATH",
			"versions differ: %s is %s, the %s it runs is %s, this %s is %s", frontName, frontVersion, fetchcmd.ToolName, toolVersion, fetchcmd.ToolName, ours)
		return
	}
	r.ok("one version: %s", frontVersion)
}

// toolBeside finds the ecrlogin that front runs, by fetchcmd.FindTool's
// rule seen from front rather than from this process.
func toolBeside(front string) (string, error) {
	name := fetchcmd.ToolName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if resolved, err := filepath.EvalSymlinks(front); err == nil {
		front = resolved
	}
	beside := filepath.Join(filepath.Dir(front), name)
	if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
		return beside, nil
	}
	return exec.LookPath(name)
}

// binaryVersion runs `path version` and returns the version it prints
// after its name.
func binaryVersion(eng *engine.Engine, path, name string) (string, error) {
	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").Output()
	if err != nil {
		return "", err
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(out)), name+" ")
	if !ok || v == "" || strings.ContainsAny(v, " \n") {
		line, _, _ := strings.Cut(string(out), "\n")
		return "", fmt.Errorf("it printed %q for its version, not %q", line, name+" VERSION")
	}
	return v, nil
}

// checkDockerConfig reports on docker's config file and returns the
// registries it hands to ecrlogin.
func checkDockerConfig(r *report, getenv func(string) string) []string {
	path, err := dockerconfig.Path(getenv)
	if err != nil {
		r.fail("set DOCKER_CONFIG", "no docker config: %v", err)
		return nil
	}
	cfg, err := dockerconfig.Load(path)
	if err != nil {
		r.fail("fix the file (docker cannot read it either)", "docker config: %v", err)
		return nil
	}
	if !cfg.Exists() {
		r.fail("run: ecrlogin configure", "no docker config at %s", path)
		return nil
	}
	r.ok("docker config: %s", path)

	hosts := cfg.HostsFor(dockerconfig.HelperName)
	var ecrHosts []string
	for _, h := range hosts {
		if _, err := ecr.ParseHost(h); err != nil {
			r.fail("remove it from credHelpers: ecrlogin answers not-found for it", "credHelpers hands %s to ecrlogin, but %v", h, err)
			continue
		}
		ecrHosts = append(ecrHosts, h)
	}
	if len(ecrHosts) == 0 {
		r.fail("run: ecrlogin configure (or ecrlogin configure HOST)", "no ECR registry in %s uses ecrlogin", path)
	} else {
		r.ok("registries using ecrlogin: %s", strings.Join(ecrHosts, ", "))
	}

	if old := cfg.HostsFor(dockerconfig.IncumbentName); len(old) > 0 {
		r.fail("run: ecrlogin configure --migrate", "still on docker-credential-%s: %s", dockerconfig.IncumbentName, strings.Join(old, ", "))
	}
	switch store := cfg.CredsStore(); store {
	case "":
	case dockerconfig.IncumbentName:
		r.fail("run: ecrlogin configure --migrate", `"credsStore": %q sends every registry to docker-credential-%s`, store, store)
	case dockerconfig.HelperName:
		r.fail("delete the credsStore line, and name your ECR registries: ecrlogin configure HOST",
			`"credsStore": %q hands every registry to ecrlogin, which serves ECR only and stores no other logins`, store)
	default:
		// Another store (desktop, osxkeychain, pass) keeps the other
		// registries' logins; credHelpers entries win over it per host.
		r.ok(`credsStore %q keeps the other registries' logins; credHelpers win for the registries above`, store)
	}
	for _, key := range leftoverAuths(cfg.Auths(), ecrHosts) {
		r.fail("run: docker logout "+key+" (or delete it from auths)",
			"auths still holds %q from an earlier docker login; credHelpers win, but the entry may hold an old password", key)
	}
	return ecrHosts
}

// leftoverAuths returns the auths keys (often URLs) naming one of hosts.
func leftoverAuths(auths, hosts []string) []string {
	var out []string
	for _, key := range auths {
		if reg, err := ecr.ParseHost(key); err == nil && slices.Contains(hosts, reg.Host) {
			out = append(out, key)
		}
	}
	return out
}

// checkCache reports on the cache directory and its entries. It does not
// create the directory: a doctor changes nothing.
func checkCache(r *report, eng *engine.Engine) {
	dir := eng.CacheDir
	if dir == "" {
		r.fail("unset ECRLOGIN_NO_CACHE, or set ECRLOGIN_CACHE_DIR to an absolute path", "cache disabled: every pull fetches a new token")
		return
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.ok("cache directory %s: not created yet (the first fetch creates it, mode 0700)", dir)
		return
	case err != nil:
		r.fail("check ECRLOGIN_CACHE_DIR", "cache directory: %v", err)
		return
	}
	// Open again for the reason: the engine only logs it, and runs
	// uncached.
	if _, err := cache.Open(dir, cache.Options{}); err != nil {
		fix := "check ECRLOGIN_CACHE_DIR"
		if errors.Is(err, cache.ErrUnsafe) {
			fix = "make it yours and private: chmod 700 " + dir
		}
		r.fail(fix, "cache directory %s (mode %#o) unusable, so every pull fetches: %v", dir, fi.Mode().Perm(), err)
		return
	}
	entries, err := eng.Cache().List()
	if err != nil {
		// The readable entries are listed all the same.
		r.fail("delete the unreadable files, or the whole directory (it is only a cache)", "cache directory %s (mode %#o): %v", dir, fi.Mode().Perm(), err)
	} else {
		r.ok("cache directory %s (mode %#o): %d entries", dir, fi.Mode().Perm(), len(entries))
	}
	slices.SortFunc(entries, func(a, b cache.Entry) int { return strings.Compare(a.ServerURL, b.ServerURL) })
	now := time.Now()
	for _, e := range entries {
		r.detail("%s", describeEntry(e, now))
	}
}

// describeEntry says what an entry is and how long it is served, without
// its secret.
func describeEntry(e cache.Entry, now time.Time) string {
	kind := "token"
	if e.Stored {
		kind = "docker login"
	}
	until := servedUntil(e.ExpiresAt)
	if !e.Usable(now) {
		return fmt.Sprintf("%s: %s, no longer served (expires %s)", e.ServerURL, kind, when(e.ExpiresAt))
	}
	s := fmt.Sprintf("%s: %s, served until %s (%s more)", e.ServerURL, kind, when(until), roundMinute(until.Sub(now)))
	if !e.Stored && e.Fresh(now) {
		// From half its life on, a get fetches a new token, and serves
		// this one only if that fails.
		renew := e.FetchedAt.Add(e.ExpiresAt.Sub(e.FetchedAt) / 2)
		s += "; the first get after " + when(renew) + " renews it"
	}
	return s
}

// latency rounds a duration to the millisecond, or to the microsecond
// below one (a refusal from a local endpoint), so that it never reads 0s.
func latency(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// roundMinute renders a duration to the minute: "11h55m", "3m", "40s".
func roundMinute(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// checkRegistry reports, for one registry, the identity a get would use,
// who AWS says it is, and a live token fetch.
func checkRegistry(r *report, eng *engine.Engine, f *fetch.Fetcher, host string) {
	reg, sel, err := resolveHost(eng.Helper, host)
	if err != nil {
		r.fail("name an ECR registry, such as ACCOUNT.dkr.ecr.REGION.amazonaws.com", "%s: %s", shownHost(host), notECR(err))
		return
	}
	r.ok("%s: %s", reg.Host, registryMapping(eng, host, sel))
	id := ecr.ResolveIdentity(sel)
	checkCaller(r, eng, reg, sel, id)

	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	start := time.Now()
	tok, err := f.Fetch(ctx, ecr.FetchRequest{ServerURL: reg.Host, Selection: sel, Deadline: deadline(ctx)})
	took := latency(time.Since(start))
	if err != nil {
		fix := ""
		if e := (*ecr.Error)(nil); !errors.As(err, &e) || e.Hint == "" {
			fix = "run with ECRLOGIN_LOG=debug to see each step"
		}
		r.fail(fix, "%s: live token fetch (bypassing the cache) failed after %s: %s", reg.Host, took, withoutHost(err))
		return
	}
	r.ok("%s: live token fetch (bypassing the cache, not kept) took %s; the token is valid until %s", reg.Host, took, when(tok.ExpiresAt))
}

// checkConfig reports the per-registry config file: where it is looked
// for, and that it parses. A bad file fails every get that reads it, so
// the registries are not checked further then.
func checkConfig(r *report, eng *engine.Engine) bool {
	cfg, err := eng.Config()
	switch {
	case err != nil:
		r.fail("fix that line (see README: Per-registry profiles, roles and aliases)", "per-registry config: %s", ecr.OneLine(err.Error()))
		return false
	case eng.ConfigFile == "":
		r.ok("per-registry config: no location (no HOME, no ECRLOGIN_CONFIG): the default credential chain for every registry")
	case len(cfg.Mappings()) == 0:
		r.ok("per-registry config: %s: no mappings (absent or empty): the default credential chain for every registry", eng.ConfigFile)
	default:
		r.ok("per-registry config: %s: %d mappings", eng.ConfigFile, len(cfg.Mappings()))
	}
	return true
}

// registryMapping says which per-registry mapping applied to host, the
// file and line it came from and why, and the identity it selects.
func registryMapping(eng *engine.Engine, host string, sel ecr.Selection) string {
	why := "no per-registry mapping"
	if cfg, err := eng.Config(); err == nil && len(cfg.Mappings()) > 0 {
		why = cfg.Explain(host).Reason
	}
	if sel == (ecr.Selection{}) {
		return why + "; the default AWS credential chain"
	}
	parts := []string{}
	if sel.Profile != "" {
		parts = append(parts, "profile "+sel.Profile)
	}
	if sel.RoleARN != "" {
		parts = append(parts, "role "+sel.RoleARN)
	}
	if sel.MFASerial != "" {
		parts = append(parts, "MFA "+sel.MFASerial)
	}
	return why + "; " + strings.Join(parts, ", ")
}

// checkCaller asks STS who the identity is, with the configuration the
// fetch would use (the registry's region and endpoints, the selection's
// profile).
func checkCaller(r *report, eng *engine.Engine, reg ecr.Registry, sel ecr.Selection, id ecr.Identity) {
	ctx, cancel := eng.Context(context.Background())
	defer cancel()
	fix := "check these credentials: aws sts get-caller-identity"
	if id.Profile != "" {
		fix += " --profile " + id.Profile
	}
	cfg, err := fetch.LoadConfig(ctx, reg, sel)
	if err != nil {
		r.fail("check AWS_PROFILE and ~/.aws/config", "%s: identity %s: loading the AWS config: %v", reg.Host, id.Source, err)
		return
	}
	// Credentials on their own first, as the fetch does, so that a chain
	// with nothing in it reads as that rather than as an STS failure.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		cause, credFix := credentialCause(cfg, id, err)
		if credFix == "" {
			credFix = fix
		}
		r.fail(credFix, "%s: identity %s: %s", reg.Host, id.Source, cause)
		return
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		r.fail(fix, "%s: identity %s: STS GetCallerIdentity failed: %s", reg.Host, id.Source, stsCause(err))
		return
	}
	r.ok("%s: identity %s: account %s, %s", reg.Host, id.Source, aws.ToString(out.Account), aws.ToString(out.Arn))
}

// credentialCause says why the credential chain gave nothing, and the
// fix when it is known.
func credentialCause(cfg aws.Config, id ecr.Identity, err error) (cause, fix string) {
	switch {
	case aws.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil)):
		// Nothing named credentials, so the chain fell through to the
		// instance role, and there is none.
		return "no AWS credentials found", "set AWS_PROFILE, or see README#credentials"
	case aws.IsCredentialsProvider(cfg.Credentials, (*ssocreds.Provider)(nil)):
		profile := id.Profile
		if profile == "" {
			profile = "default"
		}
		return "the SSO session gives no credentials: " + stsCause(err), "run: aws sso login --profile " + profile
	}
	return "getting AWS credentials: " + stsCause(err), ""
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}
