package config

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// resolveConfig has one mapping of each kind; comments say which test
// relies on its place (first match wins).
const resolveConfig = `
[[registry]]                        # 1: one host, ahead of its account
match = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
profile = "exact"

[[registry]]                        # 2: the rest of the account, any region
match = "111122223333"
profile = "account"

[[registry]]                        # 3: any account in us-west-2
match = "*.dkr.ecr.us-west-2.amazonaws.com"
profile = "glob"
role_arn = "arn:aws:iam::444455556666:role/ecr-pull"
external_id = "example-id"
role_session_name = "ci-puller"
mfa_serial = "arn:aws:iam::444455556666:mfa/alice"

[[registry]]                        # 4: ignored, 3 comes first
match = "555566667777.dkr.ecr.us-west-2.amazonaws.com"
profile = "shadowed"

[[registry]]
match = "registry.example.com"
ecr = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
profile = "alias"

[[registry]]
match = "fips.example.com"
ecr = "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com"
profile = "gov"

[[registry]]
match = "dual.example.com"
ecr = "111122223333.dkr-ecr.eu-central-1.on.aws"

[[registry]]
match = "*.cn.example.com"
ecr = "999988887777.dkr.ecr.cn-north-1.amazonaws.com.cn"
profile = "china"

[[registry]]                        # an alias never applies to an ECR host
match = "*.dkr.ecr.us-east-1.amazonaws.com.evil.example"
ecr = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
profile = "evil"
`

