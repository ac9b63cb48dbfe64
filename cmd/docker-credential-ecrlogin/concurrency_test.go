package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// startFake runs a fake AWS for one test and returns it with the
// environment a helper process needs to use it: its own HOME and cache,
// static keys, and nothing from this machine's AWS setup.
func startFake(t *testing.T) (*fakeaws.Server, []string) {
	t.Helper()
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	work := t.TempDir()
	env := append(fakeaws.ClientEnv(work), fake.Env(base)...)
	return fake, append(env,
		"PATH="+testbin.Dir(t)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ECRLOGIN_CACHE_DIR="+filepath.Join(work, "cache"),
		"GORACE=atexit_sleep_ms=0", // race-enabled binaries otherwise sleep a second at exit
	)
}

type getResult struct {
	host   string
	out    []byte
	stderr string
	err    error
}

// getAll runs one `docker-credential-ecrlogin get` process per host, all
// at once, released together to make the race as tight as it can be.
func getAll(t *testing.T, env []string, hosts []string) []getResult {
	t.Helper()
	front := testbin.Path(t, testbin.Front)
	results := make([]getResult, len(hosts))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, host := range hosts {
		done.Add(1)
		go func() {
			defer done.Done()
			cmd := exec.Command(front, "get")
			cmd.Env = env
			cmd.Stdin = strings.NewReader(host)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start.Wait()
			out, err := cmd.Output()
			results[i] = getResult{host, out, stderr.String(), err}
		}()
	}
	start.Done()
	done.Wait()
	return results
}

func checkAnswers(t *testing.T, results []getResult) map[string]bool {
	t.Helper()
	secrets := map[string]bool{}
	for _, r := range results {
		if r.err != nil {
			t.Errorf("get %s: %v\nstdout: %s\nstderr: %s", r.host, r.err, r.out, r.stderr)
			continue
		}
		var c struct{ ServerURL, Username, Secret string }
		if err := json.Unmarshal(r.out, &c); err != nil || c.Username != "AWS" || c.Secret == "" {
			t.Errorf("get %s answered %q", r.host, r.out)
		}
		secrets[c.Secret] = true
	}
	return secrets
}

// TestConcurrentColdGetsOneRegistry: 32 processes, cold cache, one
// registry → exactly one GetAuthorizationToken, and all 32 get its token.
// The fake answers slowly so that every process arrives while the first
// fetch is in flight: without the cross-process lock this makes 32 calls.
func TestConcurrentColdGetsOneRegistry(t *testing.T) {
	fake, env := startFake(t)
	fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: 300 * time.Millisecond})
	hosts := make([]string, 32)
	for i := range hosts {
		hosts[i] = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	}
	secrets := checkAnswers(t, getAll(t, env, hosts))
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != 1 {
		t.Errorf("32 concurrent cold gets made %d GetAuthorizationToken calls, want 1", got)
	}
	if len(secrets) != 1 {
		t.Errorf("32 concurrent gets handed out %d different tokens, want 1", len(secrets))
	}
}

// TestConcurrentColdGetsManyRegions: 12 processes for 12 regions → 12
// calls and all 12 entries in the cache afterwards (no lost updates).
func TestConcurrentColdGetsManyRegions(t *testing.T) {
	fake, env := startFake(t)
	fake.SetFault("GetAuthorizationToken", fakeaws.Fault{Delay: 100 * time.Millisecond})
	regions := []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
		"eu-central-1", "ap-south-1", "ap-northeast-1", "ap-southeast-2", "sa-east-1", "ca-central-1"}
	hosts := make([]string, len(regions))
	for i, r := range regions {
		hosts[i] = fmt.Sprintf("111122223333.dkr.ecr.%s.amazonaws.com", r)
	}
	checkAnswers(t, getAll(t, env, hosts))
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != len(regions) {
		t.Errorf("%d concurrent cold gets for %d regions made %d calls, want %d", len(regions), len(regions), got, len(regions))
	}

	// Every region's token survived: a second round is all hits, and list
	// shows all twelve.
	checkAnswers(t, getAll(t, env, hosts))
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != len(regions) {
		t.Errorf("after a second round: %d calls, want still %d (lost cache entries)", got, len(regions))
	}
	cmd := exec.Command(testbin.Path(t, testbin.Front), "list")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var listed map[string]string
	if err := json.Unmarshal(out, &listed); err != nil {
		t.Fatalf("list answered %q: %v", out, err)
	}
	for _, h := range hosts {
		if listed[h] != "AWS" {
			t.Errorf("list = %v, missing %s", listed, h)
		}
	}
}

