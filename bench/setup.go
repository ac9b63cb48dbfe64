package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

const (
	// ecrHost is the registry every ECR case asks for.
	ecrHost = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	// otherHost is what docker asks a credsStore helper for on a Docker
	// Hub pull.
	otherHost = "https://index.docker.io/v1/"

	frontName = "docker-credential-ecrlogin"
	toolName  = "ecrlogin"
	floorName = "floor"
)

// exeSuffix is what executables' names end in here.
var exeSuffix = func() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}()

// bench is the prepared benchmark: binaries built, the fake serving, cache
// directories primed.
type bench struct {
	cfg  config
	log  io.Writer // progress, on stderr
	work string    // the temporary directory; everything lives under it
	env  environment

	front, tool, floor string // binary paths

	fake     *fakeaws.Server
	fakeURL  string
	answers  *answerLog
	stopFake func()

	baseEnv []string // hermetic: no AWS setting of this machine gets in

	ecrRequest, otherRequest string // files holding what docker writes on stdin

	warmDir, bigDir, coldDir, concDir string // one cache directory per case
	entryFile                         string // the cached entry, which the floor program reads

	// configFile maps the benchmark registry, last of configEntries
	// mappings, to a role; configDir caches its token.
	configFile, configDir string

	outPath, errPath string // where a timed run's stdout and stderr go
}

// environment describes the machine and build, for the report.
type environment struct {
	goos, goarch string
	cpus         int
	goVersion    string
	cgo          string
	kernel       string
	sizes        map[string]int64 // binary sizes by name
}

func setup(cfg config, log io.Writer) (b *bench, err error) {
	work, err := os.MkdirTemp(cfg.dir, "ecrlogin-bench-")
	if err != nil {
		return nil, err
	}
	// Cleaned up through its own variable: every failure below returns
	// nil, err, which sets b to nil before this runs.
	prepared := &bench{cfg: cfg, log: log, work: work}
	b = prepared
	defer func() {
		if err != nil {
			prepared.close()
			b = nil
		}
	}()
	if err := b.build(); err != nil {
		return nil, err
	}
	if err := b.startFake(); err != nil {
		return nil, err
	}

	home := filepath.Join(work, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, err
	}
	// Static keys and no AWS config files (the SDK reads no profile, the
	// identity fingerprint hashes "absent"), as on a CI runner. The proxy
	// settings are a guard: Go sends loopback requests (the fake) direct
	// and anything else to a port where nothing listens, so no run can
	// reach a real AWS endpoint.
	b.baseEnv = append([]string{"PATH=/usr/bin:/bin"}, fakeaws.ClientEnv(home)...)
	b.baseEnv = append(b.baseEnv, b.fake.Env(b.fakeURL)...)
	b.baseEnv = dedupEnv(append(b.baseEnv, "HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY="))

	// For -keep: the environment, one variable a line, to rerun a case by
	// hand (env -i $(cat env) ECRLOGIN_CACHE_DIR=... bin/... get <request-ecr).
	if err := os.WriteFile(filepath.Join(work, "env"), []byte(strings.Join(b.baseEnv, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	b.ecrRequest = filepath.Join(work, "request-ecr")
	b.otherRequest = filepath.Join(work, "request-other")
	for path, body := range map[string]string{b.ecrRequest: ecrHost, b.otherRequest: otherHost} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			return nil, err
		}
	}
	b.outPath = filepath.Join(work, "stdout")
	b.errPath = filepath.Join(work, "stderr")
	b.warmDir = filepath.Join(work, "cache-1")
	b.bigDir = filepath.Join(work, "cache-big")
	b.coldDir = filepath.Join(work, "cache-cold")
	b.concDir = filepath.Join(work, "cache-concurrent")

	// The large directory first gets its other entries through the cache
	// API, as other identities and regions would have written them; then
	// both directories get the benchmark's entry the way users get it, from
	// a cold get.
	primed := []string{b.warmDir}
	b.configDir = filepath.Join(work, "cache-config")
	b.configFile = filepath.Join(work, "config.toml")
	if err := os.WriteFile(b.configFile, []byte(configText(configEntries)), 0o600); err != nil {
		return nil, err
	}
	if cfg.entries > 0 {
		fmt.Fprintf(log, "bench: writing %d other entries into %s\n", cfg.entries, b.bigDir)
		if err := writeOtherEntries(b.bigDir, cfg.entries); err != nil {
			return nil, err
		}
		primed = append(primed, b.bigDir)
	}
	for _, dir := range primed {
		if err := b.prime(dir); err != nil {
			return nil, err
		}
	}
	if err := b.primeWith(b.frontGetConfig("prime", b.configDir), b.configDir); err != nil {
		return nil, err
	}
	if n := b.fake.Count(fakeaws.ServiceSTS, "AssumeRole"); n != 1 {
		return nil, fmt.Errorf("priming the mapped role's token made %d AssumeRole calls, want 1", n)
	}
	if b.entryFile, err = onlyEntry(b.warmDir); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	if b.stopFake != nil {
		b.stopFake()
	}
	if b.cfg.keep {
		fmt.Fprintln(b.log, "bench: kept", b.work)
		return
	}
	os.RemoveAll(b.work)
}

// build compiles both commands as `make build` and a release build them,
// static (CGO_ENABLED=0: with cgo the binaries are dynamically linked and
// each exec pays about 1 ms for the dynamic loader), and the floor program
// with the same flags, into work/bin. The rest of the go command's
// environment passes through.
func (b *bench) build() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	bin := filepath.Join(b.work, "bin")
	if err := os.Mkdir(bin, 0o700); err != nil {
		return err
	}
	fmt.Fprintf(b.log, "bench: building release binaries into %s\n", bin)
	flags := []string{"build", "-trimpath", "-ldflags=-s -w"}
	for _, args := range [][]string{
		append(flags, "-o", bin+string(os.PathSeparator), "./cmd/"+frontName, "./cmd/"+toolName),
		append(flags, "-o", filepath.Join(bin, floorName+exeSuffix), "./bench/floor"),
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	b.front = filepath.Join(bin, frontName+exeSuffix)
	b.tool = filepath.Join(bin, toolName+exeSuffix)
	b.floor = filepath.Join(bin, floorName+exeSuffix)

	b.env = environment{
		goos:   runtime.GOOS,
		goarch: runtime.GOARCH,
		cpus:   runtime.NumCPU(),
		sizes:  map[string]int64{},
	}
	b.env.goVersion, b.env.cgo = goEnv(root, "GOVERSION"), "0"
	if k, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		b.env.kernel = strings.TrimSpace(string(k))
	}
	for name, path := range map[string]string{frontName: b.front, toolName: b.tool, floorName: b.floor} {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		b.env.sizes[name] = fi.Size()
	}
	return nil
}

