package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

var (
	soakN       = flag.Int("soak.n", 10000, "gets the soak makes in all (ECRLOGIN_SOAK=1)")
	soakWorkers = flag.Int("soak.workers", 16, "parallel workers of the soak")
)

// TestSoak is `make soak`, not part of `make test` (it runs only with
// ECRLOGIN_SOAK=1): soak.n gets from soak.workers parallel workers, each a
// real front process, across registries in several accounts and regions
// and several identities, while a fault loop injects latency, 500s,
// throttling, AccessDenied windows and corrupted cache entries, and the
// workers now and then kill their own process mid-get. It asserts: no
// token of another identity or region, no expired token, no crash or stack
// trace, every failure one line, no lock left held, at most one temporary
// file per kill, a bounded cache, and API calls close to one per identity
// and region per refresh. It prints the figures.
func TestSoak(t *testing.T) {
	if os.Getenv("ECRLOGIN_SOAK") == "" {
		t.Skip("the soak runs with ECRLOGIN_SOAK=1 (make soak)")
	}
	fake, env := startFake(t)
	fake.TTL = 10*time.Minute + 30*time.Second // short-lived, so expiry checks bite
	cacheDir := envValue(env, "ECRLOGIN_CACHE_DIR")
	front := testbin.Path(t, testbin.Front)

	identities := []string{"AKIASOAKIDENTITY0001", "AKIASOAKIDENTITY0002", "AKIASOAKIDENTITY0003", "AKIASOAKIDENTITY0004"}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	accounts := []string{"111122223333", "444455556666"}
	type target struct{ key, region, host string }
	var targets []target
	for _, k := range identities {
		for _, r := range regions {
			for _, a := range accounts {
				targets = append(targets, target{k, r, a + ".dkr.ecr." + r + ".amazonaws.com"})
			}
		}
	}
	pairs := len(identities) * len(regions)

	var faults struct {
		sync.Mutex
		n map[string]int
	}
	faults.n = map[string]int{}
	fault := func(kind string) {
		faults.Lock()
		faults.n[kind]++
		faults.Unlock()
	}
	stop := make(chan struct{})
	var faultLoop sync.WaitGroup
	faultLoop.Go(func() {
		for {
			select {
			case <-stop:
				fake.ClearFaults()
				return
			case <-time.After(time.Duration(30+rand.IntN(90)) * time.Millisecond):
			}
			switch rand.IntN(5) {
			case 0:
				fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: time.Duration(50+rand.IntN(350)) * time.Millisecond, Times: 1 + rand.IntN(5)})
				fault("latency")
			case 1:
				f := fakeaws.ServerError()
				f.Times = 1 + rand.IntN(2)
				fake.SetFault("GetAuthorizationToken", f)
				fault("500")
			case 2:
				f := fakeaws.Throttling()
				f.Times = 1 + rand.IntN(2)
				fake.SetFault("GetAuthorizationToken", f)
				fault("throttling")
			case 3:
				fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
				fault("AccessDenied window")
				time.Sleep(time.Duration(200+rand.IntN(300)) * time.Millisecond)
				fake.ClearFaults()
			case 4:
				if files, _ := filepath.Glob(filepath.Join(cacheDir, "*.json")); len(files) > 0 {
					junk := []byte(`{"v":1,"secret":"trunc`)[:rand.IntN(22)]
					if os.WriteFile(files[rand.IntN(len(files))], junk, 0o600) == nil {
						fault("corrupted entry")
					}
				}
			}
		}
	})

	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		failures  = map[string]int{}
		kills     atomic.Int64
		wrong     atomic.Int64
		badLines  atomic.Int64
	)
	var workers sync.WaitGroup
	for range *soakWorkers {
		workers.Go(func() {
			for next.Add(1) <= int64(*soakN) {
				tg := targets[rand.IntN(len(targets))]
				cmd := exec.Command(front, "get")
				cmd.Env = append(slices.Clip(env), "AWS_ACCESS_KEY_ID="+tg.key, "AWS_SECRET_ACCESS_KEY=soak-secret-"+tg.key, "ECRLOGIN_TIMEOUT=15s")
				cmd.Stdin = strings.NewReader(tg.host)
				var out, errOut bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errOut
				start := time.Now()
				if err := cmd.Start(); err != nil {
					t.Error(err)
					return
				}
				killed := rand.IntN(150) == 0
				if killed {
					time.AfterFunc(time.Duration(rand.IntN(10))*time.Millisecond, func() { cmd.Process.Kill() })
				}
				err := cmd.Wait()
				took := time.Since(start)
				if s := errOut.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") || strings.Contains(s, "DATA RACE") {
					t.Errorf("get %s as %s: crash: %s", tg.host, tg.key, s)
				}
				var exit *exec.ExitError
				switch {
				case killed && errors.As(err, &exit) && exit.ExitCode() == -1:
					kills.Add(1)
					continue
				case err == nil:
					var c struct{ Username, Secret string }
					if json.Unmarshal(out.Bytes(), &c) != nil {
						t.Errorf("get %s answered %q", tg.host, out.String())
						continue
					}
					issue, ok := fake.IssuedTo(c.Secret)
					if !ok || issue.AccessKeyID != tg.key || issue.Region != tg.region {
						wrong.Add(1)
						t.Errorf("get %s as %s got a token issued to %+v (known: %t)", tg.host, tg.key, issue, ok)
					}
					if !fake.ValidPassword(c.Username, c.Secret) || time.Until(issue.Expires) < cache.MinRemaining {
						wrong.Add(1)
						t.Errorf("get %s as %s got a token expiring at %v", tg.host, tg.key, issue.Expires)
					}
					mu.Lock()
					latencies = append(latencies, took)
					mu.Unlock()
				case errors.As(err, &exit) && exit.ExitCode() == 1:
					line := out.String()
					if !strings.HasPrefix(line, "ecrlogin: "+tg.host+": ") || strings.Count(line, "\n") != 1 {
						badLines.Add(1)
						t.Errorf("get %s failed with %q, want one line naming the host", tg.host, line)
					}
					kind := "other"
					for _, k := range []string{"AccessDeniedException", "ThrottlingException", "ServerException", "timed out"} {
						if strings.Contains(line, k) {
							kind = k
						}
					}
					mu.Lock()
					failures[kind]++
					latencies = append(latencies, took)
					mu.Unlock()
				default:
					t.Errorf("get %s: %v, %q", tg.host, err, out.String())
				}
			}
		})
	}
	workers.Wait()
	close(stop)
	faultLoop.Wait()

	// No lock is left held: every lock file can be taken at once.
	c, err := cache.Open(cacheDir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	locks, _ := filepath.Glob(filepath.Join(cacheDir, "*.lock"))
	for _, l := range locks {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		unlock, err := c.Lock(ctx, strings.TrimSuffix(filepath.Base(l), ".lock"))
		cancel()
		if err != nil {
			t.Errorf("lock %s is still held after the soak: %v", filepath.Base(l), err)
			continue
		}
		unlock()
	}
	temps, _ := filepath.Glob(filepath.Join(cacheDir, "*.tmp"))
	entries, _ := filepath.Glob(filepath.Join(cacheDir, "*.json"))
	if int64(len(temps)) > kills.Load() {
		t.Errorf("%d temporary files left after %d kills; at most one per kill (cleanup reaps those after a minute)", len(temps), kills.Load())
	}
	if len(entries) > pairs || len(locks) > pairs {
		t.Errorf("cache holds %d entries and %d lock files, want at most %d of each (one per identity and region)", len(entries), len(locks), pairs)
	}

	var ok, failed int
	var statuses = map[int]int{}
	for _, call := range fake.Calls() {
		if call.Action != "GetAuthorizationToken" {
			continue
		}
		statuses[call.Status]++
		if call.Status == 200 {
			ok++
		} else {
			failed++
		}
	}
	faults.Lock()
	corrupted := faults.n["corrupted entry"]
	nfaults := 0
	for _, n := range faults.n {
		nfaults += n
	}
	faults.Unlock()
	// Each corrupted entry and each kill can cost one more fetch; beyond
	// that, a fetch per identity and region (the TTL outlives the soak).
	if limit := pairs + corrupted + int(kills.Load()) + pairs; ok > limit {
		t.Errorf("%d successful GetAuthorizationToken calls, want at most %d (%d identity-regions, %d corrupted entries, %d kills)", ok, limit, pairs, corrupted, kills.Load())
	}

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	faults.Lock()
	t.Logf("soak: %d gets (%d workers), %d killed; %d identity-regions over %d registries", *soakN, *soakWorkers, kills.Load(), pairs, len(targets))
	t.Logf("soak: API calls: %d GetAuthorizationToken answered 200, %d refused or failed (by status %v)", ok, failed, statuses)
	t.Logf("soak: faults injected: %d %v", nfaults+int(kills.Load()), faults.n)
	t.Logf("soak: failed gets by cause: %v; wrong or expired tokens: %d; malformed error lines: %d", failures, wrong.Load(), badLines.Load())
	t.Logf("soak: latency p50 %v, p99 %v, max %v", pct(0.50), pct(0.99), pct(1))
	t.Logf("soak: cache afterwards: %d entries, %d lock files (none held), %d temporary files", len(entries), len(locks), len(temps))
	faults.Unlock()
}
