package ecr

import (
	"errors"
	"strings"
	"testing"
)

// acceptedHosts are server URLs ParseHost must accept, with the registry
// each names. The fuzz target seeds from them too.
var acceptedHosts = []struct {
	in   string
	want Registry
}{
	// aws, IPv4, every decoration docker or a person may add.
	{"123456789012.dkr.ecr.us-east-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
	{"https://123456789012.dkr.ecr.us-east-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
	{"http://123456789012.dkr.ecr.us-east-1.amazonaws.com/", Registry{Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
	{"HTTPS://123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM:443/v2/", Registry{Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws"}},
	{"  https://123456789012.dkr.ecr.us-west-2.amazonaws.com/v2/my/repo/manifests/latest\n", Registry{Host: "123456789012.dkr.ecr.us-west-2.amazonaws.com", Account: "123456789012", Region: "us-west-2", Partition: "aws"}},
	{"\t000000000001.dkr.ecr.eu-central-1.amazonaws.com.:5000\r\n", Registry{Host: "000000000001.dkr.ecr.eu-central-1.amazonaws.com", Account: "000000000001", Region: "eu-central-1", Partition: "aws"}},
	{"123456789012.dkr.ecr.ap-southeast-5.amazonaws.com:1", Registry{Host: "123456789012.dkr.ecr.ap-southeast-5.amazonaws.com", Account: "123456789012", Region: "ap-southeast-5", Partition: "aws"}},
	{"123456789012.dkr.ecr.mx-central-1.amazonaws.com:65535", Registry{Host: "123456789012.dkr.ecr.mx-central-1.amazonaws.com", Account: "123456789012", Region: "mx-central-1", Partition: "aws"}},
	{"123456789012.dkr.ecr.il-central-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr.il-central-1.amazonaws.com", Account: "123456789012", Region: "il-central-1", Partition: "aws"}},
	{"123456789012.dkr.ecr.ap-northeast-3.amazonaws.com", Registry{Host: "123456789012.dkr.ecr.ap-northeast-3.amazonaws.com", Account: "123456789012", Region: "ap-northeast-3", Partition: "aws"}},
	{"123456789012.dkr.ecr.us-east-1.amazonaws.com.", Registry{Host: "123456789012.dkr.ecr.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws"}},

	// aws FIPS and dual-stack.
	{"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", Account: "123456789012", Region: "us-east-1", Partition: "aws", FIPS: true}},
	{"123456789012.dkr-ecr.us-east-1.on.aws", Registry{Host: "123456789012.dkr-ecr.us-east-1.on.aws", Account: "123456789012", Region: "us-east-1", Partition: "aws", DualStack: true}},
	{"https://123456789012.dkr-ecr-fips.us-east-2.on.aws/v2/", Registry{Host: "123456789012.dkr-ecr-fips.us-east-2.on.aws", Account: "123456789012", Region: "us-east-2", Partition: "aws", FIPS: true, DualStack: true}},

	// aws-us-gov shares the aws suffixes; the region decides.
	{"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", Account: "123456789012", Region: "us-gov-west-1", Partition: "aws-us-gov"}},
	{"123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", Registry{Host: "123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", Account: "123456789012", Region: "us-gov-east-1", Partition: "aws-us-gov", FIPS: true}},
	{"123456789012.dkr-ecr.us-gov-west-1.on.aws", Registry{Host: "123456789012.dkr-ecr.us-gov-west-1.on.aws", Account: "123456789012", Region: "us-gov-west-1", Partition: "aws-us-gov", DualStack: true}},
	{"123456789012.dkr-ecr-fips.us-gov-west-1.on.aws", Registry{Host: "123456789012.dkr-ecr-fips.us-gov-west-1.on.aws", Account: "123456789012", Region: "us-gov-west-1", Partition: "aws-us-gov", FIPS: true, DualStack: true}},

	// aws-cn.
	{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", Registry{Host: "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", Account: "123456789012", Region: "cn-north-1", Partition: "aws-cn"}},
	{"https://123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn:443/v2/", Registry{Host: "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn", Account: "123456789012", Region: "cn-northwest-1", Partition: "aws-cn"}},
	{"123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", Registry{Host: "123456789012.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", Account: "123456789012", Region: "cn-north-1", Partition: "aws-cn", DualStack: true}},

	// aws-eusc.
	{"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", Registry{Host: "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", Account: "123456789012", Region: "eusc-de-east-1", Partition: "aws-eusc"}},

	// The isolated partitions.
	{"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", Registry{Host: "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", Account: "123456789012", Region: "us-iso-east-1", Partition: "aws-iso"}},
	{"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", Registry{Host: "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", Account: "123456789012", Region: "us-isob-east-1", Partition: "aws-iso-b"}},
	{"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", Registry{Host: "123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", Account: "123456789012", Region: "eu-isoe-west-1", Partition: "aws-iso-e"}},
	{"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", Registry{Host: "123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", Account: "123456789012", Region: "us-isof-south-1", Partition: "aws-iso-f"}},

	// ECR Public.
	{"public.ecr.aws", Registry{Host: "public.ecr.aws", Region: "us-east-1", Partition: "aws", Public: true}},
	{"https://public.ecr.aws/v2/", Registry{Host: "public.ecr.aws", Region: "us-east-1", Partition: "aws", Public: true}},
	{"Public.ECR.aws.:443/my-alias/my-repo", Registry{Host: "public.ecr.aws", Region: "us-east-1", Partition: "aws", Public: true}},
	{"ecr-public.aws.com", Registry{Host: "ecr-public.aws.com", Region: "us-east-1", Partition: "aws", Public: true, DualStack: true}},
	{"https://ECR-PUBLIC.AWS.COM/v2/", Registry{Host: "ecr-public.aws.com", Region: "us-east-1", Partition: "aws", Public: true, DualStack: true}},
}

// rejectedHosts are server URLs ParseHost must refuse: look-alikes first,
// then everything else that is malformed.
var rejectedHosts = []string{
	// Look-alikes: the real host somewhere other than the host position.
	"evil.com/123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://evil.com/123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com-evil.com",
	"123456789012.dkr.ecr.us-east-1.evilamazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.co",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com.cn.evil.com",
	"evil.com.123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"evil-123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"public.ecr.aws.evil.com",
	"evil.public.ecr.aws",
	"xpublic.ecr.aws",
	"ecr-public.aws.com.evil.com",
	"public.ecr.aws.com",

	// Userinfo, queries, fragments, backslashes.
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com@evil.com",
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com:443@evil.com/v2/",
	"https://user@123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://user:secret@123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/@evil.com",
	"https://evil.com#@123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://evil.com?@123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com#frag",
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/#frag",
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com?x=1",
	"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/?x=1",
	`https://evil.com\@123456789012.dkr.ecr.us-east-1.amazonaws.com`,
	`https://123456789012.dkr.ecr.us-east-1.amazonaws.com\evil.com`,

	// Schemes.
	"ftp://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"oci://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"httpss://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https:/123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https:123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"//123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	"https://",
	"https:///v2/",

	// Ports.
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:0",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:0443",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:65536",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:99999999999999999999",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:+443",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:-1",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:https",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:443:443",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com:443evil.com",

	// Accounts.
	"dkr.ecr.us-east-1.amazonaws.com",
	"12345678901.dkr.ecr.us-east-1.amazonaws.com",
	"1234567890123.dkr.ecr.us-east-1.amazonaws.com",
	"12345678901a.dkr.ecr.us-east-1.amazonaws.com",
	"abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com",
	".dkr.ecr.us-east-1.amazonaws.com",
	"-23456789012.dkr.ecr.us-east-1.amazonaws.com",

	// Empty labels and trailing dots.
	"123456789012..dkr.ecr.us-east-1.amazonaws.com",
	"123456789012.dkr..ecr.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr..us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1..amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws..com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com..",
	".123456789012.dkr.ecr.us-east-1.amazonaws.com",
	".",
	"..",

	// Service labels: API endpoints, crossed and misspelt forms.
	"123456789012.api.ecr.us-east-1.amazonaws.com",
	"123456789012.ecr.us-east-1.amazonaws.com",
	"api.ecr.us-east-1.amazonaws.com",
	"ecr.us-east-1.amazonaws.com",
	"123456789012.dkr-ecr.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.on.aws",
	"123456789012.dkr-ecr-fips.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr-fips.us-east-1.on.aws",
	"123456789012.dkr.ecr.fips.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr-fips-fips.us-east-1.amazonaws.com",
	"123456789012.fips.dkr.ecr.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.ecr.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.amazonaws.com",
	"123456789012.dkr.ecr.vpce.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.vpce.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.api.aws",
	"123456789012.dkr-ecr.eusc-de-east-1.amazonaws.eu",
	"123456789012.dkr-ecr.us-iso-east-1.c2s.ic.gov",

	// Regions whose shape is wrong.
	"123456789012.dkr.ecr.us.amazonaws.com",
	"123456789012.dkr.ecr.us-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east.amazonaws.com",
	"123456789012.dkr.ecr.us-east-.amazonaws.com",
	"123456789012.dkr.ecr.us-east-01.amazonaws.com",
	"123456789012.dkr.ecr.us-east-0.amazonaws.com",
	"123456789012.dkr.ecr.u-east-1.amazonaws.com",
	"123456789012.dkr.ecr.usaea-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us--east-1.amazonaws.com",
	"123456789012.dkr.ecr.-us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1-.amazonaws.com",
	"123456789012.dkr.ecr.us-east1-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1a.amazonaws.com",
	"123456789012.dkr.ecr.1-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.us-east-1.amazonaws.com",
	"123456789012.dkr.ecr.aws-global.amazonaws.com",
	"123456789012.dkr.ecr.us-" + strings.Repeat("e", 60) + "-1.amazonaws.com",

	// Regions under another partition's suffix.
	"123456789012.dkr.ecr.cn-north-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com.cn",
	"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com.cn",
	"123456789012.dkr-ecr.us-east-1.on.amazonwebservices.com.cn",
	"123456789012.dkr-ecr.cn-north-1.on.aws",
	"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.com",
	"123456789012.dkr.ecr.eu-central-1.amazonaws.eu",
	"123456789012.dkr.ecr.us-iso-east-1.amazonaws.com",
	"123456789012.dkr.ecr.us-isob-east-1.c2s.ic.gov",
	"123456789012.dkr.ecr.us-iso-east-1.sc2s.sgov.gov",
	"123456789012.dkr.ecr.us-east-1.c2s.ic.gov",
	"123456789012.dkr.ecr.us-isof-south-1.c2s.ic.gov",
	"123456789012.dkr.ecr.eu-west-1.cloud.adc-e.uk",
	"123456789012.dkr.ecr.us-isox-east-1.amazonaws.com",

	// FIPS where ECR has none.
	"123456789012.dkr.ecr-fips.cn-north-1.amazonaws.com.cn",
	"123456789012.dkr-ecr-fips.cn-north-1.on.amazonwebservices.com.cn",
	"123456789012.dkr.ecr-fips.us-iso-east-1.c2s.ic.gov",
	"123456789012.dkr.ecr-fips.eusc-de-east-1.amazonaws.eu",

	// Bare suffixes and other registries.
	"amazonaws.com",
	".amazonaws.com",
	"on.aws",
	"ecr.aws",
	"aws",
	"docker.io",
	"https://index.docker.io/v1/",
	"ghcr.io",
	"localhost:5000",
	"localhost",

	// IP addresses.
	"127.0.0.1",
	"127.0.0.1:5000",
	"https://[::1]:443/v2/",
	"[::1]",
	"::1",
	"2130706433",

	// Characters no host has.
	"",
	"   ",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com /v2/",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com\x00",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com\x00.evil.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com\x7f",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/\x1b[2J",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com\u00a0",
	"123456789012.dkr.ecr.us-east-1.amazon\u0430ws.com",  // Cyrillic a
	"123456789012.dkr.ecr.us-east-1.amazonaws.com\u3002", // ideographic full stop
	"\uff1123456789012.dkr.ecr.us-east-1.amazonaws.com",  // fullwidth digit
	"123456789012.dkr.ecr.us-east-1.xn--amazonaws-.com",
	"123456789012.dkr.ecr.us%2deast-1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws%2ecom",
	"123456789012.dkr.ecr.us_east_1.amazonaws.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com;evil.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com,evil.com",
	"123456789012.dkr.ecr.us-east-1.amazonaws.com!",
	"'123456789012.dkr.ecr.us-east-1.amazonaws.com'",
	"\"123456789012.dkr.ecr.us-east-1.amazonaws.com\"",
	"*.dkr.ecr.us-east-1.amazonaws.com",
	strings.Repeat("a.", 130) + "public.ecr.aws",
}

func TestParseHostAccepts(t *testing.T) {
	for _, tt := range acceptedHosts {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHost(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseHost(%q) = %+v, %v, want %+v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseHostRejects(t *testing.T) {
	for _, in := range rejectedHosts {
		t.Run(in, func(t *testing.T) {
			got, err := ParseHost(in)
			if !errors.Is(err, ErrNotECR) {
				t.Errorf("ParseHost(%q) = %+v, %v, want an error wrapping %v", in, got, err, ErrNotECR)
			}
			if got != (Registry{}) {
				t.Errorf("ParseHost(%q) = %+v, want the zero Registry with an error", in, got)
			}
		})
	}
}

// TestParseHostRoundTrip checks that the canonical host names the same
// registry it was read from: callers key caches and config by r.Host.
func TestParseHostRoundTrip(t *testing.T) {
	for _, tt := range acceptedHosts {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseHost(tt.in)
			if err != nil {
				t.Fatalf("ParseHost(%q) = %v, want no error", tt.in, err)
			}
			again, err := ParseHost(r.Host)
			if err != nil || again != r {
				t.Errorf("ParseHost(%q) = %+v, %v, want %+v, nil", r.Host, again, err, r)
			}
		})
	}
}

// TestParseHostErrorsKeepSecrets checks that an error never repeats the
// server URL: userinfo can hold a password, and errors end up in logs and
// in what docker prints.
func TestParseHostErrorsKeepSecrets(t *testing.T) {
	for _, in := range []string{
		"https://AKIAEXAMPLE:hunter2@123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"https://hunter2.evil.com/v2/",
		"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/?token=hunter2",
		"https://123456789012.dkr.ecr.hunter2-east-1.amazonaws.com.cn",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseHost(in)
			if err == nil {
				t.Fatalf("ParseHost(%q) = nil error, want one", in)
			}
			if msg := err.Error(); strings.Contains(msg, "hunter2") || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("ParseHost(%q) error = %q, want one line without the input", in, msg)
			}
		})
	}
}

func TestRegistryString(t *testing.T) {
	for _, tt := range acceptedHosts {
		if got := tt.want.String(); got != tt.want.Host {
			t.Errorf("Registry{Host: %q}.String() = %q, want %q", tt.want.Host, got, tt.want.Host)
		}
	}
}

// TestParseHostAllocations pins the hot-path promise: docker runs the
// helper for every pull, and a canonical host, accepted or not, costs no
// allocation. Only a host with upper-case letters pays for lowering it.
func TestParseHostAllocations(t *testing.T) {
	for _, in := range []string{
		"123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"https://123456789012.dkr-ecr-fips.us-gov-west-1.on.aws:443/v2/",
		"public.ecr.aws",
		"https://index.docker.io/v1/",
		"https://user@123456789012.dkr.ecr.us-east-1.amazonaws.com",
		"123456789012.dkr.ecr.cn-north-1.amazonaws.com",
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = ParseHost(in) }); n != 0 {
			t.Errorf("ParseHost(%q) allocates %v times, want 0", in, n)
		}
	}
}

func BenchmarkParseHost(b *testing.B) {
	for _, bb := range []struct{ name, in string }{
		{"private", "123456789012.dkr.ecr.us-east-1.amazonaws.com"},
		{"private-url", "https://123456789012.dkr-ecr-fips.us-gov-west-1.on.aws:443/v2/"},
		{"upper-case", "HTTPS://123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM/v2/"},
		{"public", "public.ecr.aws"},
		{"not-ecr", "https://index.docker.io/v1/"},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseHost(bb.in)
			}
		})
	}
}
