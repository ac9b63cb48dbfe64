package registrytest

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

const (
	host     = "111122223333.dkr.ecr.us-east-1.amazonaws.com"
	password = "issued-by-the-fake"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := Start(Config{
		Hosts:     []string{host},
		Authorize: func(user, pass string) bool { return pass == password },
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestPushPullWithIssuedPassword(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref := name.MustParseReference(host + "/demo:1")
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(s.Transport()),
		remote.WithAuth(&authn.Basic{Username: Username, Password: password}),
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatalf("push: %v", err)
	}
	got, err := remote.Image(ref, opts...)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("pulled digest %v, want %v", d, want)
	}

	st := s.Stats()
	if st.Writes == 0 {
		t.Errorf("Stats().Writes = 0 after a push; the counter is broken")
	}
	if st.RefusedWrites != 0 {
		t.Errorf("Stats().RefusedWrites = %d, want 0 for a client with the right password", st.RefusedWrites)
	}
}

func TestRefusesWithoutIssuedPassword(t *testing.T) {
	s := start(t)
	client := &http.Client{Transport: s.Transport()}
	tests := []struct {
		name       string
		user, pass string
		method     string
	}{
		{"anonymous version check", "", "", http.MethodGet},
		{"anonymous upload", "", "", http.MethodPost},
		{"wrong password", Username, "guessed", http.MethodPost},
		{"wrong user", "admin", password, http.MethodPost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v2/"
			if tt.method == http.MethodPost {
				path = "/v2/demo/blobs/uploads/"
			}
			req, _ := http.NewRequest(tt.method, "https://"+host+path, nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", tt.method, path, resp.StatusCode)
			}
			want := `Basic realm="https://` + host + `/"`
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, want) {
				t.Errorf("WWW-Authenticate = %q, want prefix %q", got, want)
			}
		})
	}
	if st := s.Stats(); st.Writes != 0 || st.RefusedWrites != 3 || st.Refused != 4 {
		t.Errorf("Stats() = %+v, want 0 writes, 3 refused writes, 4 refused", st)
	}
}

// TestPushWithWrongPasswordFails is the check the end-to-end tests rely
// on: a real client with bad credentials cannot push, and the stats say so.
func TestPushWithWrongPasswordFails(t *testing.T) {
	s := start(t)
	img, _ := random.Image(64, 1)
	err := remote.Write(name.MustParseReference(host+"/demo:1"), img,
		remote.WithTransport(s.Transport()),
		remote.WithAuth(&authn.Basic{Username: Username, Password: "stale"}))
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("push with a wrong password: err = %v, want a 401 transport error", err)
	}
	if st := s.Stats(); st.Writes != 0 {
		t.Errorf("Stats().Writes = %d after a refused push, want 0", st.Writes)
	}
}

func TestCertificateCoversHostsAndLoopback(t *testing.T) {
	s := start(t)
	for _, serverName := range []string{host, "localhost", "127.0.0.1"} {
		conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.CertPool(), ServerName: serverName})
		if err != nil {
			t.Errorf("TLS to %s as %q: %v", s.Addr(), serverName, err)
			continue
		}
		conn.Close()
	}
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.CertPool(), ServerName: "evil.example.com"})
	if err == nil {
		conn.Close()
		t.Errorf("TLS as evil.example.com verified; the certificate names too much")
	}
}

func TestProxyRefusesOtherDestinations(t *testing.T) {
	s := start(t)
	for _, dest := range []string{
		"example.com:443",
		host + ":80",
		host + ".evil.com:443",
		"127.0.0.1:443",
	} {
		t.Run(dest, func(t *testing.T) {
			if status := connect(t, s, dest); status != http.StatusForbidden {
				t.Errorf("CONNECT %s: status %d, want 403", dest, status)
			}
		})
	}
	if got := s.Stats().ProxyRefused; got != 4 {
		t.Errorf("Stats().ProxyRefused = %d, want 4", got)
	}
	// Names are case-insensitive and may end in a dot, as in DNS.
	if status := connect(t, s, strings.ToUpper(host)+".:443"); status != http.StatusOK {
		t.Errorf("CONNECT to the upper-case, dotted host: status %d, want 200", status)
	}
}

// connect sends a raw CONNECT to the proxy and returns the status code.
func connect(t *testing.T, s *Server, dest string) int {
	t.Helper()
	conn, err := net.Dial("tcp", s.ProxyURL().Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "CONNECT "+dest+" HTTP/1.1\r\nHost: "+dest+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCloseCutsOpenTunnels proves Close does not hang on a client that
// keeps its tunnel open, and that nothing is served afterwards.
func TestCloseCutsOpenTunnels(t *testing.T) {
	s, err := Start(Config{Hosts: []string{host}, Authorize: func(string, string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", s.ProxyURL().Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "CONNECT "+host+":443 HTTP/1.1\r\nHost: "+host+":443\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Errorf("tunnel still open after Close")
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Errorf("registry still accepting connections after Close")
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:443", "[::]:0", "localhost:0"} {
		s, err := Start(Config{Hosts: []string{host}, Authorize: func(string, string) bool { return true }, Addr: addr})
		if err == nil {
			s.Close()
			t.Errorf("Start(Addr: %q) succeeded, want an error", addr)
		}
	}
}

func TestStartOnHTTPSPort(t *testing.T) {
	s, err := StartOnHTTPSPort(Config{Hosts: []string{host}, Authorize: func(string, string) bool { return true }})
	if errors.Is(err, syscall.EACCES) {
		t.Skip("binding port 443 needs root or CAP_NET_BIND_SERVICE")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ipStr, port, _ := net.SplitHostPort(s.Addr())
	ip := net.ParseIP(ipStr).To4()
	if port != "443" || ip == nil || ip[0] != 127 || (ip[1] == 0 && ip[2] == 0) {
		t.Errorf("Addr() = %s, want port 443 on 127.0.0.0/8 outside 127.0.0.x", s.Addr())
	}
	// The certificate names the address it listens on.
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.CertPool(), ServerName: ipStr})
	if err != nil {
		t.Fatalf("TLS to %s by address: %v", s.Addr(), err)
	}
	conn.Close()
}
