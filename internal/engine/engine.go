package engine

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ecrlogin/docker-credential-ecrlogin/cache"
	"github.com/ecrlogin/docker-credential-ecrlogin/ecr"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/config"
	"github.com/ecrlogin/docker-credential-ecrlogin/internal/settings"
)

// Options says how to build an Engine. Only Fetcher is required; every
// other zero value means "as the environment says".
type Options struct {
	// Getenv reads the ECRLOGIN_* settings and the cache location. Nil
	// means os.Getenv. The AWS identity is not read through it: the SDK
	// reads the process environment, so the identity does too (see
	// ecr.ResolveIdentity).
	Getenv func(string) string
	// Stderr receives log lines, when ECRLOGIN_LOG asks for them, and the
	// warnings meant for a person (a stale token served). Nil sends the
	// warnings to the logger instead and writes nothing.
	Stderr io.Writer
	// Fetcher gets a token when the cache has none.
	Fetcher ecr.Fetcher
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Overrides, for programs that embed the engine.
	Logger   *slog.Logger  // used instead of ECRLOGIN_LOG's
	Timeout  time.Duration // used instead of ECRLOGIN_TIMEOUT's when > 0
	CacheDir string        // used instead of the cache location rules
	NoCache  bool          // run uncached whatever the environment says
	// ConfigFile is the per-registry config file to read instead of the
	// one config.Path finds (ECRLOGIN_CONFIG, then the system's
	// location).
	ConfigFile string
}

// Engine is the wiring for one entry point. It is safe for concurrent use
// by multiple goroutines, as is its Helper.
type Engine struct {
	// Helper answers get, store, erase and list.
	Helper *ecr.Helper
	// Timeout bounds one invocation (ECRLOGIN_TIMEOUT).
	Timeout time.Duration
	// Log is the logger every piece shares; it discards unless asked.
	Log *slog.Logger
	// CacheDir is the cache directory the rules chose, "" when the cache
	// is disabled. Whether it can be used is known only once opened.
	CacheDir string
	// ConfigFile is the per-registry config file in force ("" when none
	// can be located); it need not exist.
	ConfigFile string

	openCache  func() *cache.Cache
	loadConfig func() (*config.File, error)
}

// New reads the settings and builds the Engine. Its only errors are bad
// settings (ECRLOGIN_TIMEOUT, ECRLOGIN_LOG), each naming the variable. It
// does no I/O: the cache directory is opened on first use, so a host that
// is not ECR never touches the disk.
func New(o Options) (*Engine, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	e := &Engine{Timeout: o.Timeout, Log: o.Logger}
	if e.Timeout <= 0 {
		t, err := settings.Timeout(getenv)
		if err != nil {
			return nil, err
		}
		e.Timeout = t
	}
	if e.Log == nil {
		w := o.Stderr
		if w == nil {
			w = io.Discard
		}
		log, err := settings.Logger(getenv, w)
		if err != nil {
			return nil, err
		}
		e.Log = log
	}
	switch {
	case o.NoCache:
	case o.CacheDir != "":
		e.CacheDir = o.CacheDir
	default:
		e.CacheDir, _ = cache.Dir(getenv)
	}
	e.openCache = sync.OnceValue(func() *cache.Cache {
		if e.CacheDir == "" {
			return nil
		}
		c, err := cache.Open(e.CacheDir, cache.Options{Logger: e.Log, Now: o.Now})
		if err != nil {
			// The cache only ever makes things faster: without it every
			// get fetches, and that is all.
			e.Log.Warn("running without a cache", "err", err)
			return nil
		}
		return c
	})
	e.ConfigFile = o.ConfigFile
	if e.ConfigFile == "" {
		e.ConfigFile = config.Path(getenv)
	}
	// Read on first use, once: a bad file fails every request that needs
	// it, with the file, line and key, and never falls back to another
	// identity.
	e.loadConfig = sync.OnceValues(func() (*config.File, error) {
		return config.Load(e.ConfigFile)
	})
	e.Helper = &ecr.Helper{
		Cache:   e.openCache,
		Resolve: e.resolve,
		Fetcher: o.Fetcher,
		Log:     e.Log,
		Warn:    o.Stderr,
		Now:     o.Now,
	}
	return e, nil
}

// Config returns the per-registry configuration, read on the first call.
// A missing file is an empty configuration; a bad one is an error naming
// the file, the line and the key.
func (e *Engine) Config() (*config.File, error) { return e.loadConfig() }

// resolve is the Helper's Resolve: the per-registry configuration over
// the host rules.
func (e *Engine) resolve(serverURL string) (ecr.Registry, ecr.Selection, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return ecr.Registry{}, ecr.Selection{}, err
	}
	return cfg.Resolve(serverURL)
}

// Cache returns the disk cache, opening it on the first call; nil when it
// is disabled or unusable (the reason is logged once).
func (e *Engine) Cache() *cache.Cache { return e.openCache() }

// Context returns a context that ends at the invocation's deadline.
func (e *Engine) Context(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, e.Timeout)
}