// TestLockWaitTimesOut: while one process holds the lock waiting on an ECR
// that never answers, another gives up at its own deadline and says what
// it was waiting for; so does the first.
func TestLockWaitTimesOut(t *testing.T) {
	fake, env := startFake(t)
	fake.SetFault("GetAuthorizationToken", fakeaws.Hang())
	front := testbin.Path(t, testbin.Front)
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"

	holder := exec.Command(front, "get")
	holder.Env = append(env, "ECRLOGIN_TIMEOUT=2s")
	holder.Stdin = strings.NewReader(host)
	var holderOut bytes.Buffer
	holder.Stdout = &holderOut
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	for fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken") == 0 {
		time.Sleep(5 * time.Millisecond) // the holder has the lock once ECR has its call
	}

	waiter := exec.Command(front, "get")
	waiter.Env = append(env, "ECRLOGIN_TIMEOUT=500ms")
	waiter.Stdin = strings.NewReader(host)
	out, err := waiter.Output()
	if err == nil || !strings.HasPrefix(string(out), "ecrlogin: "+host+": timed out waiting for the cache lock held by another ecrlogin process") {
		t.Errorf("waiter: %v, %q; want a timeout naming the cache lock", err, out)
	}

	if err := holder.Wait(); err == nil || !strings.Contains(holderOut.String(), "timed out waiting for ECR GetAuthorizationToken") {
		t.Errorf("holder: %v, %q; want a timeout naming ECR", err, holderOut.String())
	}
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 1 {
		t.Errorf("calls = %d, want 1: the waiter must not call ECR", n)
	}
}

// TestConcurrentColdGetsShareAFailure: 32 processes, cold cache, ECR
// refusing the identity → one GetAuthorizationToken between them, and all
// 32 print ECR's AccessDenied line. The fake answers slowly so that every
// process is waiting on the first one's fetch; without the shared failure
// each would take the lock in turn and be refused again: 32 calls.
//
// The failure is not remembered: a get that starts after the burst asks
// again, and once the policy is fixed the next get succeeds.
func TestConcurrentColdGetsShareAFailure(t *testing.T) {
	fake, env := startFake(t)
	denied := fakeaws.AccessDenied()
	denied.Delay = 500 * time.Millisecond
	fake.SetFault("GetAuthorizationToken", denied)
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	hosts := make([]string, 32)
	for i := range hosts {
		hosts[i] = host
	}
	want := "ecrlogin: " + host + ": AccessDeniedException: " + denied.Message
	for _, r := range getAll(t, env, hosts) {
		if r.err == nil || !strings.HasPrefix(string(r.out), want) {
			t.Errorf("get %s: %v, %q; want exit 1 and %q", r.host, r.err, r.out, want)
		}
	}
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != 1 {
		t.Errorf("32 concurrent cold gets under AccessDenied made %d calls, want 1", got)
	}

	fake.SetFault("GetAuthorizationToken", fakeaws.AccessDenied())
	if r := getAll(t, env, []string{host})[0]; r.err == nil || !strings.HasPrefix(string(r.out), want) {
		t.Errorf("get after the burst: %v, %q; want %q", r.err, r.out, want)
	}
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != 2 {
		t.Errorf("calls after one more get = %d, want 2: a get that starts after the burst must ask again", got)
	}

	fake.ClearFaults()
	checkAnswers(t, getAll(t, env, []string{host}))
	if got := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); got != 3 {
		t.Errorf("calls = %d, want 3: the fixed policy must take effect on the next get", got)
	}
}
