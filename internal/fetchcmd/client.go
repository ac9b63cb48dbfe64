package fetchcmd

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
	"sync"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
)

// ToolName is the companion binary the front runs on a cache miss.
const ToolName = "ecrlogin"

// maxReply bounds what the front reads from `ecrlogin fetch`.
const maxReply = 64 << 10

// margin is how much earlier than the front's deadline the child gives
// up, so that the child's error (which knows whether it was resolving
// credentials or waiting for ECR) reaches the user rather than the front's
// blunter "timed out waiting for ecrlogin fetch": a fifth of the time
// left, at most a second, which leaves a loaded machine time to schedule
// the child's reply.
func margin(left time.Duration) time.Duration {
	return min(left/5, time.Second)
}

// Client fetches tokens by running `ecrlogin fetch`. It is safe for
// concurrent use by multiple goroutines: each Fetch runs its own child.
type Client struct {
	// Path is the ecrlogin binary; empty finds it with FindTool, once, on
	// the first Fetch (a cache hit never needs it).
	Path string
	// Stderr receives the child's stderr (its log lines), usually ours.
	Stderr io.Writer

	once     sync.Once
	path     string
	pathErr  error
	lookPath func() (string, error) // FindTool; tests replace it
}

var _ ecr.Fetcher = (*Client)(nil)

// tool returns the binary to run, looking it up on first use.
func (c *Client) tool() (string, error) {
	c.once.Do(func() {
		if c.Path != "" {
			c.path = c.Path
			return
		}
		find := c.lookPath
		if find == nil {
			find = FindTool
		}
		c.path, c.pathErr = find()
	})
	return c.path, c.pathErr
}

// Fetch runs the child and decodes its reply.
func (c *Client) Fetch(ctx context.Context, req ecr.FetchRequest) (ecr.Token, error) {
	host := req.ServerURL
	if !req.Deadline.IsZero() {
		req.Deadline = req.Deadline.Add(-margin(time.Until(req.Deadline)))
	}
	path, err := c.tool()
	if err != nil {
		return ecr.Token{}, &ecr.Error{Host: host, Message: err.Error(), Err: err}
	}
	in, err := json.Marshal(req)
	if err != nil {
		return ecr.Token{}, &ecr.Error{Host: host, Message: "encoding the fetch request: " + err.Error(), Err: err}
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "fetch")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &limitedWriter{w: &out, n: maxReply}
	cmd.Stderr = c.Stderr
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	return decodeReply(ctx, host, path, out.Bytes(), runErr)
}

// decodeReply turns what the child printed, and how it exited, into the
// Fetch result.
func decodeReply(ctx context.Context, host, path string, out []byte, runErr error) (ecr.Token, error) {
	var reply Reply
	if err := json.Unmarshal(out, &reply); err == nil {
		switch {
		case reply.Error != nil:
			return ecr.Token{}, reply.Error
		case reply.Token != nil && runErr == nil:
			return *reply.Token, nil
		}
	}
	if ctx.Err() != nil {
		return ecr.Token{}, &ecr.Error{Host: host, Code: ecr.CodeTimeout, Message: "timed out waiting for " + ToolName + " fetch", Hint: "raise ECRLOGIN_TIMEOUT, or run with ECRLOGIN_LOG=debug to see where it waits", Err: ctx.Err()}
	}
	if runErr != nil {
		return ecr.Token{}, &ecr.Error{Host: host, Message: fmt.Sprintf("%s fetch failed: %v", path, runErr), Err: runErr}
	}
	return ecr.Token{}, &ecr.Error{Host: host, Message: ToolName + " fetch gave no token; is it the same version as docker-credential-ecrlogin?"}
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
	return "", ErrToolMissing
}

// ErrToolMissing reports that the ecrlogin binary is neither beside
// docker-credential-ecrlogin nor on PATH.
var ErrToolMissing = errors.New("cannot find the " + ToolName + " binary beside docker-credential-ecrlogin or on PATH; install both (see README)")

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