func mustParse(t testing.TB, data string) *File {
	t.Helper()
	f, err := Parse("config.toml", []byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestResolve(t *testing.T) {
	f := mustParse(t, resolveConfig)
	globSel := ecr.Selection{Profile: "glob", RoleARN: "arn:aws:iam::444455556666:role/ecr-pull", ExternalID: "example-id", RoleSessionName: "ci-puller", MFASerial: "arn:aws:iam::444455556666:mfa/alice"}
	for _, tc := range []struct {
		serverURL string
		host      string // of the registry returned
		sel       ecr.Selection
		check     func(ecr.Registry) bool
	}{
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com", "111122223333.dkr.ecr.eu-west-1.amazonaws.com", ecr.Selection{Profile: "exact"}, nil},
		{"HTTPS://111122223333.DKR.ECR.EU-WEST-1.AMAZONAWS.COM/v2/", "111122223333.dkr.ecr.eu-west-1.amazonaws.com", ecr.Selection{Profile: "exact"}, nil},
		{"111122223333.dkr.ecr.ap-south-1.amazonaws.com", "111122223333.dkr.ecr.ap-south-1.amazonaws.com", ecr.Selection{Profile: "account"}, nil},
		{"111122223333.dkr-ecr.eu-west-1.on.aws", "111122223333.dkr-ecr.eu-west-1.on.aws", ecr.Selection{Profile: "account"}, nil},
		{"111122223333.dkr.ecr-fips.us-gov-east-1.amazonaws.com", "111122223333.dkr.ecr-fips.us-gov-east-1.amazonaws.com", ecr.Selection{Profile: "account"}, nil},
		{"222233334444.dkr.ecr.us-west-2.amazonaws.com", "222233334444.dkr.ecr.us-west-2.amazonaws.com", globSel, nil},
		{"555566667777.dkr.ecr.us-west-2.amazonaws.com", "555566667777.dkr.ecr.us-west-2.amazonaws.com", globSel, nil},
		// '*' is one label: a FIPS host in the region is not the glob's.
		{"222233334444.dkr.ecr-fips.us-west-2.amazonaws.com", "222233334444.dkr.ecr-fips.us-west-2.amazonaws.com", ecr.Selection{}, nil},
		{"222233334444.dkr.ecr.us-west-1.amazonaws.com", "222233334444.dkr.ecr.us-west-1.amazonaws.com", ecr.Selection{}, nil},
		{"public.ecr.aws", "public.ecr.aws", ecr.Selection{}, func(r ecr.Registry) bool { return r.Public }},
		{"https://Registry.Example.com:5000/v2/", "111122223333.dkr.ecr.us-east-1.amazonaws.com", ecr.Selection{Profile: "alias"}, func(r ecr.Registry) bool {
			return r.Account == "111122223333" && r.Region == "us-east-1" && r.Partition == "aws"
		}},
		{"fips.example.com", "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com", ecr.Selection{Profile: "gov"}, func(r ecr.Registry) bool {
			return r.FIPS && r.Partition == "aws-us-gov" && r.Region == "us-gov-west-1"
		}},
		{"dual.example.com", "111122223333.dkr-ecr.eu-central-1.on.aws", ecr.Selection{}, func(r ecr.Registry) bool { return r.DualStack && !r.FIPS }},
		{"pull.cn.example.com", "999988887777.dkr.ecr.cn-north-1.amazonaws.com.cn", ecr.Selection{Profile: "china"}, func(r ecr.Registry) bool {
			return r.Partition == "aws-cn" && r.Account == "999988887777"
		}},
	} {
		t.Run(tc.serverURL, func(t *testing.T) {
			reg, sel, err := f.Resolve(tc.serverURL)
			if err != nil || reg.Host != tc.host || sel != tc.sel {
				t.Fatalf("Resolve(%q) = %s, %+v, %v, want %s, %+v", tc.serverURL, reg, sel, err, tc.host, tc.sel)
			}
			if tc.check != nil && !tc.check(reg) {
				t.Errorf("Resolve(%q) registry = %+v, wrong flavour", tc.serverURL, reg)
			}
		})
	}
	for _, serverURL := range []string{
		"docker.io", "https://index.docker.io/v1/", "ghcr.io",
		"a.b.cn.example.com",               // '*' is one label
		"cn.example.com",                   // and not zero
		"pull.cn.example.com.evil.example", // the glob is the whole host
		"pull.cn.example",
		"example.com",          // not the alias
		"registry.example.org", // nor near it
		"user:pw@registry.example.com",
	} {
		t.Run("not ECR "+serverURL, func(t *testing.T) {
			reg, sel, err := f.Resolve(serverURL)
			if !errors.Is(err, ecr.ErrNotECR) {
				t.Errorf("Resolve(%q) = %s, %+v, %v, want an error wrapping ErrNotECR", serverURL, reg, sel, err)
			}
		})
	}
}

func TestResolveEmptyIsParseHost(t *testing.T) {
	for _, f := range []*File{nil, {}, mustParse(t, "")} {
		for _, serverURL := range []string{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "registry.example.com", ""} {
			reg, sel, err := f.Resolve(serverURL)
			want, werr := ecr.ParseHost(serverURL)
			if reg != want || sel != (ecr.Selection{}) || (err == nil) != (werr == nil) {
				t.Errorf("(%v).Resolve(%q) = %s, %+v, %v, want %s, zero, %v", f, serverURL, reg, sel, err, want, werr)
			}
		}
	}
}

// TestResolveAliasNeverShadowsECR: an alias glob that happens to match a
// real ECR host must not redirect it (to another account's registry, or
// another identity), and a glob that is an ECR name cannot be an alias.
func TestResolveAliasNeverShadowsECR(t *testing.T) {
	f := mustParse(t, `[[registry]]
match = "*.*.*.*.amazonaws.com"
ecr = "999988887777.dkr.ecr.us-east-1.amazonaws.com"
profile = "elsewhere"
`)
	const host = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	reg, sel, err := f.Resolve(host)
	if err != nil || reg.Host != host || sel != (ecr.Selection{}) {
		t.Errorf("Resolve(%q) = %s, %+v, %v, want itself, zero, nil", host, reg, sel, err)
	}
	const other = "a.b.c.d.amazonaws.com"
	if reg, _, err := f.Resolve(other); err != nil || reg.Account != "999988887777" {
		t.Errorf("Resolve(%q) = %s, %v, want the alias's registry", other, reg, err)
	}
	_, err = Parse("config.toml", []byte("[[registry]]\nmatch = \"*.dkr.ecr.us-east-1.amazonaws.com\"\necr = \""+host+"\"\n"))
	if err == nil || !strings.Contains(err.Error(), "already an ECR name") {
		t.Errorf("Parse of an ECR glob with ecr: %v, want already an ECR name", err)
	}
}

func TestResolveNotECRAllocatesNothing(t *testing.T) {
	f := mustParse(t, resolveConfig)
	for _, serverURL := range []string{"https://index.docker.io/v1/", "registry.example.org"} {
		if n := testing.AllocsPerRun(100, func() { _, _, _ = f.Resolve(serverURL) }); n != 0 {
			t.Errorf("Resolve(%q) allocates %v times, want 0", serverURL, n)
		}
	}
}

func TestExplain(t *testing.T) {
	f := mustParse(t, resolveConfig)
	for _, tc := range []struct {
		serverURL string
		index     int
		reason    string
	}{
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com", 1, "config.toml:2: mapping 1 matches the host exactly"},
		{"111122223333.dkr.ecr.ap-south-1.amazonaws.com", 2, "config.toml:6: mapping 2 matches account 111122223333"},
		{"222233334444.dkr.ecr.us-west-2.amazonaws.com", 3, `config.toml:10: mapping 3 matches glob "*.dkr.ecr.us-west-2.amazonaws.com" ('*' is one label)`},
		{"registry.example.com", 5, "mapping 5 matches the host exactly; an alias, answered as ECR registry 111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{"222233334444.dkr.ecr.us-east-2.amazonaws.com", 0, "no mapping in config.toml matches it (9 mappings): the default credential chain"},
		{"docker.io", 0, "not an ECR registry, and no alias in config.toml matches it"},
	} {
		t.Run(tc.serverURL, func(t *testing.T) {
			x := f.Explain(tc.serverURL)
			reg, sel, err := f.Resolve(tc.serverURL)
			if x.Registry != reg || x.Selection != sel || (x.Err == nil) != (err == nil) {
				t.Errorf("Explain(%q) = %s, %+v, %v, Resolve gives %s, %+v, %v", tc.serverURL, x.Registry, x.Selection, x.Err, reg, sel, err)
			}
			if x.Index != tc.index || (x.Mapping == nil) != (tc.index == 0) || !strings.Contains(x.String(), tc.reason) {
				t.Errorf("Explain(%q) = mapping %d %q, want mapping %d ...%q...", tc.serverURL, x.Index, x.Reason, tc.index, tc.reason)
			}
		})
	}
	if x := (*File)(nil).Explain("docker.io"); x.Err == nil || !strings.Contains(x.Reason, "no config file") {
		t.Errorf("nil File: Explain(docker.io) = %+v, want not ECR, no config file", x)
	}
}

// TestResolveConcurrent: a File is shared by every goroutine of a process
// (the library, ecrlogin's kubelet mode), so Resolve must be safe to call
// from several at once; run with -race.
func TestResolveConcurrent(t *testing.T) {
	f := mustParse(t, resolveConfig)
	hosts := []string{"registry.example.com", "222233334444.dkr.ecr.us-west-2.amazonaws.com", "docker.io", "111122223333.dkr.ecr.ap-south-1.amazonaws.com"}
	want := make([]ecr.Selection, len(hosts))
	for i, h := range hosts {
		_, want[i], _ = f.Resolve(h)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				h := (g + i) % len(hosts)
				if _, sel, _ := f.Resolve(hosts[h]); sel != want[h] {
					t.Errorf("concurrent Resolve(%q) = %+v, want %+v", hosts[h], sel, want[h])
					return
				}
				_ = f.Explain(hosts[h])
			}
		})
	}
	wg.Wait()
}
