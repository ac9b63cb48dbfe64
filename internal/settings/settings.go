package settings

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// DefaultTimeout bounds a whole invocation when ECRLOGIN_TIMEOUT is unset.
const DefaultTimeout = 30 * time.Second

// Timeout reads ECRLOGIN_TIMEOUT, a Go duration such as "30s" or "2m": the
// overall deadline for one invocation, covering credential resolution,
// cache locks and API calls.
func Timeout(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv("ECRLOGIN_TIMEOUT"))
	if v == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("ECRLOGIN_TIMEOUT=%q is not a positive duration such as 30s or 2m", v)
	}
	return d, nil
}

// Logger returns the logger ECRLOGIN_LOG asks for: off (discarding) when
// unset, else text lines at debug, info or warn level on w, which is
// always stderr (stdout is the credential protocol's channel). Callers
// never log tokens, secrets or Authorization headers.
func Logger(getenv func(string) string, w io.Writer) (*slog.Logger, error) {
	v := strings.ToLower(strings.TrimSpace(getenv("ECRLOGIN_LOG")))
	var level slog.Level
	switch v {
	case "", "off", "none", "0":
		return slog.New(slog.DiscardHandler), nil
	case "debug":
		level = slog.LevelDebug
	case "info", "1":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("ECRLOGIN_LOG=%q is not one of debug, info, warn, error", v)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), nil
}
