package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want []Mapping
	}{
		{"empty", "", nil},
		{"comments only", "# nothing yet\n\n", nil},
		{
			"issue example",
			`[[registry]]
match = "111122223333"                      # a 12-digit account id ...
profile = "prod"

[[registry]]
match = "*.dkr.ecr.eu-west-1.amazonaws.com"
profile = "dev"
role_arn = "arn:aws:iam::444455556666:role/ecr-pull"
external_id = "example-id"
role_session_name = "ci-puller"

[[registry]]
match = "registry.example.com"
ecr = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
profile = "prod"
`,
			[]Mapping{
				{Line: 1, Match: "111122223333", Profile: "prod"},
				{Line: 5, Match: "*.dkr.ecr.eu-west-1.amazonaws.com", Profile: "dev", RoleARN: "arn:aws:iam::444455556666:role/ecr-pull", ExternalID: "example-id", RoleSessionName: "ci-puller"},
				{Line: 12, Match: "registry.example.com", ECR: "111122223333.dkr.ecr.us-east-1.amazonaws.com", Profile: "prod"},
			},
		},
		{
			"case folded, literal strings, CRLF",
			"[[registry]]\r\nmatch = 'Registry.Example.COM'\r\necr = '111122223333.DKR.ecr.us-east-1.amazonaws.com'\r\n",
			[]Mapping{{Line: 1, Match: "registry.example.com", ECR: "111122223333.dkr.ecr.us-east-1.amazonaws.com"}},
		},
		{
			"mfa serials and role paths",
			`[[registry]]
match = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
role_arn = "arn:aws-cn:iam::111122223333:role/team/ci/ecr-admin"
mfa_serial = "arn:aws-cn:iam::111122223333:mfa/alice"
[[registry]]
match = "*.dkr-ecr-fips.*.on.aws"
profile = "hw"
mfa_serial = "GAHT12345678"
`,
			[]Mapping{
				{Line: 1, Match: "111122223333.dkr.ecr.us-west-2.amazonaws.com", RoleARN: "arn:aws-cn:iam::111122223333:role/team/ci/ecr-admin", MFASerial: "arn:aws-cn:iam::111122223333:mfa/alice"},
				{Line: 5, Match: "*.dkr-ecr-fips.*.on.aws", Profile: "hw", MFASerial: "GAHT12345678"},
			},
		},
		{
			"alias globs and ECR Public",
			`[[registry]]
match = "*.mirror.example.com"
ecr = "public.ecr.aws"
[[registry]]
match = "public.ecr.aws"
profile = "public"
[[registry]]
match = "111122223333.dkr.ecr.*.amazonaws.com.cn"
profile = "china"
`,
			[]Mapping{
				{Line: 1, Match: "*.mirror.example.com", ECR: "public.ecr.aws"},
				{Line: 4, Match: "public.ecr.aws", Profile: "public"},
				{Line: 7, Match: "111122223333.dkr.ecr.*.amazonaws.com.cn", Profile: "china"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("config.toml", []byte(tc.data))
			if err != nil {
				t.Fatalf("Parse = %v, want no error", err)
			}
			if got := f.Mappings(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse mappings =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	const ok = "[[registry]]\nmatch = \"111122223333\"\n"
	for _, tc := range []struct {
		name string
		data string
		line int
		key  string
		msg  string // a part of the message
	}{
		{"syntax", ok + "profile = \"prod\n", 3, "", "syntax error"},
		{"syntax late", ok + "\n\n[[registry]\n", 5, "", "syntax error"},
		{"unknown key", ok + "profil = \"prod\"\n", 3, "profil", "unknown key"},
		{"unknown non-string key", ok + "retries = 3\n", 3, "retries", "unknown key"},
		{"dotted key", ok + "profile.name = \"x\"\n", 3, "profile.name", "unknown key"},
		{"quoted key with a newline", ok + "\"a\\nb\" = \"x\"\n", 3, "a\nb", "unknown key"},
		{"key outside", "profile = \"prod\"\n" + ok, 1, "profile", "outside"},
		{"unknown table", ok + "[[registries]]\n", 3, "registries", "unknown table"},
		{"single brackets", "\n[registry]\nmatch = \"111122223333\"\n", 2, "registry", "double brackets"},
		{"not a string", ok + "profile = 7\n", 3, "profile", "must be a string"},
		{"twice", ok + "profile = \"a\"\nprofile = \"b\"\n", 4, "profile", "set twice"},
		{"missing match", ok + "\n[[registry]]\nprofile = \"x\"\n", 4, "match", "missing"},
		{"empty match", "[[registry]]\nmatch = \"\"\n", 2, "match", "empty"},
		{"url match", "[[registry]]\nmatch = \"https://registry.example.com\"\n", 2, "match", "not a host"},
		{"port match", "[[registry]]\nmatch = \"registry.example.com:5000\"\n", 2, "match", "not a host"},
		{"partial star", "[[registry]]\nmatch = \"11112222*.dkr.ecr.us-east-1.amazonaws.com\"\n", 2, "match", "whole label"},
		{"star tld", "[[registry]]\nmatch = \"*.com\"\necr = \"public.ecr.aws\"\n", 2, "match", "last two labels"},
		{"star suffix", "[[registry]]\nmatch = \"registry.example.*\"\necr = \"public.ecr.aws\"\n", 2, "match", "last two labels"},
		{"empty label", "[[registry]]\nmatch = \"registry..example.com\"\n", 2, "match", "empty label"},
		{"alias without ecr", "[[registry]]\nmatch = \"registry.example.com\"\nprofile = \"x\"\n", 2, "match", "alias needs ecr"},
		{"glob that is not ECR's", "[[registry]]\nmatch = \"*.dkr.ecr.us-east-1.example.com\"\n", 2, "match", "does not match ECR hosts"},
		{"star in the service", "[[registry]]\nmatch = \"111122223333.*.ecr.us-east-1.amazonaws.com\"\n", 2, "match", "does not match ECR hosts"},
		{"ecr on an ECR name", ok + "ecr = \"111122223333.dkr.ecr.us-east-1.amazonaws.com\"\n", 3, "ecr", "only an alias"},
		{"ecr not ECR", "[[registry]]\nmatch = \"registry.example.com\"\necr = \"registry.example.org\"\n", 3, "ecr", "not an ECR registry host"},
		{"ecr wrong partition", "[[registry]]\nmatch = \"registry.example.com\"\necr = \"111122223333.dkr.ecr.cn-north-1.amazonaws.com\"\n", 3, "ecr", "not an ECR registry host"},
		{"ecr with a path", "[[registry]]\nmatch = \"registry.example.com\"\necr = \"https://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2\"\n", 3, "ecr", "bare host"},
		{"role arn user", ok + "role_arn = \"arn:aws:iam::111122223333:user/bob\"\n", 3, "role_arn", "not a role ARN"},
		{"role arn account", ok + "role_arn = \"arn:aws:iam::1111:role/x\"\n", 3, "role_arn", "not a role ARN"},
		{"role arn partition", ok + "role_arn = \"arn:aws-mars:iam::111122223333:role/x\"\n", 3, "role_arn", "not a role ARN"},
		{"role arn region", ok + "role_arn = \"arn:aws:iam:us-east-1:111122223333:role/x\"\n", 3, "role_arn", "not a role ARN"},
		{"role arn empty name", ok + "role_arn = \"arn:aws:iam::111122223333:role/\"\n", 3, "role_arn", "not a role ARN"},
		{"role arn empty path segment", ok + "role_arn = \"arn:aws:iam::111122223333:role//x\"\n", 3, "role_arn", "not a role ARN"},
		{"mfa arn role", ok + "profile = \"p\"\nmfa_serial = \"arn:aws:iam::111122223333:role/x\"\n", 4, "mfa_serial", "MFA device ARN"},
		{"mfa short serial", ok + "profile = \"p\"\nmfa_serial = \"GAHT1\"\n", 4, "mfa_serial", "MFA device ARN"},
		{"mfa without role", ok + "mfa_serial = \"GAHT12345678\"\n", 3, "mfa_serial", "no role to assume"},
		{"external id chars", ok + "role_arn = \"arn:aws:iam::111122223333:role/x\"\nexternal_id = \"a b\"\n", 4, "external_id", "not an external ID"},
		{"session name long", ok + "role_arn = \"arn:aws:iam::111122223333:role/x\"\nrole_session_name = \"" + strings.Repeat("s", 65) + "\"\n", 4, "role_session_name", "not a role session name"},
		{"profile blank", ok + "profile = \" prod\"\n", 3, "profile", "not a profile name"},
		{"profile control", ok + "profile = \"pr\\u0007od\"\n", 3, "profile", "not a profile name"},
		{"not utf-8", ok + "# \xff\n", 3, "", "UTF-8"},
		{"too large", strings.Repeat("#", MaxSize+1), 0, "", "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("/etc/x/config.toml", []byte(tc.data))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, %v, want an *Error", f, err)
			}
			if e.Path != "/etc/x/config.toml" || e.Line != tc.line || e.Key != tc.key || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Parse error = {%q %d %q %q}, want {%q %d %q ...%q...}", e.Path, e.Line, e.Key, e.Message, "/etc/x/config.toml", tc.line, tc.key, tc.msg)
			}
			if s := err.Error(); strings.ContainsAny(s, "\r\n") {
				t.Errorf("Parse error %q spans lines, want one", s)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Path: "c.toml", Line: 3, Key: "role_arn", Message: "bad"}, "c.toml:3: role_arn: bad"},
		{Error{Path: "c.toml", Line: 3, Message: "syntax error: x"}, "c.toml:3: syntax error: x"},
		{Error{Path: "c.toml", Message: "file is larger than 1 MiB"}, "c.toml: file is larger than 1 MiB"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("(%+v).Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "absent.toml")
		f, err := Load(path)
		if err != nil || f == nil || f.Path != path || len(f.Mappings()) != 0 {
			t.Errorf("Load(%q) = %+v, %v, want an empty File", path, f, err)
		}
	})
	t.Run("no path", func(t *testing.T) {
		f, err := Load("")
		if err != nil || f == nil || len(f.Mappings()) != 0 {
			t.Errorf("Load(\"\") = %+v, %v, want an empty File", f, err)
		}
	})
	t.Run("present", func(t *testing.T) {
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, []byte("[[registry]]\nmatch = \"111122223333\"\nprofile = \"prod\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(path)
		want := []Mapping{{Line: 1, Match: "111122223333", Profile: "prod"}}
		if err != nil || !reflect.DeepEqual(f.Mappings(), want) {
			t.Errorf("Load(%q) = %+v, %v, want %+v", path, f.Mappings(), err, want)
		}
	})
	t.Run("bad", func(t *testing.T) {
		path := filepath.Join(dir, "bad.toml")
		if err := os.WriteFile(path, []byte("[[registry]]\nmatch = 1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if want := path + ":2: match: must be a string, not a number"; err == nil || err.Error() != want {
			t.Errorf("Load(%q) error = %v, want %s", path, err, want)
		}
	})
	t.Run("a directory", func(t *testing.T) {
		_, err := Load(dir)
		if err == nil {
			t.Errorf("Load(%q) of a directory: no error, want one", dir)
		}
	})
	t.Run("fifty", func(t *testing.T) {
		f, err := Load(filepath.Join("testdata", "config50.toml"))
		if err != nil || len(f.Mappings()) != 50 {
			t.Errorf("Load(testdata/config50.toml) = %d mappings, %v, want 50", len(f.Mappings()), err)
		}
	})
}

// TestREADMEExample parses the worked example in the README, so that the
// documentation cannot drift from what the parser accepts.
func TestREADMEExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Per-registry profiles, roles and aliases\n")
	_, block, ok2 := strings.Cut(section, "```toml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no ```toml block under ## Per-registry profiles, roles and aliases")
	}
	f, err := Parse("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	for serverURL, profile := range map[string]string{
		"111122223333.dkr.ecr.ap-south-1.amazonaws.com": "prod",
		"555566667777.dkr.ecr.eu-west-1.amazonaws.com":  "dev",
		"registry.example.com":                          "prod",
		"777788889999.dkr.ecr.us-west-2.amazonaws.com":  "alice",
	} {
		if _, sel, err := f.Resolve(serverURL); err != nil || sel.Profile != profile {
			t.Errorf("README example: Resolve(%q) = %+v, %v, want profile %q", serverURL, sel, err, profile)
		}
	}
	const bad = "[[registry]]\nmatch = \"111122223333\"\nrole_arn = \"arn:aws:iam::4444:role/x\"\n"
	_, err = Parse("~/.config/ecrlogin/config.toml", []byte(strings.Replace(bad, "\n", "\n\n\n\n\n\n\n\n\n\n", 1)))
	if want := `~/.config/ecrlogin/config.toml:12: role_arn: "arn:aws:iam::4444:role/x" is not a role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)`; err == nil || err.Error() != want || !strings.Contains(section, want) {
		t.Errorf("the README's error example: Parse gives %v, want %s, quoted in the README", err, want)
	}
}
