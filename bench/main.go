// Command bench is the whole-process benchmark of docker-credential-ecrlogin.
// docker execs the helper once per request, so what users wait for is a
// process start, not a function call; this driver measures exactly that.
//
// It builds the release binaries as `make build` does (CGO_ENABLED=0 go
// build -trimpath -ldflags='-s -w') and a floor program (a
// standard-library binary that reads stdin and one small file, built the
// same way) into a temporary directory, serves the fake ECR of
// internal/fakeaws in process, and runs every case with os/exec, the
// programs alternating run by run in a shuffled order so that the
// machine's drift hits them all alike. First the hit path:
//
//   - the floor program;
//   - a cached get, with one entry in the cache directory and with 10,000
//     other entries beside it;
//   - a cached get with a 50-entry per-registry config file
//     (ECRLOGIN_CONFIG) whose last mapping assumes a role for the
//     registry: the front reads, checks and matches it on every get, and
//     must make no STS call;
//   - a get for a host that is not ECR;
//
// then, alternating with the floor in a phase of its own because it syncs
// to disk and makes this process serve HTTP, a cold get (the entry removed
// before each run): the front plus `ecrlogin fetch` against the fake, which
// adds no latency. Last, 64 cold gets for one registry at once, which must
// make one API call between them and all finish soon after it is answered. Peak RSS comes
// from separate runs under ptrace (see peakrss_linux.go for why not
// rusage). It prints medians, p90s, ratios to the floor, peak RSS, binary
// sizes, and each of the targets of issues 5 and 10 with pass or miss.
//
//	go run ./bench [-n 200] [-warmup 20] [-conc 64] [-entries 10000]
//
// Exit status: 0 when the benchmark ran (targets missed or not, unless
// -strict), 1 when -strict and a target missed, 2 when it could not run or
// a program gave a wrong answer.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags set.
type config struct {
	runs       int           // timed runs of each program
	warmup     int           // untimed rounds before them
	rssRuns    int           // traced runs of each program for peak RSS
	conc       int           // processes in the concurrency case
	concRounds int           // rounds of the concurrency case
	concDelay  time.Duration // how long the fake holds the API answer back in the concurrency case
	entries    int           // other entries in the large cache directory
	dir        string        // where the temporary directory goes
	seed       uint64        // for the run order
	keep       bool          // keep the temporary directory
	strict     bool          // exit 1 if a target is missed
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.runs, "n", 200, "timed runs of each program")
	fs.IntVar(&c.warmup, "warmup", 20, "untimed rounds of every program before the timed ones")
	fs.IntVar(&c.rssRuns, "rss-runs", 20, "runs of each program under ptrace for peak RSS (0 skips)")
	fs.IntVar(&c.conc, "conc", 64, "concurrent cold get processes for one registry")
	fs.IntVar(&c.concRounds, "conc-rounds", 10, "rounds of the concurrency case (0 skips)")
	fs.DurationVar(&c.concDelay, "conc-delay", 200*time.Millisecond, "API latency in the concurrency case, so that every process is waiting when the answer comes")
	fs.IntVar(&c.entries, "entries", 10000, "other entries in the cache directory of the cache-size case")
	fs.StringVar(&c.dir, "dir", "", "directory for binaries and caches (default: the system temporary directory)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed for the order of programs within a round")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory and print its path")
	fs.BoolVar(&c.strict, "strict", false, "exit 1 if a target is missed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() != 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.runs < 1:
		return c, errors.New("-n must be at least 1")
	case c.warmup < 0 || c.rssRuns < 0 || c.concRounds < 0 || c.entries < 0:
		return c, errors.New("-warmup, -rss-runs, -conc-rounds and -entries cannot be negative")
	case c.conc < 1:
		return c, errors.New("-conc must be at least 1")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	b, err := setup(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	defer b.close()
	res, err := b.measure()
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	missed := report(stdout, cfg, b.env, res)
	if cfg.strict && missed > 0 {
		return 1
	}
	return 0
}
