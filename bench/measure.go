package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
)

// program is one thing the benchmark execs, the way docker would.
type program struct {
	name   string
	path   string
	args   []string
	env    []string
	stdin  string       // the file holding the request
	before func() error // runs untimed before every run
	check  func(code int, stdout []byte) error
}

// frontGet is `docker-credential-ecrlogin get` with the request in the
// named file and the cache in cacheDir.
func (b *bench) frontGet(name, request, cacheDir string, check func(int, []byte) error) *program {
	return &program{
		name:  name,
		path:  b.front,
		args:  []string{"get"},
		env:   dedupEnv(append(slices.Clone(b.baseEnv), "ECRLOGIN_CACHE_DIR="+cacheDir)),
		stdin: request,
		check: check,
	}
}

// frontGetConfig is the cached get of the benchmark registry with the
// 50-entry per-registry config file, its token cached in cacheDir.
func (b *bench) frontGetConfig(name, cacheDir string) *program {
	p := b.frontGet(name, b.ecrRequest, cacheDir, checkCredentials)
	p.env = dedupEnv(append(p.env, "ECRLOGIN_CONFIG="+b.configFile, "ECRLOGIN_CACHE_DIR="+cacheDir))
	return p
}

// row is one program's measurements.
type row struct {
	prog      *program
	wall, cpu []time.Duration // timed runs; cpu is user+system of the process and the children it waited for
	peakKiB   int             // largest VmHWM of the program's own process over the traced runs; 0 if unknown
	peakErr   error
}

// results is everything report prints.
type results struct {
	floor, warm, big, other, cold *row
	withConfig                    *row   // warm, with the 50-entry config file
	coldFloor                     *row   // the floor's runs alternating with the cold get
	rows                          []*row // table order
	toolPeakKiB                   int    // ecrlogin fetch's largest VmHWM in the cold runs
	conc                          *concResult
}

func (b *bench) measure() (*results, error) {
	cfg := b.cfg
	warmEnv := dedupEnv(append(slices.Clone(b.baseEnv), "ECRLOGIN_CACHE_DIR="+b.warmDir))
	entry, err := os.ReadFile(b.entryFile)
	if err != nil {
		return nil, err
	}
	res := &results{}
	res.floor = &row{prog: &program{
		name:  "floor (stdin + one small file)",
		path:  b.floor,
		args:  []string{b.entryFile},
		env:   warmEnv,
		stdin: b.ecrRequest,
		check: func(code int, stdout []byte) error {
			if code != 0 || !bytes.Equal(stdout, entry) {
				return fmt.Errorf("exit status %d and %d bytes, want 0 and the %d-byte entry", code, len(stdout), len(entry))
			}
			return nil
		},
	}}
	res.warm = &row{prog: b.frontGet("get, cached (1 entry)", b.ecrRequest, b.warmDir, checkCredentials)}
	res.other = &row{prog: b.frontGet("get, not ECR", b.otherRequest, b.warmDir, checkNotFound)}
	res.cold = &row{prog: b.frontGet("get, cold (front + ecrlogin fetch)", b.ecrRequest, b.coldDir, checkCredentials)}
	res.cold.prog.before = func() error { return clearEntries(b.coldDir) }
	res.withConfig = &row{prog: b.frontGetConfig(fmt.Sprintf("get, cached, %d-entry config", configEntries), b.configDir)}
	res.rows = []*row{res.floor, res.warm, res.withConfig}
	if cfg.entries > 0 {
		res.big = &row{prog: b.frontGet(fmt.Sprintf("get, cached (%d entries)", cfg.entries+1), b.ecrRequest, b.bigDir, checkCredentials)}
		res.rows = append(res.rows, res.big)
	}
	res.rows = append(res.rows, res.other)

	// Two phases: a cold get syncs files to disk and has this process's
	// fake ECR answer over HTTP, and both leave work behind (journal
	// commits, the fake's garbage) that would land on the short hit-path
	// runs after it. So the hit path alternates with the floor among
	// itself, and the cold get alternates with the floor on its own.
	sts0 := b.fake.Count(fakeaws.ServiceSTS, "AssumeRole")
	if err := b.timeAll("hit path", res.rows, 0); err != nil {
		return nil, err
	}
	if n := b.fake.Count(fakeaws.ServiceSTS, "AssumeRole") - sts0; n != 0 {
		return nil, fmt.Errorf("hit path: %d AssumeRole calls, want none (a hit resolves no credentials)", n)
	}
	res.coldFloor = &row{prog: res.floor.prog}
	if err := b.timeAll("cold", []*row{res.coldFloor, res.cold}, cfg.warmup+cfg.runs); err != nil {
		return nil, err
	}
	res.rows = append(res.rows, res.cold)
	if cfg.rssRuns > 0 {
		fmt.Fprintf(b.log, "bench: %d runs of each program under ptrace for peak RSS\n", cfg.rssRuns)
		for _, r := range res.rows {
			peaks, err := b.peakOf(r.prog)
			if errors.Is(err, errWrongAnswer) {
				return nil, err
			}
			if err != nil {
				r.peakErr = err // ptrace is not allowed here, say
				continue
			}
			r.peakKiB = peaks[commOf(r.prog.path)]
			if r == res.cold {
				res.toolPeakKiB = peaks[commOf(b.tool)]
			}
		}
	}
	if cfg.concRounds > 0 {
		if res.conc, err = b.concurrent(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// timeAll runs every program once per round, in a new random order each
// round, for the warm-up rounds and then the timed ones. Between them the
// programs must make exactly calls GetAuthorizationToken calls.
func (b *bench) timeAll(phase string, rows []*row, calls int) error {
	cfg := b.cfg
	fmt.Fprintf(b.log, "bench: %s: %d programs, %d warm-up rounds, %d timed rounds, alternating\n", phase, len(rows), cfg.warmup, cfg.runs)
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5eed))
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	calls0 := b.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken")
	for round := range cfg.warmup + cfg.runs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			r := rows[i]
			s, err := b.timeRun(r.prog)
			if err != nil {
				return fmt.Errorf("%s: %w", r.prog.name, err)
			}
			if round >= cfg.warmup {
				r.wall = append(r.wall, s.wall)
				r.cpu = append(r.cpu, s.cpu)
			}
		}
		if done := round + 1 - cfg.warmup; done > 0 && done%100 == 0 && done < cfg.runs {
			fmt.Fprintf(b.log, "bench: %s: %d/%d rounds\n", phase, done, cfg.runs)
		}
	}
	// Only cold gets may call ECR, once each. Any other call means a get
	// that should have hit fetched, and the benchmark measured something
	// else.
	if got := b.fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") - calls0; got != calls {
		return fmt.Errorf("%s: the rounds made %d GetAuthorizationToken calls, want %d (one per cold get)", phase, got, calls)
	}
	return nil
}

