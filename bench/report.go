package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints the table and the targets, and returns how many targets
// were missed.
func report(w io.Writer, cfg config, env environment, res *results) int {
	fmt.Fprintf(w, "docker-credential-ecrlogin whole-process benchmark\n")
	fmt.Fprintf(w, "%s/%s, %d CPUs, kernel %s, %s, CGO_ENABLED=%s\n", env.goos, env.goarch, env.cpus, orUnknown(env.kernel), env.goVersion, env.cgo)
	fmt.Fprintf(w, "%d timed runs of each program after %d warm-up rounds, alternating in shuffled order", cfg.runs, cfg.warmup)
	if cfg.rssRuns > 0 {
		fmt.Fprintf(w, "; peak RSS is the largest VmHWM of %d runs under ptrace", cfg.rssRuns)
	}
	fmt.Fprintf(w, "\n\n")

	floor := median(res.floor.wall)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\tmedian\tp90\tvs floor\tCPU median\tpeak RSS\t\n")
	for _, r := range res.rows {
		peak := "n/a"
		if r.peakKiB > 0 {
			peak = mib(int64(r.peakKiB) << 10)
		}
		base := floor
		if r == res.cold {
			base = median(res.coldFloor.wall)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fx\t%s\t%s\t\n", r.prog.name, ms(median(r.wall)), ms(percentile(r.wall, 90)),
			ratio(median(r.wall), base), ms(median(r.cpu)), peak)
	}
	tw.Flush()
	fmt.Fprintf(w, "  (the cold get alternated with the floor in a phase of its own, floor median %s there;\n", ms(median(res.coldFloor.wall)))
	fmt.Fprintf(w, "   its CPU includes ecrlogin fetch")
	if res.toolPeakKiB > 0 {
		fmt.Fprintf(w, ", whose peak RSS was %s", mib(int64(res.toolPeakKiB)<<10))
	}
	fmt.Fprintf(w, ")\n")
	if err := firstPeakErr(res); err != nil {
		fmt.Fprintf(w, "  (peak RSS not measured: %v)\n", err)
	}
	fmt.Fprintf(w, "\nbinaries (-trimpath -ldflags='-s -w'): %s %s, %s %s, %s %s\n",
		frontName, mib(env.sizes[frontName]), toolName, mib(env.sizes[toolName]), floorName, mib(env.sizes[floorName]))

	if c := res.conc; c != nil {
		fmt.Fprintf(w, "\n%d concurrent cold gets for one registry, %d rounds, API latency %v:\n", c.procs, len(c.calls), c.delay)
		fmt.Fprintf(w, "  GetAuthorizationToken calls per round: %s\n", callSummary(c.calls))
		if len(c.late) > 0 {
			fmt.Fprintf(w, "  all %d done after the API answered: median %s, p90 %s, max %s\n", c.procs, ms(median(c.late)), ms(percentile(c.late, 90)), ms(slices.Max(c.late)))
			fmt.Fprintf(w, "  started before the answer: %d of %d in the worst round; starting all took %s (median)\n", slices.Min(c.before), c.procs, ms(median(c.spawn)))
		}
	}

	fmt.Fprintf(w, "\ntargets (issues 5 and 10):\n")
	missed := 0
	for _, t := range targets(cfg, env, res) {
		status := "PASS"
		switch {
		case t.skip:
			status = "SKIP"
		case !t.ok:
			status = "MISS"
			missed++
		}
		fmt.Fprintf(w, "  %s  %-44s %s\n", status, t.name, t.got)
	}
	return missed
}

type target struct {
	name string
	ok   bool
	skip bool // not measured in this run
	got  string
}

func targets(cfg config, env environment, res *results) []target {
	floor := median(res.floor.wall)
	warm := median(res.warm.wall)
	var ts []target
	r := ratio(warm, floor)
	ts = append(ts, target{name: "cached get <= 1.3x floor", ok: r <= 1.3, got: fmt.Sprintf("%.2fx (%s vs %s)", r, ms(warm), ms(floor))})
	t := target{name: "cached get peak RSS <= 4 MiB", skip: res.warm.peakKiB == 0}
	if !t.skip {
		t.ok, t.got = res.warm.peakKiB <= 4<<10, mib(int64(res.warm.peakKiB)<<10)
	}
	ts = append(ts, t)
	r = ratio(median(res.other.wall), floor)
	ts = append(ts, target{name: "non-ECR get <= 1.2x floor", ok: r <= 1.2, got: fmt.Sprintf("%.2fx (%s)", r, ms(median(res.other.wall)))})
	cold := median(res.cold.wall)
	ts = append(ts, target{name: "cold get (front + fetch) <= 10 ms", ok: cold <= 10*time.Millisecond, got: ms(cold)})

	t = target{name: fmt.Sprintf("%d concurrent cold gets: 1 API call", cfg.conc), skip: res.conc == nil}
	if c := res.conc; c != nil {
		t.ok = slices.Min(c.calls) == 1 && slices.Max(c.calls) == 1
		t.got = callSummary(c.calls)
	}
	ts = append(ts, t)
	t = target{name: fmt.Sprintf("%d concurrent: all done <= 50 ms after answer", cfg.conc), skip: res.conc == nil || len(res.conc.late) == 0}
	if !t.skip {
		late := median(res.conc.late)
		t.ok = late <= 50*time.Millisecond
		t.got = fmt.Sprintf("%s median, %s max", ms(late), ms(slices.Max(res.conc.late)))
	}
	ts = append(ts, t)

	diff := median(res.withConfig.wall) - warm
	ts = append(ts, target{name: fmt.Sprintf("cached get, %d-entry config: <= +%s", configEntries, ms(configBudget)), ok: diff <= configBudget,
		got: fmt.Sprintf("%+.3f ms (%s vs %s)", float64(diff)/float64(time.Millisecond), ms(median(res.withConfig.wall)), ms(warm))})

	t = target{name: fmt.Sprintf("cached get, %d more entries: within 10%%", cfg.entries), skip: res.big == nil}
	if res.big != nil {
		r := ratio(median(res.big.wall), warm)
		t.ok = r >= 0.9 && r <= 1.1
		t.got = fmt.Sprintf("%.2fx (%s vs %s)", r, ms(median(res.big.wall)), ms(warm))
	}
	ts = append(ts, t)
	ts = append(ts,
		target{name: "front binary <= 3 MiB", ok: env.sizes[frontName] <= 3<<20, got: mib(env.sizes[frontName])},
		target{name: "ecrlogin binary <= 12 MiB", ok: env.sizes[toolName] <= 12<<20, got: mib(env.sizes[toolName])},
	)
	return ts
}

func callSummary(calls []int) string {
	lo, hi := slices.Min(calls), slices.Max(calls)
	if lo == hi {
		return fmt.Sprintf("%d in each of %d rounds", lo, len(calls))
	}
	return fmt.Sprintf("%d to %d over %d rounds", lo, hi, len(calls))
}

func firstPeakErr(res *results) error {
	for _, r := range res.rows {
		if r.peakErr != nil {
			return r.peakErr
		}
	}
	return nil
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(bytes int64) string {
	return fmt.Sprintf("%.2f MiB", float64(bytes)/(1<<20))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}
