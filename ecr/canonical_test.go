package ecr

import (
	"errors"
	"testing"
)

func TestCanonicalHost(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"registry.example.com", "registry.example.com"},
		{"https://Registry.Example.COM:5000/v2/", "registry.example.com"},
		{" http://registry.example.com./x ", "registry.example.com"},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{"10.0.0.5:443", "10.0.0.5"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := CanonicalHost(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("CanonicalHost(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "user:pw@registry.example.com", "ftp://registry.example.com", "[::1]", "a b", "host:0", "reg_istry.example.com"} {
		t.Run("rejects "+in, func(t *testing.T) {
			got, err := CanonicalHost(in)
			if !errors.Is(err, ErrNotECR) {
				t.Errorf("CanonicalHost(%q) = %q, %v, want an error wrapping ErrNotECR", in, got, err)
			}
		})
	}
}