// moduleRoot is the directory of the main module's go.mod, so the driver
// builds the same tree whatever directory it is started from inside it.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the docker-credential-ecrlogin module; run from its checkout")
	}
	return filepath.Dir(mod), nil
}

func goEnv(dir, name string) string {
	cmd := exec.Command("go", "env", name)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// startFake serves the fake ECR on loopback, wrapped so that the driver
// learns when each GetAuthorizationToken answer has been written.
func (b *bench) startFake() error {
	b.fake = fakeaws.New()
	b.answers = &answerLog{h: b.fake}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the fake ECR: %w", err)
	}
	b.fakeURL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: b.answers, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	b.stopFake = func() {
		b.fake.Close()
		srv.Close()
		<-done
	}
	return nil
}

// dedupEnv keeps the last of each variable set more than once, as os/exec
// does when it starts a process; a program started another way (peakRSS
// uses syscall.ForkExec) would otherwise see the first.
func dedupEnv(env []string) []string {
	last := map[string]int{}
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = i
	}
	var out []string
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if last[k] == i {
			out = append(out, kv)
		}
	}
	return out
}

// answerLog records when the fake finished answering each
// GetAuthorizationToken: the moment from which the concurrency case counts.
type answerLog struct {
	h http.Handler

	mu    sync.Mutex
	times []time.Time
}

func (a *answerLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetAuthorizationToken") {
		a.h.ServeHTTP(w, r)
		return
	}
	// Buffer the answer so that it goes out with a Content-Length, as
	// ECR's do, and the flush below puts all of it on the wire.
	buf := &bufferedResponse{header: w.Header(), status: http.StatusOK}
	a.h.ServeHTTP(buf, r)
	w.Header().Set("Content-Length", strconv.Itoa(buf.body.Len()))
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	now := time.Now()
	a.mu.Lock()
	a.times = append(a.times, now)
	a.mu.Unlock()
}

// bufferedResponse holds a handler's answer until it is complete.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// since returns the answer times recorded after the first n.
func (a *answerLog) since(n int) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.times[n:]...)
}

func (a *answerLog) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

// prime fills dir with the benchmark registry's token by one cold get.
func (b *bench) prime(dir string) error {
	return b.primeWith(b.frontGet("prime", b.ecrRequest, dir, checkCredentials), dir)
}

