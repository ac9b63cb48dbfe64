package ecr_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// referenceFingerprint is the identity fingerprint as first written, with
// fmt. ResolveIdentity frames its input by hand for speed; the two must
// agree byte for byte, or every cache entry would miss after an upgrade.
func referenceFingerprint(getenv func(string) string, sel ecr.Selection, names []string) string {
	h := sha256.New()
	field := func(name, value string) {
		fmt.Fprintf(h, "%s=%d:%s\n", name, len(value), value)
	}
	field("selection.profile", sel.Profile)
	for _, name := range names {
		field(name, getenv(name))
	}
	home := sdkHome(getenv)
	for _, f := range []struct{ env, def string }{
		{"AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config")},
		{"AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials")},
	} {
		path := getenv(f.env)
		if path == "" {
			path = f.def
		}
		fmt.Fprintf(h, "file=%d:%s\n", len(path), path)
		file, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(h, "absent\n")
			continue
		}
		n, _ := io.Copy(h, io.LimitReader(file, 1<<20))
		file.Close()
		fmt.Fprintf(h, "\nsize=%d\n", n)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sdkHome is the AWS SDK's home-directory rule, written with the calls the
// SDK makes (os.UserHomeDir, then os/user), as the environment getenv
// describes is the process's.
func sdkHome(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		if h := getenv("USERPROFILE"); h != "" {
			return h
		}
	} else if h := getenv("HOME"); h != "" {
		return h
	}
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return ""
}

// setEnv makes env the process's identity environment: every variable
// the fingerprint reads, and HOME and USERPROFILE, set to env's value or
// to empty.
func setEnv(t *testing.T, env map[string]string) {
	for _, k := range append([]string{"HOME", "USERPROFILE", "AWS_SECRET_ACCESS_KEY"}, identityNames...) {
		t.Setenv(k, env[k])
	}
}

// identityNames is the list of variables the fingerprint covers, in order;
// keep it in step with identityEnv.
var identityNames = []string{
	"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_EC2_METADATA_DISABLED",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	"AWS_SDK_LOAD_CONFIG", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECR",
	"AWS_ENDPOINT_URL_ECR_PUBLIC", "AWS_ENDPOINT_URL_STS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
}

func TestFingerprintStable(t *testing.T) {
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.Mkdir(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(home, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := write("small", "[default]\nregion = us-east-1\n")
	empty := write("empty", "")
	big := write("big", strings.Repeat("# comment line of some length\n", 600)) // several reads
	huge := write("huge", strings.Repeat("x", 1<<20+100))                       // past the limit
	write(".aws/config", "[profile prod]\nrole_arn = arn:aws:iam::111122223333:role/r\n")

	tests := []struct {
		name string
		env  map[string]string
		sel  ecr.Selection
	}{
		{"nothing", map[string]string{}, ecr.Selection{}},
		{"home defaults", map[string]string{"HOME": home, "AWS_PROFILE": "prod"}, ecr.Selection{}},
		{"userprofile", map[string]string{"USERPROFILE": home}, ecr.Selection{Profile: "prod"}},
		{"env keys, absent files", map[string]string{
			"HOME": home, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
			"AWS_CONFIG_FILE": filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none2"),
		}, ecr.Selection{}},
		{"small and empty", map[string]string{"AWS_CONFIG_FILE": small, "AWS_SHARED_CREDENTIALS_FILE": empty}, ecr.Selection{}},
		{"big and huge", map[string]string{"AWS_CONFIG_FILE": big, "AWS_SHARED_CREDENTIALS_FILE": huge}, ecr.Selection{}},
		{"directory", map[string]string{"AWS_CONFIG_FILE": aws, "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:1"}, ecr.Selection{}},
		{"unicode values", map[string]string{"HOME": home, "AWS_ROLE_SESSION_NAME": "sesión\n=:"}, ecr.Selection{Profile: "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			setEnv(t, tt.env)
			got := ecr.ResolveIdentity(tt.sel).Fingerprint
			if want := referenceFingerprint(getenv, tt.sel, identityNames); got != want {
				t.Errorf("ResolveIdentity(%v, %+v).Fingerprint = %s, want %s", tt.env, tt.sel, got, want)
			}
		})
	}
}
