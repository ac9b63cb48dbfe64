package registrytest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Username is the only user name an ECR registry accepts: ECR tokens are
// always "AWS:<password>".
const Username = "AWS"

// Config says which names the registry answers to and whom it lets in.
type Config struct {
	// Hosts are the registry host names, such as
	// "111122223333.dkr.ecr.us-east-1.amazonaws.com". They go in the TLS
	// certificate and are the only destinations the proxy accepts.
	Hosts []string

	// Authorize reports whether password is one the registry should accept
	// for user. It is asked only when user is Username; typically it is the
	// fake ECR's check that it issued the password.
	Authorize func(user, password string) bool

	// Addr is the loopback address to listen on; "127.0.0.1:0" when empty.
	// Anything outside 127.0.0.0/8 and ::1 is refused, so a test can never
	// expose its registry to the network.
	Addr string

	// Log, when set, receives the registry's own one-line-per-request log
	// and the proxy's refusals. Discarded when nil.
	Log io.Writer
}

// Stats counts what clients asked of the registry.
type Stats struct {
	// Requests is every request that reached the registry's listener.
	Requests int
	// Refused is the requests answered 401 for missing or wrong credentials.
	Refused int
	// Writes is the PUT, POST, PATCH and DELETE requests that carried valid
	// credentials and were passed to the registry.
	Writes int
	// RefusedWrites is the writes refused for missing or wrong credentials.
	RefusedWrites int
	// ProxyRefused is the CONNECT requests the proxy refused because they
	// named a host that is not in Config.Hosts.
	ProxyRefused int
}

// Server is a running registry and its proxy. Close stops both.
type Server struct {
	hosts     []string
	authorize func(user, password string) bool
	logger    *log.Logger
	registry  http.Handler
	certPEM   []byte
	pool      *x509.CertPool
	addr      string
	http      *http.Server
	proxy     *proxy
	served    chan struct{}

	mu    sync.Mutex
	stats Stats
}

// Start generates a certificate, starts the registry on a loopback address
// and the CONNECT proxy beside it. The caller must Close the server.
func Start(cfg Config) (*Server, error) {
	if cfg.Authorize == nil {
		return nil, errors.New("start registry: Config.Authorize is required")
	}
	if len(cfg.Hosts) == 0 {
		return nil, errors.New("start registry: Config.Hosts is empty")
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkLoopback(addr); err != nil {
		return nil, fmt.Errorf("start registry: %w", err)
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	logger := log.New(logw, "registry: ", 0)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start registry: %w", err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	cert, certPEM, err := selfSignedCert(cfg.Hosts, net.ParseIP(host))
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start registry: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)

	s := &Server{
		hosts:     lowerAll(cfg.Hosts),
		authorize: cfg.Authorize,
		logger:    logger,
		registry:  registry.New(registry.Logger(logger)),
		certPEM:   certPEM,
		pool:      pool,
		addr:      ln.Addr().String(),
		served:    make(chan struct{}),
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          logger,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	s.proxy, err = startProxy(s.hosts, s.addr, logger, s.countProxyRefusal)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start registry: %w", err)
	}
	go func() {
		defer close(s.served)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener broke, which clients will notice as refused
		// connections.
		_ = s.http.Serve(tls.NewListener(ln, s.http.TLSConfig))
	}()
	return s, nil
}

// Close stops the registry and the proxy and waits for both to finish.
func (s *Server) Close() error {
	err := s.http.Close()
	<-s.served
	return errors.Join(err, s.proxy.Close())
}

// Addr is the registry's listening address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// URL is the registry's base URL by address, "https://127.0.0.1:port".
func (s *Server) URL() string { return "https://" + s.addr }

// Hosts returns the registry host names the server answers to.
func (s *Server) Hosts() []string { return append([]string(nil), s.hosts...) }

// CertPool returns a pool holding only the server's certificate, for a
// client's tls.Config.RootCAs.
func (s *Server) CertPool() *x509.CertPool { return s.pool.Clone() }

// CertPEM returns the server's certificate in PEM form, for clients in
// other processes (SSL_CERT_FILE, a Docker certs.d directory).
func (s *Server) CertPEM() []byte { return append([]byte(nil), s.certPEM...) }

// ProxyURL is the CONNECT proxy's URL, "http://127.0.0.1:port": the value
// for HTTPS_PROXY or http.ProxyURL.
func (s *Server) ProxyURL() *url.URL { return s.proxy.URL() }

// Transport returns a new transport that reaches the registry under its
// host names through the proxy and trusts only its certificate. Requests
// for any other host fail at the proxy.
func (s *Server) Transport() *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyURL(s.ProxyURL()),
		TLSClientConfig:     &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// ServeHTTP checks basic auth and hands authenticated requests to the
// registry. Every path is guarded, /v2/ included: ECR answers even the
// version check with a challenge, and that challenge is how clients learn
// to send credentials at all.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, password, ok := r.BasicAuth()
	authorized := ok && user == Username && s.authorize(user, password)
	write := isWrite(r.Method)

	s.mu.Lock()
	s.stats.Requests++
	switch {
	case !authorized && write:
		s.stats.Refused++
		s.stats.RefusedWrites++
	case !authorized:
		s.stats.Refused++
	case write:
		s.stats.Writes++
	}
	s.mu.Unlock()

	if !authorized {
		s.logger.Printf("refused %s %s (credentials: %s)", r.Method, r.URL.Path, describeAuth(ok, user))
		challenge(w, r)
		return
	}
	s.registry.ServeHTTP(w, r)
}

func (s *Server) countProxyRefusal() {
	s.mu.Lock()
	s.stats.ProxyRefused++
	s.mu.Unlock()
}

// challenge answers 401 the way ECR does: a Basic challenge whose realm is
// the registry itself, and a registry-API error body that clients print.
func challenge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Basic realm="https://%s/",service="ecr.amazonaws.com"`, r.Host))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	type apiError struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	_ = json.NewEncoder(w).Encode(struct {
		Errors []apiError `json:"errors"`
	}{[]apiError{{Code: "UNAUTHORIZED", Message: "authentication required: basic auth as AWS with an ECR token"}}})
}

// describeAuth says what kind of credentials a refused request carried,
// for the log. It never includes the password.
func describeAuth(present bool, user string) string {
	switch {
	case !present:
		return "none"
	case user != Username:
		return fmt.Sprintf("user %q", user)
	default:
		return "wrong password"
	}
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// checkLoopback refuses any listening address outside loopback.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not a loopback IP address", addr)
	}
	return nil
}

func lowerAll(hosts []string) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = strings.ToLower(strings.TrimSuffix(h, "."))
	}
	return out
}
