package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// concResult is the concurrency case: rounds of cfg.conc cold gets for one
// registry, all started at once.
type concResult struct {
	procs  int
	delay  time.Duration
	calls  []int           // GetAuthorizationToken calls, per round
	late   []time.Duration // last exit minus the API's answer, per round that made exactly one call
	spawn  []time.Duration // first Start to last Start, per round
	before []int           // processes started before the answer, per round
}

// concurrent runs the concurrency case. The fake holds its answer back for
// cfg.concDelay, standing in for the network, so that every process has
// started and is waiting on the cache lock when the token arrives: what is
// measured is then how fast the waiters notice it, not how fast this
// machine can start 64 processes.
func (b *bench) concurrent() (*concResult, error) {
	cfg := b.cfg
	fmt.Fprintf(b.log, "bench: %d rounds of %d concurrent cold gets for one registry (API latency %v)\n", cfg.concRounds, cfg.conc, cfg.concDelay)
	b.fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: cfg.concDelay})
	defer b.fake.ClearFaults()
	p := b.frontGet("concurrent get", b.ecrRequest, b.concDir, checkCredentials)
	outDir := filepath.Join(b.work, "concurrent")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		return nil, err
	}
	res := &concResult{procs: cfg.conc, delay: cfg.concDelay}
	for range cfg.concRounds {
		if err := clearEntries(b.concDir); err != nil {
			return nil, err
		}
		calls0 := b.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")
		answers0 := b.answers.count()
		starts, exits, err := b.startAll(p, outDir)
		if err != nil {
			return nil, err
		}
		secrets := map[string]bool{}
		for i := range cfg.conc {
			out, err := os.ReadFile(filepath.Join(outDir, "out-"+strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			s, err := secretOf(out)
			if err != nil {
				errOut, _ := os.ReadFile(filepath.Join(outDir, "err-"+strconv.Itoa(i)))
				return nil, fmt.Errorf("concurrent get %d: %w\nstdout: %s\nstderr: %s", i, err, out, errOut)
			}
			secrets[s] = true
		}
		if len(secrets) != 1 {
			return nil, fmt.Errorf("%d concurrent gets handed out %d different tokens, want 1", cfg.conc, len(secrets))
		}
		calls := b.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") - calls0
		res.calls = append(res.calls, calls)
		res.spawn = append(res.spawn, starts[len(starts)-1].Sub(starts[0]))
		answers := b.answers.since(answers0)
		if len(answers) != 1 {
			continue
		}
		answer := answers[0]
		last, before := exits[0], 0
		for i := range exits {
			if exits[i].After(last) {
				last = exits[i]
			}
			if starts[i].Before(answer) {
				before++
			}
		}
		res.late = append(res.late, last.Sub(answer))
		res.before = append(res.before, before)
	}
	return res, nil
}

// startAll starts cfg.conc copies of p as fast as it can and returns when
// each Start returned and when each process was reaped. Process i writes
// to out-i and err-i in dir.
func (b *bench) startAll(p *program, dir string) (starts, exits []time.Time, err error) {
	n := b.cfg.conc
	cmds := make([]*exec.Cmd, n)
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for i := range cmds {
		stdin, err := os.Open(p.stdin) // one each: a shared file would share its offset
		if err != nil {
			return nil, nil, err
		}
		files = append(files, stdin)
		stdout, err := os.Create(filepath.Join(dir, "out-"+strconv.Itoa(i)))
		if err != nil {
			return nil, nil, err
		}
		files = append(files, stdout)
		stderr, err := os.Create(filepath.Join(dir, "err-"+strconv.Itoa(i)))
		if err != nil {
			return nil, nil, err
		}
		files = append(files, stderr)
		cmd := exec.Command(p.path, p.args...)
		cmd.Env = p.env
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
		cmds[i] = cmd
	}
	starts = make([]time.Time, n)
	exits = make([]time.Time, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			for _, c := range cmds[:i] {
				c.Process.Kill()
			}
			wg.Wait()
			return nil, nil, err
		}
		starts[i] = time.Now()
		wg.Go(func() {
			errs[i] = cmd.Wait()
			exits[i] = time.Now()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			errOut, _ := os.ReadFile(filepath.Join(dir, "err-"+strconv.Itoa(i)))
			return nil, nil, fmt.Errorf("concurrent get %d: %w\nstderr: %s", i, err, errOut)
		}
	}
	return starts, exits, nil
}

// secretOf returns the secret of a get's answer, checking its shape.
func secretOf(stdout []byte) (string, error) {
	var c struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal(stdout, &c); err != nil {
		return "", fmt.Errorf("answer is not credentials JSON: %w", err)
	}
	if c.ServerURL == "" || c.Username != "AWS" || c.Secret == "" {
		return "", fmt.Errorf("answer lacks a server URL, username AWS or a secret")
	}
	return c.Secret, nil
}
