package config

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad50 is what the front pays on every get for a 50-entry file
// (the budget is 0.15 ms over no file, whole process included).
func BenchmarkLoad50(b *testing.B) {
	path := filepath.Join("testdata", "config50.toml")
	b.ReportAllocs()
	for b.Loop() {
		f, err := Load(path)
		if err != nil || len(f.rules) != 50 {
			b.Fatalf("Load(%s) = %v", path, err)
		}
	}
}

// BenchmarkLoadMissing is the no-file case: one failed open.
func BenchmarkLoadMissing(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.toml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve50(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "config50.toml"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := Parse("config50.toml", data)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, serverURL string }{
		{"not ECR", "https://index.docker.io/v1/"},
		{"ECR, last mapping", "111122223372.dkr.ecr.us-west-2.amazonaws.com"},
		{"ECR, no mapping", "999999999999.dkr.ecr.ap-south-1.amazonaws.com"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = f.Resolve(bc.serverURL)
			}
		})
	}
}
