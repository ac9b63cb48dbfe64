package main

import (
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestKubeletRootWithoutHOME runs `ecrlogin kubelet` the way a kubelet
// usually does: as root, with no HOME and no ECRLOGIN_CACHE_DIR. The cache
// must then be /var/cache/ecrlogin (0700), so that a kubelet restart
// costs no API call. The real /var/cache must not be touched, so the runs
// happen in a mount namespace with a tmpfs over it: root and unshare(1).
func TestKubeletRootWithoutHOME(t *testing.T) {
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	const script = `set -e
mount -t tmpfs tmpfs /var/cache
req='{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"}'
echo "$req" | env -u HOME "$TOOL" kubelet >/dev/null
echo "$req" | env -u HOME "$TOOL" kubelet >/dev/null
stat -c 'mode=%a' /var/cache/ecrlogin
ls /var/cache/ecrlogin | grep -c '\.json$' | sed 's/^/entries=/'
`
	// As root, since the rule is root's; InMountNamespace skips otherwise.
	cmd := testbin.InMountNamespace(t, script)
	cmd.Env = append(append(fakeaws.ClientEnv(t.TempDir()), fake.Env(base)...),
		"ECRLOGIN_CACHE_DIR=",
		"XDG_CACHE_HOME=",
		"PATH=/usr/bin:/bin:/usr/sbin:/sbin",
		"GORACE=atexit_sleep_ms=0",
		"TOOL="+testbin.Path(t, testbin.Tool),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubelet as root without HOME: %v\n%s", err, out)
	}
	if got := string(out); !strings.Contains(got, "mode=700\n") || !strings.Contains(got, "entries=1\n") {
		t.Errorf("cache under /var/cache = %q; want mode=700 and one entry", got)
	}
	if n := fake.Count(fakeaws.ServiceECR, "GetAuthorizationToken"); n != 1 {
		t.Errorf("two kubelet runs made %d calls, want 1 (the second a hit from /var/cache/ecrlogin)", n)
	}
}
