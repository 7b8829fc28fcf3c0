package kube

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// warmIdle is how long a connection dialled ahead of need waits for its
// request before it is closed.
const warmIdle = 30 * time.Second

// warmDialer dials the TLS connections of the HTTP/1.1 log transport, and
// can dial one ahead of need: a log stream has a connection of its own, so
// without it the first line would wait for a TCP and a TLS handshake (two
// round trips) after the pod is found. Warm starts that dial while the pod
// is being looked up; the transport's dial then takes the connection.
type warmDialer struct {
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	tls    *tls.Config
	host   string // host:port of the API server
	direct bool   // no proxy applies to the API server

	mu      sync.Mutex
	pending chan struct{} // closed when the dial ended; nil when none was started
	conn    net.Conn      // the dialled connection until it is taken (nil if the dial failed)
}

// newWarmDialer returns the dialer of server (the API server's URL), or nil
// when server is not https: DialTLSContext is only used for https.
func newWarmDialer(server string, tlsConfig *tls.Config, dial func(context.Context, string, string) (net.Conn, error),
	proxy func(*http.Request) (*url.URL, error)) *warmDialer {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "https" || tlsConfig == nil {
		return nil
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	// With a proxy, net/http dials the proxy itself and does not call
	// DialTLSContext: nothing can be dialled ahead.
	p, err := proxy(&http.Request{URL: u})
	return &warmDialer{dial: dial, tls: tlsConfig, host: host, direct: err == nil && p == nil}
}

// Warm starts dialling one connection to the API server, unless one is
// dialled already or a proxy is in the way. It returns at once.
func (w *warmDialer) Warm() {
	if w == nil || !w.direct {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending != nil {
		return
	}
	done := make(chan struct{})
	w.pending = done
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, _ := w.dialFresh(ctx, "tcp", w.host) // a failed dial is retried by the request
		w.mu.Lock()
		w.conn = conn
		w.mu.Unlock()
		close(done)
		if conn != nil {
			time.AfterFunc(warmIdle, func() {
				if c := w.take(); c != nil {
					_ = c.Close()
				}
			})
		}
	}()
}

// take removes the dialled connection, if it is there and unused.
func (w *warmDialer) take() net.Conn {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conn
	w.conn = nil
	return c
}

// DialTLSContext is the transport's dial: the connection Warm dialled for
// this address (waiting for it if it is on its way), else a new one.
func (w *warmDialer) DialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	pending := w.pending
	w.mu.Unlock()
	if pending != nil && addr == w.host {
		select {
		case <-pending:
			if c := w.take(); c != nil {
				return c, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return w.dialFresh(ctx, network, addr)
}

// dialFresh dials and completes the TLS handshake, as net/http would:
// ServerName from the address unless the config names one.
func (w *warmDialer) dialFresh(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := w.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := w.tls.Clone()
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return conn, nil
}