type sample struct {
	wall, cpu time.Duration
}

// timeRun runs p once and checks its answer. The clock covers exactly
// what docker waits for: fork, exec, the program, and reaping it.
// Standard input and output are files, so the driver runs no copying
// goroutines while the clock runs.
func (b *bench) timeRun(p *program) (sample, error) {
	if p.before != nil {
		if err := p.before(); err != nil {
			return sample{}, err
		}
	}
	stdin, stdout, stderr, err := b.openStdio(p)
	if err != nil {
		return sample{}, err
	}
	defer stdin.Close()
	defer stdout.Close()
	defer stderr.Close()
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = p.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr

	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)

	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return sample{}, err
	}
	if err := b.checkOutput(p, cmd.ProcessState.ExitCode()); err != nil {
		return sample{}, err
	}
	return sample{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

func (b *bench) openStdio(p *program) (stdin, stdout, stderr *os.File, err error) {
	if stdin, err = os.Open(p.stdin); err != nil {
		return nil, nil, nil, err
	}
	if stdout, err = os.Create(b.outPath); err != nil {
		stdin.Close()
		return nil, nil, nil, err
	}
	if stderr, err = os.Create(b.errPath); err != nil {
		stdin.Close()
		stdout.Close()
		return nil, nil, nil, err
	}
	return stdin, stdout, stderr, nil
}

// checkOutput judges the run whose output is in outPath and errPath.
func (b *bench) checkOutput(p *program, code int) error {
	out, err := os.ReadFile(b.outPath)
	if err != nil {
		return err
	}
	if err := p.check(code, out); err != nil {
		errOut, _ := os.ReadFile(b.errPath)
		return fmt.Errorf("%w\nstdout: %s\nstderr: %s", err, out, errOut)
	}
	return nil
}

// errWrongAnswer marks a traced run whose program answered wrongly, which
// stops the benchmark, unlike trouble with ptrace itself.
var errWrongAnswer = errors.New("wrong answer")

// peakOf runs p under ptrace cfg.rssRuns times and returns, per process
// name, the largest peak resident set seen.
func (b *bench) peakOf(p *program) (map[string]int, error) {
	all := map[string]int{}
	for range b.cfg.rssRuns {
		if p.before != nil {
			if err := p.before(); err != nil {
				return nil, err
			}
		}
		stdin, stdout, stderr, err := b.openStdio(p)
		if err != nil {
			return nil, err
		}
		peaks, code, err := peakRSS(p.path, p.args, p.env, stdin, stdout, stderr)
		stdin.Close()
		stdout.Close()
		stderr.Close()
		if err != nil {
			return nil, err
		}
		if err := b.checkOutput(p, code); err != nil {
			return nil, fmt.Errorf("%s under ptrace: %w: %w", p.name, errWrongAnswer, err)
		}
		for name, kib := range peaks {
			all[name] = max(all[name], kib)
		}
	}
	return all, nil
}

// commOf is the name the kernel gives a process running path: the base
// name, cut to 15 bytes.
func commOf(path string) string {
	name := filepath.Base(path)
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}

// median and percentile use the nearest-rank method on a sorted copy.
func median(d []time.Duration) time.Duration { return percentile(d, 50) }

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}
