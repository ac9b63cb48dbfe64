package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// TestReadRequestDeadline checks that a kubelet which never closes the
// plugin's standard input cannot hold it past the invocation's deadline.
func TestReadRequestDeadline(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := readRequest(ctx, r)
	if err == nil {
		t.Fatalf("readRequest(open pipe) = nil error, want a timeout")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("readRequest(open pipe) took %v, want about 50ms", took)
	}
}

func TestRunProgramName(t *testing.T) {
	tests := []struct {
		program string
		args    []string
		want    int
	}{
		// As the upstream plugin, with its file name, path or .exe, an
		// empty request is the kubelet mode's error (1), not usage (2).
		{"ecr-credential-provider", nil, 1},
		{"/usr/libexec/kubernetes/kubelet-plugins/ecr-credential-provider", []string{"-v=2"}, 1},
		{"ecr-credential-provider.exe", nil, 1},
		{"ecrlogin", nil, 2},
		{"ecr-credential-provider-old", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.program, func(t *testing.T) {
			if got := run(tt.program, tt.args, eofReader{}, io.Discard, io.Discard, func(string) string { return "" }); got != tt.want {
				t.Errorf("run(%q, %q) = %d, want %d", tt.program, tt.args, got, tt.want)
			}
		})
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
