package registrytest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// StartOnHTTPSPort starts the registry like Start, on port 443 of a loopback
// address picked at random in 127.0.0.0/8, and ignores cfg.Addr.
//
// It is for clients that find the registry through a hosts file rather
// than a proxy, such as the Docker engine: they connect to the host name's
// default HTTPS port, so the registry must be on 443, and a random address
// keeps two runs on one machine (a test and `make demo`, say) from
// fighting over it. Binding port 443 needs root or CAP_NET_BIND_SERVICE.
func StartOnHTTPSPort(cfg Config) (*Server, error) {
	const tries = 32
	var last error
	for range tries {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("pick a loopback address: %w", err)
		}
		// Avoid .0 and .255 in the last byte and 127.0.0.x, where the
		// machine's own services tend to live.
		ip := net.IPv4(127, 1+b[0]%254, b[1], 1+b[2]%254)
		cfg.Addr = net.JoinHostPort(ip.String(), "443")
		s, err := Start(cfg)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
		last = err
	}
	return nil, fmt.Errorf("no free loopback address for port 443 in %d tries: %w", tries, last)
}
