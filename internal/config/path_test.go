package config

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// abs makes a slash path absolute on this platform: /x is C:\x on Windows.
func abs(p string) string {
	if runtime.GOOS == "windows" && strings.HasPrefix(p, "/") {
		p = "C:" + p
	}
	return filepath.FromSlash(p)
}

func TestPath(t *testing.T) {
	home := abs("/home/me")
	for _, tc := range []struct {
		name string
		goos string
		env  map[string]string
		home string
		want string
	}{
		{"explicit", "linux", map[string]string{"ECRLOGIN_CONFIG": "/etc/ecrlogin.toml", "XDG_CONFIG_HOME": "/xdg"}, home, "/etc/ecrlogin.toml"},
		{"explicit relative", "linux", map[string]string{"ECRLOGIN_CONFIG": "ecrlogin.toml"}, home, "ecrlogin.toml"},
		{"xdg", "linux", map[string]string{"XDG_CONFIG_HOME": "/xdg"}, home, "/xdg/ecrlogin/config.toml"},
		{"xdg relative ignored", "linux", map[string]string{"XDG_CONFIG_HOME": "xdg"}, home, "/home/me/.config/ecrlogin/config.toml"},
		{"xdg on darwin", "darwin", map[string]string{"XDG_CONFIG_HOME": "/xdg"}, home, "/xdg/ecrlogin/config.toml"},
		{"linux", "linux", nil, home, "/home/me/.config/ecrlogin/config.toml"},
		{"freebsd", "freebsd", nil, home, "/home/me/.config/ecrlogin/config.toml"},
		{"darwin", "darwin", nil, home, "/home/me/Library/Application Support/ecrlogin/config.toml"},
		{"windows AppData", "windows", map[string]string{"AppData": "/users/me/appdata/roaming"}, home, "/users/me/appdata/roaming/ecrlogin/config.toml"},
		{"windows no AppData", "windows", nil, home, "/home/me/AppData/Roaming/ecrlogin/config.toml"},
		{"no home", "linux", nil, "", ""},
		{"relative home", "linux", nil, "me", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if v := tc.env[k]; strings.HasPrefix(v, "/") {
					return abs(v)
				}
				return tc.env[k]
			}
			got := path(tc.goos, getenv, func() string { return tc.home })
			want := tc.want
			if want != "" && want != "ecrlogin.toml" {
				want = abs(want)
			}
			if got != want {
				t.Errorf("path(%s, %v, home %q) = %q, want %q", tc.goos, tc.env, tc.home, got, want)
			}
		})
	}
}

func TestPathUsesHomedir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("AppData", "")
	getenv := func(string) string { return "" }
	if got := Path(getenv); !filepath.IsAbs(got) || got[:len(home)] != home {
		t.Errorf("Path with HOME=%s = %q, want a file under it", home, got)
	}
}
