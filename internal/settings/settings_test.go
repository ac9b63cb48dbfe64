package settings

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", DefaultTimeout, true},
		{"2m", 2 * time.Minute, true},
		{" 1500ms ", 1500 * time.Millisecond, true},
		{"0s", 0, false},
		{"-1s", 0, false},
		{"30", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, err := Timeout(env(map[string]string{"ECRLOGIN_TIMEOUT": tt.value}))
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Timeout(ECRLOGIN_TIMEOUT=%q) = %v, %v; want %v, ok=%t", tt.value, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "ECRLOGIN_TIMEOUT") {
			t.Errorf("Timeout(%q) error %q does not name the variable", tt.value, err)
		}
	}
}

func TestLogger(t *testing.T) {
	tests := []struct {
		value           string
		debug, info, ok bool
	}{
		{"", false, false, true},
		{"off", false, false, true},
		{"debug", true, true, true},
		{"INFO", false, true, true},
		{"warn", false, false, true},
		{"error", false, false, true},
		{"loud", false, false, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		log, err := Logger(env(map[string]string{"ECRLOGIN_LOG": tt.value}), &buf)
		if (err == nil) != tt.ok {
			t.Errorf("Logger(ECRLOGIN_LOG=%q) error = %v, want ok=%t", tt.value, err, tt.ok)
		}
		if err != nil {
			continue
		}
		log.Debug("d")
		log.Info("i")
		if got := strings.Contains(buf.String(), "msg=d"); got != tt.debug {
			t.Errorf("ECRLOGIN_LOG=%q: debug line written = %t, want %t", tt.value, got, tt.debug)
		}
		if got := strings.Contains(buf.String(), "msg=i"); got != tt.info {
			t.Errorf("ECRLOGIN_LOG=%q: info line written = %t, want %t", tt.value, got, tt.info)
		}
	}
}
