package registrytest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// proxy is an HTTP CONNECT proxy with a fixed routing table: "<host>:443"
// for each registry host name goes to the registry's loopback address, and
// everything else is refused with 403. It never resolves a name and never
// dials anything but the registry, so a client pointed at it cannot reach
// the network by mistake.
type proxy struct {
	hosts   map[string]bool
	target  string
	logger  *log.Logger
	refused func()
	url     *url.URL
	http    *http.Server
	served  chan struct{}

	mu     sync.Mutex
	closed bool
	tunnel sync.WaitGroup
	conns  map[net.Conn]struct{}
}

func startProxy(hosts []string, target string, logger *log.Logger, refused func()) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{
		hosts:   make(map[string]bool, len(hosts)),
		target:  target,
		logger:  logger,
		refused: refused,
		url:     &url.URL{Scheme: "http", Host: ln.Addr().String()},
		served:  make(chan struct{}),
		conns:   make(map[net.Conn]struct{}),
	}
	for _, h := range hosts {
		p.hosts[h] = true
	}
	p.http = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, ErrorLog: logger}
	go func() {
		defer close(p.served)
		_ = p.http.Serve(ln)
	}()
	return p, nil
}

// URL returns a copy of the proxy's URL.
func (p *proxy) URL() *url.URL {
	u := *p.url
	return &u
}

// Close stops accepting, cuts every open tunnel and waits for their
// goroutines, so nothing outlives the server.
func (p *proxy) Close() error {
	err := p.http.Close()
	<-p.served
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.tunnel.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "this proxy only tunnels CONNECT to the test registry", http.StatusMethodNotAllowed)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if err != nil || port != "443" || !p.hosts[host] {
		p.refused()
		p.logger.Printf("proxy refused CONNECT %s: not a registry host of this test", r.Host)
		http.Error(w, "destination not served by the test registry", http.StatusForbidden)
		return
	}
	upstream, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		http.Error(w, "dial test registry: "+err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "connection cannot be tunnelled", http.StatusInternalServerError)
		return
	}
	client, buffered, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if !p.track(client, upstream) {
		return
	}
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		p.untrack(client, upstream)
		return
	}
	// Bytes the client sent right after its CONNECT (a TLS ClientHello that
	// did not wait for our answer) are already in the server's buffer.
	if n := buffered.Reader.Buffered(); n > 0 {
		pending, _ := buffered.Reader.Peek(n)
		if _, err := upstream.Write(pending); err != nil {
			p.untrack(client, upstream)
			return
		}
	}
	go p.pipe(client, upstream)
}

// track registers a tunnel's two ends so Close can cut them; it refuses
// (and closes both) once the proxy is closing.
func (p *proxy) track(client, upstream net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		client.Close()
		upstream.Close()
		return false
	}
	p.conns[client] = struct{}{}
	p.conns[upstream] = struct{}{}
	p.tunnel.Add(1)
	return true
}

func (p *proxy) untrack(client, upstream net.Conn) {
	client.Close()
	upstream.Close()
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, upstream)
	p.mu.Unlock()
	p.tunnel.Done()
}

// pipe copies both ways until either side is done, then closes both: a
// tunnel is only useful whole.
func (p *proxy) pipe(client, upstream net.Conn) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, upstream); done <- struct{}{} }()
	<-done
	client.Close()
	upstream.Close()
	<-done
	p.untrack(client, upstream)
}
