package main

import (
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/internal/fakeaws"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/testbin"
)

// TestNoHOMEFollowsTheSDKsFiles runs gets with HOME unset, as the kubelet
// and some service managers run programs. The AWS SDK then reads
// ~/.aws/config from the account database's home directory; the identity
// fingerprint must hash that same file, so that editing it (here, to
// another key) makes the next get fetch as the new identity instead of
// serving the old identity's token from the cache.
//
// The account's real home must not be touched, so the gets run in a
// mount namespace with a tmpfs over it: that needs root and unshare(1).
func TestNoHOMEFollowsTheSDKsFiles(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" || u.HomeDir == "/" {
		t.Skipf("no usable account home directory: %v", err)
	}
	fake := fakeaws.New()
	base, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	work := t.TempDir()
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	const script = `set -e
mount -t tmpfs tmpfs "$ACCOUNT_HOME"
mkdir -p "$ACCOUNT_HOME/.aws"
write() { printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$1" "$2" > "$ACCOUNT_HOME/.aws/config"; }
get() { echo "$HOST" | env -u HOME "$FRONT" get >/dev/null; }
write AKIDFIRSTIDENTITY1 secret1
get
get
write AKIDSECONDIDENTITY secret2
get
`
	cmd := testbin.InMountNamespace(t, script)
	cmd.Env = append(append(fakeaws.ClientEnv(work), fake.Env(base)...),
		"AWS_CONFIG_FILE=",
		"AWS_SHARED_CREDENTIALS_FILE=",
		"AWS_ACCESS_KEY_ID=",
		"AWS_SECRET_ACCESS_KEY=",
		"ECRLOGIN_CACHE_DIR="+filepath.Join(work, "cache"),
		"PATH="+testbin.Dir(t)+":/usr/bin:/bin:/usr/sbin:/sbin",
		"GORACE=atexit_sleep_ms=0",
		"ACCOUNT_HOME="+u.HomeDir,
		"HOST="+host,
		"FRONT="+testbin.Path(t, testbin.Front),
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gets with HOME unset: %v\n%s", err, out)
	}
	var keys []string
	for _, c := range fake.Calls() {
		if c.Service == fakeaws.ServiceECR {
			keys = append(keys, c.AccessKeyID)
		}
	}
	if want := "AKIDFIRSTIDENTITY1 AKIDSECONDIDENTITY"; strings.Join(keys, " ") != want {
		t.Errorf("ECR calls signed with %q; want %q: one fetch per identity, the second after the edit", keys, want)
	}
}
