package cache

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestDir(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("test paths are unix paths")
	}
	tests := []struct {
		name        string
		env         map[string]string
		wantDir     string
		wantEnabled bool
	}{
		{"home default", map[string]string{"HOME": "/home/u"}, "/home/u/.cache/ecrlogin", true},
		{"xdg beats home", map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"}, "/xdg/ecrlogin", true},
		{"relative xdg ignored", map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "xdg"}, "/home/u/.cache/ecrlogin", true},
		{"aws dir beats xdg", map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg", "AWS_ECR_CACHE_DIR": "/aws"}, "/aws", true},
		{"ecrlogin dir beats aws dir", map[string]string{"HOME": "/home/u", "AWS_ECR_CACHE_DIR": "/aws", "ECRLOGIN_CACHE_DIR": "/mine"}, "/mine", true},
		{"explicit dir cleaned", map[string]string{"ECRLOGIN_CACHE_DIR": "/a/b/../c/"}, "/a/c", true},
		{"explicit dir without home", map[string]string{"AWS_ECR_CACHE_DIR": "/aws"}, "/aws", true},
		{"xdg without home", map[string]string{"XDG_CACHE_HOME": "/xdg"}, "/xdg/ecrlogin", true},
		{"tilde in aws dir", map[string]string{"HOME": "/home/u", "AWS_ECR_CACHE_DIR": "~/.ecr"}, "/home/u/.ecr", true},
		{"tilde alone", map[string]string{"HOME": "/home/u", "ECRLOGIN_CACHE_DIR": "~"}, "/home/u", true},
		{"tilde without home", map[string]string{"AWS_ECR_CACHE_DIR": "~/.ecr"}, "", false},
		{"tilde user unsupported", map[string]string{"HOME": "/home/u", "AWS_ECR_CACHE_DIR": "~bob/.ecr"}, "", false},
		{"relative explicit dir", map[string]string{"HOME": "/home/u", "ECRLOGIN_CACHE_DIR": "cache"}, "", false},
		{"nothing set, no account home", map[string]string{}, "", false},
		{"relative home", map[string]string{"HOME": "home"}, "", false},

		{"no cache 1", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "1"}, "", false},
		{"no cache true", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "true"}, "", false},
		{"no cache yes", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "yes"}, "", false},
		{"no cache 0", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "0"}, "/home/u/.cache/ecrlogin", true},
		{"no cache false", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "false"}, "/home/u/.cache/ecrlogin", true},
		{"no cache FALSE", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "FALSE"}, "/home/u/.cache/ecrlogin", true},
		{"no cache empty", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": ""}, "/home/u/.cache/ecrlogin", true},
		{"aws disable 1", map[string]string{"HOME": "/home/u", "AWS_ECR_DISABLE_CACHE": "1"}, "", false},
		{"aws disable true", map[string]string{"HOME": "/home/u", "AWS_ECR_DISABLE_CACHE": "true"}, "", false},
		{"aws disable false", map[string]string{"HOME": "/home/u", "AWS_ECR_DISABLE_CACHE": "false"}, "/home/u/.cache/ecrlogin", true},
		{"disable beats explicit dir", map[string]string{"ECRLOGIN_CACHE_DIR": "/mine", "AWS_ECR_DISABLE_CACHE": "1"}, "", false},
		{"either disable wins", map[string]string{"HOME": "/home/u", "ECRLOGIN_NO_CACHE": "0", "AWS_ECR_DISABLE_CACHE": "1"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			// The home rule of package homedir, with no account database.
			sys := system{goos: "linux", home: func() string { return tt.env["HOME"] }}
			dir, enabled := dirFor(getenv, sys)
			if dir != filepath.FromSlash(tt.wantDir) || enabled != tt.wantEnabled {
				t.Errorf("Dir(%v) = %q, %v; want %q, %v", tt.env, dir, enabled, tt.wantDir, tt.wantEnabled)
			}
		})
	}
}

// TestDirBySystem covers the per-system defaults and the rule for a
// missing HOME: the account database's home (the SDK's rule), or for root
// /var/cache/ecrlogin, as on a kubelet's node.
func TestDirBySystem(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("test paths are unix paths")
	}
	tests := []struct {
		name    string
		sys     system
		env     map[string]string
		wantDir string
	}{
		{"linux user", system{goos: "linux"}, map[string]string{"HOME": "/home/u"}, "/home/u/.cache/ecrlogin"},
		{"linux user without HOME", system{goos: "linux"}, map[string]string{}, "/acct/.cache/ecrlogin"},
		{"linux root without HOME", system{goos: "linux", root: true}, map[string]string{}, "/var/cache/ecrlogin"},
		{"linux root with HOME", system{goos: "linux", root: true}, map[string]string{"HOME": "/root"}, "/root/.cache/ecrlogin"},
		{"linux root without HOME, explicit dir", system{goos: "linux", root: true}, map[string]string{"ECRLOGIN_CACHE_DIR": "/c"}, "/c"},
		{"linux root without HOME, xdg", system{goos: "linux", root: true}, map[string]string{"XDG_CACHE_HOME": "/x"}, "/x/ecrlogin"},
		{"tilde without HOME", system{goos: "linux"}, map[string]string{"ECRLOGIN_CACHE_DIR": "~/c"}, "/acct/c"},
		{"macos", system{goos: "darwin"}, map[string]string{"HOME": "/Users/u"}, "/Users/u/Library/Caches/ecrlogin"},
		{"macos xdg", system{goos: "darwin"}, map[string]string{"HOME": "/Users/u", "XDG_CACHE_HOME": "/x"}, "/x/ecrlogin"},
		{"windows", system{goos: "windows"}, map[string]string{"LocalAppData": "/AppData/Local"}, "/AppData/Local/ecrlogin"},
		{"windows without LocalAppData", system{goos: "windows"}, map[string]string{}, ""},
		{"windows explicit", system{goos: "windows"}, map[string]string{"ECRLOGIN_CACHE_DIR": "/c"}, "/c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			tt.sys.home = func() string {
				if h := tt.env["HOME"]; h != "" {
					return h
				}
				return "/acct"
			}
			dir, enabled := dirFor(getenv, tt.sys)
			if dir != tt.wantDir || enabled != (tt.wantDir != "") {
				t.Errorf("Dir(%v) on %+v = %q, %v; want %q", tt.env, tt.sys, dir, enabled, tt.wantDir)
			}
		})
	}
}
