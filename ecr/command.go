package ecr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ToolName is the companion binary the front runs on a cache miss.
const ToolName = "ecrlogin"

// maxReply bounds what the front reads from `ecrlogin fetch`.
const maxReply = 64 << 10

// fetchMargin is how much earlier than the front's deadline the fetch
// child gives up, so that the child's error (which knows whether it was
// resolving credentials or waiting for ECR) reaches the user rather than
// the front's blunter "timed out waiting for ecrlogin fetch": a fifth of
// the time left, at most a second, which leaves a loaded machine time to
// schedule the child's reply.
func fetchMargin(left time.Duration) time.Duration {
	return min(left/5, time.Second)
}

// FetchReply is what `ecrlogin fetch` writes on its standard output:
// exactly one of Token or Error.
type FetchReply struct {
	Token *Token `json:"token,omitempty"`
	Error *Error `json:"error,omitempty"`
}

// CommandFetcher fetches tokens by running `ecrlogin fetch`, so that the
// front never links the AWS SDK. The request goes on the child's standard
// input and the token comes back on its standard output: neither is ever
// in argv or the environment, where other users could read them.
type CommandFetcher struct {
	Path   string    // the ecrlogin binary; empty finds it with FindTool, on first use only
	Stderr io.Writer // the child's stderr (its logs), usually ours
}

var _ Fetcher = (*CommandFetcher)(nil)

// Fetch runs the child and decodes its reply.
func (f *CommandFetcher) Fetch(ctx context.Context, req FetchRequest) (Token, error) {
	reg, err := ParseHost(req.ServerURL)
	if err != nil {
		return Token{}, err
	}
	if !req.Deadline.IsZero() {
		req.Deadline = req.Deadline.Add(-fetchMargin(time.Until(req.Deadline)))
	}
	if f.Path == "" {
		// Looked up here rather than at start-up: a cache hit never needs it.
		if f.Path, err = FindTool(); err != nil {
			return Token{}, &Error{Host: reg.Host, Message: err.Error()}
		}
	}
	in, err := json.Marshal(req)
	if err != nil {
		return Token{}, &Error{Host: reg.Host, Message: "encoding the fetch request: " + err.Error()}
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, f.Path, "fetch")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &limitedWriter{w: &out, n: maxReply}
	cmd.Stderr = f.Stderr
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()

	var reply FetchReply
	if err := json.Unmarshal(out.Bytes(), &reply); err == nil {
		switch {
		case reply.Error != nil:
			return Token{}, reply.Error
		case reply.Token != nil && runErr == nil:
			return *reply.Token, nil
		}
	}
	if ctx.Err() != nil {
		return Token{}, &Error{Host: reg.Host, Code: CodeTimeout, Message: "timed out waiting for " + ToolName + " fetch", Hint: "raise ECRLOGIN_TIMEOUT, or run `ECRLOGIN_LOG=debug` to see where it waits"}
	}
	if runErr != nil {
		return Token{}, &Error{Host: reg.Host, Message: fmt.Sprintf("%s fetch failed: %v", f.Path, runErr)}
	}
	return Token{}, &Error{Host: reg.Host, Message: ToolName + " fetch gave no token; is it the same version as docker-credential-ecrlogin?"}
}

// FindTool locates the ecrlogin binary: beside the running executable
// first (so a pair installed together always runs together), else on PATH.
func FindTool() (string, error) {
	name := ToolName + exeSuffix
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		beside := filepath.Join(filepath.Dir(self), name)
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
			return beside, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", err
	}
	return "", errToolMissing
}

var errToolMissing = errors.New("cannot find the " + ToolName + " binary beside docker-credential-ecrlogin or on PATH; install both (see README)")

// limitedWriter keeps the first n bytes and drops the rest, so a child
// gone wrong cannot make the front buffer without bound.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	keep := p
	if len(keep) > l.n {
		keep = keep[:l.n]
	}
	l.n -= len(keep)
	if _, err := l.w.Write(keep); err != nil {
		return 0, err
	}
	return len(p), nil
}
