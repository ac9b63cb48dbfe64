package dockerconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// TestEditGolden runs each testdata/edit/*.txtar: config.json (absent:
// no file) edited to map the hosts in "hosts" to ecrlogin (with "migrate":
// --migrate) must become want.json (absent: stay byte for byte, and not be
// written), with the changes listed in "changes".
func TestEditGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/edit/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]string{}
			for _, f := range ar.Files {
				sections[f.Name] = string(f.Data)
			}
			path := filepath.Join(t.TempDir(), FileName)
			in, hasIn := sections["config.json"]
			if hasIn {
				if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, migrate := sections["migrate"]
			e := Edit{Hosts: strings.Fields(sections["hosts"]), Migrate: migrate}

			res, err := Update(context.Background(), path, e, false)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			var changes []string
			for _, c := range res.Changes {
				changes = append(changes, c.String())
			}
			if got, want := strings.Join(changes, "\n"), strings.TrimSpace(sections["changes"]); got != want {
				t.Errorf("changes:\n%s\nwant:\n%s", got, want)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, changed := sections["want.json"]
			if !changed {
				want = in
			}
			// Docker writes no final newline; txtar sections have one.
			if changed {
				want = strings.TrimSuffix(want, "\n")
			}
			if string(got) != want {
				t.Errorf("config.json =\n%s\nwant:\n%s", got, want)
			}
			if res.Written != changed {
				t.Errorf("Written = %v, want %v", res.Written, changed)
			}
			if hasIn {
				checkKept(t, []byte(in), got, e)
			}
			checkOnlyConfig(t, filepath.Dir(path))

			// A second run is a no-op.
			res, err = Update(context.Background(), path, e, false)
			if err != nil || len(res.Changes) != 0 || res.Written {
				t.Errorf("second Update = %+v, %v; want no changes", res, err)
			}
			again, _ := os.ReadFile(path)
			if !bytes.Equal(again, got) {
				t.Errorf("second Update rewrote the file:\n%s", again)
			}
		})
	}
}

// checkKept fails unless every top-level key of before other than
// credHelpers and credsStore has the same decoded value in after, after
// is a JSON object, and credHelpers entries not named by e (nor the
// incumbent's, under migrate) are unchanged.
func checkKept(t testing.TB, before, after []byte, e Edit) {
	t.Helper()
	if err := keptError(before, after, e); err != nil {
		t.Error(err)
	}
}

func keptError(before, after []byte, e Edit) error {
	var a, b map[string]any
	if len(bytes.TrimSpace(before)) > 0 {
		if err := json.Unmarshal(before, &a); err != nil {
			return fmt.Errorf("input: %v", err)
		}
	}
	if err := json.Unmarshal(after, &b); err != nil {
		return fmt.Errorf("output is not a JSON object: %v\n%s", err, after)
	}
	for k, v := range a {
		switch k {
		case keyCredHelpers:
			old, _ := v.(map[string]any)
			now, _ := b[k].(map[string]any)
			for host, name := range old {
				if owned(host, name, e) {
					continue
				}
				if !reflect.DeepEqual(now[host], name) {
					return fmt.Errorf("credHelpers[%q] = %v, want %v", host, now[host], name)
				}
			}
		case keyCredsStore:
			if e.Migrate && v == IncumbentName {
				continue
			}
			fallthrough
		default:
			if !reflect.DeepEqual(b[k], v) {
				return fmt.Errorf("key %q = %v, want %v", k, b[k], v)
			}
		}
	}
	return nil
}

// owned reports whether the edit may change the entry host → name.
func owned(host string, name any, e Edit) bool {
	reg, err := ecr.ParseHost(host)
	if err != nil {
		return false
	}
	if e.Migrate && name == IncumbentName {
		return true
	}
	for _, h := range e.Hosts {
		if r, err := ecr.ParseHost(h); err == nil && r.Host == reg.Host && host == reg.Host {
			return true
		}
	}
	return false
}

// checkOnlyConfig fails if dir holds anything but config.json: no
// temporary file, no lock file.
func checkOnlyConfig(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != FileName {
			t.Errorf("%s left behind in %s", e.Name(), dir)
		}
	}
}

func TestUpdateCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", ".docker")
	path := filepath.Join(dir, FileName)
	res, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || !strings.HasPrefix(res.Diff, "--- /dev/null\n+++ "+path+"\n@@ -0,0 +1,5 @@\n") {
		t.Errorf("Update = %+v, want a write with a diff from /dev/null", res)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %#o, want %#o", p, fi.Mode().Perm(), want)
		}
	}
	checkOnlyConfig(t, dir)
}

func TestUpdateKeepsMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	for _, mode := range []os.FileMode{0o644, 0o600, 0o640} {
		t.Run(mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(`{}`), mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, mode) // whatever the umask
			if _, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws"}}, false); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("mode after Update = %#o, want %#o", fi.Mode().Perm(), mode)
			}
		})
	}
}

func TestUpdateSymlink(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "dotfiles", "docker.json")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte(`{"auths": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, ".docker", FileName)
	os.MkdirAll(filepath.Dir(link), 0o700)
	if err := os.Symlink("../dotfiles/docker.json", link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	res, err := Update(context.Background(), link, Edit{Hosts: []string{"public.ecr.aws"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != real {
		t.Errorf("Result.Path = %q, want the target %q", res.Path, real)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("config.json is no longer a symlink: %v, %v", fi, err)
	}
	got, _ := os.ReadFile(real)
	if want := "{\n\t\"auths\": {},\n\t\"credHelpers\": {\n\t\t\"public.ecr.aws\": \"ecrlogin\"\n\t}\n}"; string(got) != want {
		t.Errorf("target =\n%s\nwant:\n%s", got, want)
	}
	checkOnlyConfig(t, filepath.Dir(link))
	if ents, _ := os.ReadDir(filepath.Dir(real)); len(ents) != 1 {
		t.Errorf("target directory holds %v, want only the target", ents)
	}
}

func TestUpdateDryRun(t *testing.T) {
	t.Run("existing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), FileName)
		in := []byte(`{"auths":{}}`)
		os.WriteFile(path, in, 0o600)
		res, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws"}}, true)
		if err != nil {
			t.Fatal(err)
		}
		want := "--- " + path + "\n+++ " + path + "\n@@ -1 +1,6 @@\n-{\"auths\":{}}\n\\ No newline at end of file\n+{\n+\t\"auths\": {},\n+\t\"credHelpers\": {\n+\t\t\"public.ecr.aws\": \"ecrlogin\"\n+\t}\n+}\n\\ No newline at end of file\n"
		if res.Written || res.Diff != want || len(res.Changes) != 1 {
			t.Errorf("dry run = %+v\ndiff:\n%s\nwant:\n%s", res, res.Diff, want)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, in) {
			t.Errorf("dry run wrote %s", got)
		}
		checkOnlyConfig(t, filepath.Dir(path))
	})
	t.Run("missing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "docker")
		res, err := Update(context.Background(), filepath.Join(dir, FileName), Edit{Hosts: []string{"public.ecr.aws"}}, true)
		if err != nil || res.Written || res.Diff == "" {
			t.Errorf("dry run = %+v, %v", res, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("dry run created %s: %v", dir, err)
		}
	})
}

func TestUpdateRefusesMalformed(t *testing.T) {
	tests := []struct {
		in        string
		line, col int
		reason    string
	}{
		{"{\n\t\"auths\": {},\n\t\"credHelpers\": {\"a\": \"b\",}\n}", 3, 27, "invalid character '}'"},
		{"{\"a\": 1", 1, 8, "unexpected end of JSON input"},
		{"{\"a\" 1}", 1, 6, "invalid character '1' after object key"},
		{"\n  [1, 2]", 2, 3, "not a JSON object"},
		{"{} {}", 1, 4, "invalid character '{' after top-level value"},
		{"{\n\"credHelpers\": {\"x\": 1}}", 2, 16, "credHelpers is not an object of strings"},
		{"{\"credHelpers\": []}", 1, 17, "credHelpers is not an object of strings"},
		{"{\"credsStore\": 3}", 1, 16, "credsStore is not a string"},
		{"{\"auths\": \"x\"}", 1, 11, "auths is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			os.WriteFile(path, []byte(tt.in), 0o600)
			_, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws"}}, false)
			var fe *FormatError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &fe) {
				t.Fatalf("Update(%q) = %v, want a FormatError", tt.in, err)
			}
			if fe.Path != path || fe.Line != tt.line || fe.Column != tt.col || !strings.Contains(fe.Reason, tt.reason) {
				t.Errorf("Update(%q) = %v, want %s:%d:%d: %s", tt.in, err, path, tt.line, tt.col, tt.reason)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.in {
				t.Errorf("malformed file changed to %q", got)
			}
			checkOnlyConfig(t, filepath.Dir(path))
		})
	}
}

func TestUpdateRefusesNotECR(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	in := []byte(`{"auths":{}}`)
	os.WriteFile(path, in, 0o600)
	_, err := Update(context.Background(), path, Edit{Hosts: []string{"public.ecr.aws", "ghcr.io"}}, false)
	if !errors.Is(err, ecr.ErrNotECR) || !strings.HasPrefix(err.Error(), "ghcr.io: ") {
		t.Errorf("Update(ghcr.io) = %v, want ErrNotECR naming the host", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, in) {
		t.Errorf("file changed to %s", got)
	}
}

func TestReaders(t *testing.T) {
	c, err := Parse([]byte(`{
		"auths": {"https://111122223333.dkr.ecr.us-east-1.amazonaws.com": {}, "docker.io": {}},
		"credsStore": "desktop",
		"credHelpers": {"b.example": "ecrlogin", "a.example": "ecrlogin", "gcr.io": "gcloud"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HostsFor(HelperName), []string{"a.example", "b.example"}; !slices.Equal(got, want) {
		t.Errorf("HostsFor(ecrlogin) = %v, want %v", got, want)
	}
	if got := c.CredsStore(); got != "desktop" {
		t.Errorf("CredsStore() = %q, want desktop", got)
	}
	if got, want := c.Auths(), []string{"docker.io", "https://111122223333.dkr.ecr.us-east-1.amazonaws.com"}; !slices.Equal(got, want) {
		t.Errorf("Auths() = %v, want %v", got, want)
	}
	if got := c.CredHelpers()["gcr.io"]; got != "gcloud" {
		t.Errorf("CredHelpers()[gcr.io] = %q, want gcloud", got)
	}

	missing, err := Load(filepath.Join(t.TempDir(), FileName))
	if err != nil || missing.Exists() || len(missing.CredHelpers()) != 0 {
		t.Errorf("Load(missing) = %+v, %v; want an empty config that does not exist", missing, err)
	}
	if _, err := Load("testdata"); err == nil || errors.Is(err, ErrMalformed) {
		t.Errorf("Load(a directory) = %v, want a read error", err)
	}
}

func TestPath(t *testing.T) {
	env := map[string]string{"DOCKER_CONFIG": "/etc/dockercfg"}
	if got, err := Path(func(k string) string { return env[k] }); err != nil || got != filepath.Join("/etc/dockercfg", FileName) {
		t.Errorf("Path(DOCKER_CONFIG=/etc/dockercfg) = %q, %v", got, err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	if got, err := Path(func(string) string { return "" }); err != nil || got != filepath.Join(home, ".docker", FileName) {
		t.Errorf("Path() = %q, %v, want under %s", got, err, home)
	}
}

// TestUpdateConcurrent runs configure in several real processes at once,
// each adding its own host: every entry must be there, in valid JSON. It
// fails without the lock (each process would write what it read).
func TestUpdateConcurrent(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file lock on windows")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path, []byte(`{"currentContext": "default"}`), 0o600)
	const n = 12
	var wg sync.WaitGroup
	hosts := make([]string, n)
	for i := range n {
		hosts[i] = fmt.Sprintf("%012d.dkr.ecr.us-east-1.amazonaws.com", 100000000000+i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+path+" "+hosts[i])
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("configure process %d: %v\n%s", i, err, out)
			}
		}()
	}
	wg.Wait()
	c, err := Load(path)
	if err != nil {
		t.Fatalf("after concurrent runs: %v", err)
	}
	if got := c.HostsFor(HelperName); !slices.Equal(got, hosts) {
		t.Errorf("after %d concurrent runs, ecrlogin hosts = %v, want %v", n, got, hosts)
	}
	checkOnlyConfig(t, filepath.Dir(path))
}