func (b *bench) primeWith(p *program, dir string) error {
	if _, err := b.timeRun(p); err != nil {
		return fmt.Errorf("priming %s: %w", dir, err)
	}
	return nil
}

// configEntries is the size of the per-registry config file of issue 10's
// target: a cached get with it costs at most configBudget more than
// without one.
const configEntries = 50

// configBudget is what the config file may add to a cached get (median).
const configBudget = 150 * time.Microsecond

// configText is a per-registry config file of n mappings of every kind
// (accounts, globs, aliases; profiles, roles, external ids, MFA), in which
// only the last matches the benchmark registry: the front reads, checks
// and tries them all on every get, the worst case for first-match-wins.
// The last maps it to a role assumed with the environment's keys, so no
// AWS file is needed and every other input of the identity stays as in
// the other cases.
func configText(n int) string {
	var b strings.Builder
	b.WriteString("# ecrlogin per-registry config for the benchmark\n")
	for i := range n - 1 {
		b.WriteString("\n[[registry]]\n")
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "match = \"2222%08d\"\nprofile = \"team-%d\"\n", i, i)
		case 1:
			fmt.Fprintf(&b, "match = \"3333%08d.dkr.ecr.*.amazonaws.com\"\nprofile = \"team-%d\"\nrole_arn = \"arn:aws:iam::3333%08d:role/pull-%d\"\nexternal_id = \"bench-%d\"\n", i, i, i, i, i)
		default:
			fmt.Fprintf(&b, "match = \"registry-%d.example.com\"\necr = \"4444%08d.dkr.ecr.eu-west-1.amazonaws.com\"\nrole_arn = \"arn:aws:iam::4444%08d:role/pull\"\nmfa_serial = \"arn:aws:iam::111122223333:mfa/user-%d\"\n", i, i, i, i)
		}
	}
	b.WriteString("\n[[registry]]\nmatch = \"111122223333\"\nrole_arn = \"arn:aws:iam::111122223333:role/bench-pull\"\nrole_session_name = \"bench\"\n")
	return b.String()
}

// writeOtherEntries stores n entries under keys of other identities and
// regions, through the cache package, several at a time: each Put syncs a
// file and the directory.
func writeOtherEntries(dir string, n int) error {
	c, err := cache.Open(dir, cache.Options{})
	if err != nil {
		return err
	}
	now := time.Now()
	secret := strings.Repeat("x", 2048) // about the size of a real ECR password
	var next atomic.Int64
	errs := make([]error, 4*runtime.NumCPU())
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < n && errs[w] == nil; k = int(next.Add(1) - 1) {
				region := fmt.Sprintf("bench-region-%d", k)
				errs[w] = c.Put(cache.Key("token", "ecr", "aws", region, "fips=false,dualstack=false", strconv.Itoa(k)), cache.Entry{
					ServerURL: "111122223333.dkr.ecr." + region + ".amazonaws.com",
					Username:  "AWS",
					Secret:    secret,
					FetchedAt: now,
					ExpiresAt: now.Add(12 * time.Hour),
				})
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// onlyEntry returns the path of the one entry file in dir.
func onlyEntry(dir string) (string, error) {
	names, err := entryNames(dir)
	if err != nil {
		return "", err
	}
	if len(names) != 1 {
		return "", fmt.Errorf("%s holds %d entries after one get, want 1", dir, len(names))
	}
	return filepath.Join(dir, names[0]), nil
}

func entryNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var entries []string
	for _, n := range names {
		if strings.HasSuffix(n, ".json") {
			entries = append(entries, n)
		}
	}
	return entries, nil
}

// clearEntries removes every entry from dir, as if every token had aged
// out: the directory, its lock files and its cleanup marker stay.
func clearEntries(dir string) error {
	names, err := entryNames(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

// checkCredentials accepts a get's answer: exit 0 and credentials in the
// protocol's JSON.
func checkCredentials(code int, stdout []byte) error {
	if code != 0 {
		return fmt.Errorf("exit status %d, want 0", code)
	}
	if _, err := secretOf(stdout); err != nil {
		return err
	}
	return nil
}

// checkNotFound accepts the protocol's answer for a host the helper does
// not serve.
func checkNotFound(code int, stdout []byte) error {
	const want = "credentials not found in native keychain"
	if code != 1 || string(bytes.TrimSpace(stdout)) != want {
		return fmt.Errorf("exit status %d, want 1 and %q", code, want)
	}
	return nil
}
