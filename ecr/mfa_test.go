package ecr

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNeedsMFA(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte(`# a comment
[default]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::444455556666:role/admin
source_profile = base
MFA_Serial = arn:aws:iam::111122223333:mfa/alice

[profile chained]
role_arn = arn:aws:iam::444455556666:role/deploy
source_profile = admin

[profile plain]
role_arn = arn:aws:iam::444455556666:role/deploy
source_profile = base

[profile loop]
source_profile = loop2
[profile loop2]
source_profile = loop

[sso-session corp]
mfa_serial = not-a-profile
[corp]
mfa_serial = not-a-profile-either
`), 0o600); err != nil {
		t.Fatal(err)
	}
	envKeys := map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}
	tests := []struct {
		name string
		env  map[string]string
		sel  Selection
		want bool
	}{
		{"mapping's serial", envKeys, Selection{RoleARN: "arn:aws:iam::444455556666:role/x", MFASerial: "arn:aws:iam::111122223333:mfa/alice"}, true},
		{"mapped profile", nil, Selection{Profile: "admin"}, true},
		{"mapped profile beats env keys", envKeys, Selection{Profile: "admin"}, true},
		{"source_profile chain", nil, Selection{Profile: "chained"}, true},
		{"AWS_PROFILE", map[string]string{"AWS_PROFILE": "admin"}, Selection{}, true},
		{"AWS_DEFAULT_PROFILE", map[string]string{"AWS_DEFAULT_PROFILE": "chained"}, Selection{}, true},
		{"env keys beat AWS_PROFILE", map[string]string{"AWS_PROFILE": "admin", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"}, Selection{}, false},
		{"role without MFA", nil, Selection{Profile: "plain"}, false},
		{"default", nil, Selection{}, false},
		{"unknown profile", nil, Selection{Profile: "nope"}, false},
		{"source_profile loop", nil, Selection{Profile: "loop"}, false},
		{"not a profile section", nil, Selection{Profile: "corp"}, false},
		{"service account", nil, Selection{Profile: "admin", ServiceAccount: "ns/sa/uid"}, false},
		{"no config file", map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "absent")}, Selection{Profile: "admin"}, false},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if v, ok := tt.env[k]; ok {
				return v
			}
			if k == "AWS_CONFIG_FILE" {
				return config
			}
			return ""
		}
		if got := needsMFA(getenv, func() string { return dir }, tt.sel); got != tt.want {
			t.Errorf("%s: NeedsMFA(%+v) = %t, want %t", tt.name, tt.sel, got, tt.want)
		}
	}

	// Without AWS_CONFIG_FILE the file is the SDK's: HOME/.aws/config.
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(config, filepath.Join(dir, ".aws", "config")); err != nil {
		t.Fatal(err)
	}
	if !needsMFA(func(string) string { return "" }, func() string { return dir }, Selection{Profile: "admin"}) {
		t.Errorf("NeedsMFA did not find HOME/.aws/config")
	}
}

// TestWithDeadlineAtLeast: the later deadline wins, the parent's passing
// does not end the copy, the parent's cancellation does.
func TestWithDeadlineAtLeast(t *testing.T) {
	parent, cancelParent := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelParent()
	at := time.Now().Add(time.Minute)
	ctx, cancel := WithDeadlineAtLeast(parent, at)
	defer cancel()
	if d, _ := ctx.Deadline(); !d.Equal(at) {
		t.Errorf("deadline = %v, want %v", d, at)
	}
	<-parent.Done()
	time.Sleep(20 * time.Millisecond) // AfterFunc runs in its own goroutine
	if ctx.Err() != nil {
		t.Fatalf("the copy ended with the parent's deadline: %v", ctx.Err())
	}

	parent2, cancelParent2 := context.WithTimeout(context.Background(), time.Hour)
	ctx2, cancel2 := WithDeadlineAtLeast(parent2, time.Now().Add(time.Minute))
	defer cancel2()
	if d, _ := ctx2.Deadline(); time.Until(d) < 59*time.Minute {
		t.Errorf("deadline = %v, want the parent's, an hour away", d)
	}
	cancelParent2()
	if !errors.Is(ctx2.Err(), context.Canceled) {
		t.Errorf("after the parent's cancel: %v, want context.Canceled", ctx2.Err())
	}

	parent3, cancelParent3 := context.WithTimeout(context.Background(), 10*time.Second)
	ctx3, cancel3 := WithDeadlineAtLeast(parent3, time.Now().Add(time.Minute))
	defer cancel3()
	cancelParent3()
	select {
	case <-ctx3.Done():
	case <-time.After(5 * time.Second):
		t.Errorf("the parent's cancel did not end the copy")
	}
}
