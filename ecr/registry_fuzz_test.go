package ecr

import (
	"errors"
	"strings"
	"testing"
)

// partitionSuffixes is, independently of registry.go, where each partition
// keeps its registries. The fuzz target holds every accepted host to it.
var partitionSuffixes = map[string][]string{
	"aws":        {".amazonaws.com", ".on.aws", "public.ecr.aws", "ecr-public.aws.com"},
	"aws-us-gov": {".amazonaws.com", ".on.aws"},
	"aws-cn":     {".amazonaws.com.cn", ".on.amazonwebservices.com.cn"},
	"aws-eusc":   {".amazonaws.eu"},
	"aws-iso":    {".c2s.ic.gov"},
	"aws-iso-b":  {".sc2s.sgov.gov"},
	"aws-iso-e":  {".cloud.adc-e.uk"},
	"aws-iso-f":  {".csp.hci.ic.gov"},
}

// partitionRegionPrefixes is how each partition's region names begin; a
// region in aws begins with none of these.
var partitionRegionPrefixes = map[string]string{
	"aws-us-gov": "us-gov-",
	"aws-cn":     "cn-",
	"aws-eusc":   "eusc-",
	"aws-iso":    "us-iso-",
	"aws-iso-b":  "us-isob-",
	"aws-iso-e":  "eu-isoe-",
	"aws-iso-f":  "us-isof-",
}

func FuzzParseHost(f *testing.F) {
	for _, tt := range acceptedHosts {
		f.Add(tt.in)
	}
	for _, in := range rejectedHosts {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseHost(in)
		if err != nil {
			if !errors.Is(err, ErrNotECR) {
				t.Fatalf("ParseHost(%q) error = %v, want one wrapping %v", in, err, ErrNotECR)
			}
			if r != (Registry{}) {
				t.Fatalf("ParseHost(%q) = %+v, %v, want the zero Registry with an error", in, r, err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("ParseHost(%q) error = %q, want one line", in, err)
			}
			return
		}
		checkRegistry(t, in, r)
	})
}

// checkRegistry asserts every invariant of a Registry that ParseHost(in)
// accepted.
func checkRegistry(t *testing.T, in string, r Registry) {
	t.Helper()

	// The canonical host is a fixed point, and decorating it again changes
	// nothing.
	for _, again := range []string{r.Host, "https://" + strings.ToUpper(r.Host) + ":443/v2/", " " + r.Host + ".\n"} {
		if got, err := ParseHost(again); err != nil || got != r {
			t.Fatalf("ParseHost(%q) = %+v, %v, want %+v, nil (from ParseHost(%q))", again, got, err, r, in)
		}
	}

	// The host came from the input, not from anywhere else.
	if !strings.Contains(strings.ToLower(in), r.Host) {
		t.Fatalf("ParseHost(%q).Host = %q, not in the input", in, r.Host)
	}
	if r.Host == "" || strings.HasSuffix(r.Host, ".") || strings.HasPrefix(r.Host, ".") || strings.Contains(r.Host, "..") {
		t.Fatalf("ParseHost(%q).Host = %q, want a non-empty name without empty labels", in, r.Host)
	}
	for i := 0; i < len(r.Host); i++ {
		if c := r.Host[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			t.Fatalf("ParseHost(%q).Host = %q, has %q; want only [a-z0-9.-]", in, r.Host, c)
		}
	}
	// Implied by the line above, but these are the ones that matter.
	if strings.ContainsAny(r.Host, ":/@#?\\ \t\r\n") || r.Host != strings.ToLower(r.Host) {
		t.Fatalf("ParseHost(%q).Host = %q, want lower case without port, path, userinfo, query, fragment or space", in, r.Host)
	}

	// The host lives under its partition's suffix, at a label boundary.
	suffixes, ok := partitionSuffixes[r.Partition]
	if !ok {
		t.Fatalf("ParseHost(%q).Partition = %q, not a known partition", in, r.Partition)
	}
	under := false
	for _, s := range suffixes {
		if r.Host == s || strings.HasSuffix(r.Host, s) && strings.HasPrefix(s, ".") {
			under = true
		}
	}
	if !under {
		t.Fatalf("ParseHost(%q) = %+v, host not under a suffix of partition %s %q", in, r, r.Partition, suffixes)
	}

	if r.Public {
		if r.Account != "" || r.Region != "us-east-1" || r.Partition != "aws" || r.FIPS {
			t.Fatalf("ParseHost(%q) = %+v, want a public registry in aws us-east-1 with no account and no FIPS", in, r)
		}
		if want := r.Host == "ecr-public.aws.com"; r.DualStack != want {
			t.Fatalf("ParseHost(%q).DualStack = %v, want %v", in, r.DualStack, want)
		}
		return
	}

	// Private: ACCOUNT.service.REGION.suffix, with the fields read from it.
	if len(r.Account) != 12 || strings.Trim(r.Account, "0123456789") != "" {
		t.Fatalf("ParseHost(%q).Account = %q, want 12 ASCII digits", in, r.Account)
	}
	service := "dkr.ecr"
	if r.DualStack {
		service = "dkr-ecr"
	}
	if r.FIPS {
		service += "-fips"
	}
	if prefix := r.Account + "." + service + "." + r.Region + "."; !strings.HasPrefix(r.Host, prefix) {
		t.Fatalf("ParseHost(%q) = %+v, want Host to start %q", in, r, prefix)
	}
	if r.Region == "" || strings.ContainsAny(r.Region, ".") {
		t.Fatalf("ParseHost(%q).Region = %q, want one label", in, r.Region)
	}
	if prefix, ok := partitionRegionPrefixes[r.Partition]; ok && !strings.HasPrefix(r.Region, prefix) {
		t.Fatalf("ParseHost(%q) = %+v, want a region starting %q in %s", in, r, prefix, r.Partition)
	}
	if r.Partition == "aws" {
		for p, prefix := range partitionRegionPrefixes {
			if strings.HasPrefix(r.Region, prefix) {
				t.Fatalf("ParseHost(%q) = %+v, want a %s region in %s, not aws", in, r, p, p)
			}
		}
	}
	if r.FIPS && r.Partition != "aws" && r.Partition != "aws-us-gov" {
		t.Fatalf("ParseHost(%q) = %+v, want FIPS only in aws and aws-us-gov", in, r)
	}
}
