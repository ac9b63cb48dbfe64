package ecr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/docker/docker-credential-helpers/credentials"
)

// MaxInput bounds what a helper action reads from standard input. A server
// URL or a `docker login` request is a few hundred bytes; anything near
// this is not a request.
const MaxInput = 64 << 10

// Serve runs one credential-helper action the way docker execs it: the
// request on in, the answer on out, and the exit code returned. Errors go to
// out as one line, as the protocol wants (docker login, oras, helm and the
// credential-store libraries read them there), and to errOut as well,
// except not-found: docker push and pull drop a failing helper's stdout, so
// stderr is the only place the user can read why.
func Serve(ctx context.Context, h *Helper, action string, in io.Reader, out, errOut io.Writer) int {
	err := serve(ctx, h, action, in, out)
	if err == nil {
		return 0
	}
	if credentials.IsErrCredentialsNotFound(err) {
		fmt.Fprintln(out, err)
		return 1
	}
	line := Line(err)
	fmt.Fprintln(out, line)
	fmt.Fprintln(errOut, line)
	return 1
}

func serve(ctx context.Context, h *Helper, action string, in io.Reader, out io.Writer) error {
	var input []byte
	switch credentials.Action(action) {
	case credentials.ActionGet, credentials.ActionErase, credentials.ActionStore:
		var err error
		if input, err = readRequest(in, action != string(credentials.ActionStore)); err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		if action == string(credentials.ActionStore) && !json.Valid(input) {
			return errors.New(`store: standard input is not JSON; expected {"ServerURL":"…","Username":"AWS","Secret":"…"}`)
		}
	case credentials.ActionList, credentials.ActionVersion:
		// These read nothing: a list must never wait on a stdin left open.
	default:
		return fmt.Errorf("unknown action %q; want one of store, get, erase, list, version", printable(action))
	}
	err := credentials.HandleCommand(boundHelper{ctx, h}, credentials.Action(action), bytes.NewReader(input), out)
	if errors.Is(err, ErrNotECR) || errors.Is(err, errAnonymous) {
		return credentials.NewErrCredentialsNotFound()
	}
	return err
}

// readRequest reads one request from standard input and rejects what
// cannot be one, before anything else looks at it: nothing, something too
// big, binary, or (for a server URL) more than one line.
func readRequest(in io.Reader, oneLine bool) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(in, MaxInput+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading standard input: %w", err)
	case len(b) > MaxInput:
		return nil, fmt.Errorf("standard input is larger than %d KiB; expected a registry server URL", MaxInput>>10)
	case bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b):
		return nil, errors.New("standard input is binary; expected a registry server URL")
	}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return nil, errors.New("standard input is empty; expected a registry server URL")
	case oneLine && bytes.ContainsAny(b, "\r\n"):
		return nil, errors.New("standard input has more than one line; expected one registry server URL")
	}
	return b, nil
}

// errAnonymous marks an ECR Public request with no AWS credentials at
// all: anonymous pulls work there, so the protocol answer is not-found.
var errAnonymous = errors.New("no AWS credentials for ECR Public; pulling anonymously")

// boundHelper adapts Helper to credentials.Helper, whose methods predate
// context. It lives for one action only, so the context it holds is that
// action's.
type boundHelper struct {
	ctx context.Context
	h   *Helper
}

func (b boundHelper) Get(serverURL string) (string, string, error) {
	tok, err := b.h.Get(b.ctx, serverURL)
	if err != nil {
		if errors.Is(err, ErrNoCredentials) {
			if reg, perr := ParseHost(serverURL); perr == nil && reg.Public {
				return "", "", errAnonymous
			}
		}
		return "", "", err
	}
	return tok.Username, tok.Secret, nil
}

func (b boundHelper) Add(c *credentials.Credentials) error {
	return b.h.Store(b.ctx, c.ServerURL, c.Username, c.Secret)
}

func (b boundHelper) Delete(serverURL string) error {
	return b.h.Erase(b.ctx, serverURL)
}

func (b boundHelper) List() (map[string]string, error) {
	return b.h.List(b.ctx)
}
