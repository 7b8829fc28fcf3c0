package main

import (
	"net"
	"sync"
	"time"
)

// delayProxy is a TCP proxy on 127.0.0.1 that adds a fixed one-way delay to each direction, so
// that a client of the loopback API server sees a network round-trip time of rtt (P7, P8). Bytes
// keep their order and are not throttled: per direction, a reader goroutine stamps each chunk
// with arrival + rtt/2 into a queue and a writer goroutine sleeps until each chunk is due and
// writes it. TLS passes through untouched (the proxy never looks at the bytes).
//
// A TCP connection to the proxy is established at once on loopback, whereas across a network the
// handshake costs one round trip before the client can send: the client's first bytes are
// therefore held until rtt after the accept, and then delayed by rtt/2 like all others.
type delayProxy struct {
	ln     net.Listener
	target string
	rtt    time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// chunk is one read of a direction, due for writing at due.
type chunk struct {
	data []byte
	due  time.Time
}

// proxyQueue is the number of chunks a direction may hold in flight. At 32 KiB a chunk that is
// 32 MiB per direction: far more than a 12.5 ms delay needs at loopback speeds of a few GB/s.
const proxyQueue = 1024

// proxyChunk is the size of one read.
const proxyChunk = 32 << 10

// startDelayProxy listens on a free port of 127.0.0.1 and forwards every connection to target
// (host:port) with rtt/2 of delay in each direction.
func startDelayProxy(target string, rtt time.Duration) (*delayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{ln: ln, target: target, rtt: rtt, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *delayProxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, closes every proxied connection and waits for their goroutines.
func (p *delayProxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

// track registers c so that Close can end it; false if the proxy is closing.
func (p *delayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *delayProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		accepted := time.Now()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(client, accepted)
		}()
	}
}

// handle proxies one connection until both directions ended.
func (p *delayProxy) handle(client net.Conn, accepted time.Time) {
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	oneWay := p.rtt / 2
	var wg sync.WaitGroup
	wg.Go(func() { pipeDelayed(server, client, oneWay, accepted.Add(p.rtt)) })
	wg.Go(func() { pipeDelayed(client, server, oneWay, time.Time{}) })
	wg.Wait()
}

// pipeDelayed copies src to dst, each chunk written delay after it was read, and not before
// notBefore+delay. When src ends, dst's write side is closed once the queue drained; when a write
// fails, both ends are closed so that the other direction ends too.
func pipeDelayed(dst, src net.Conn, delay time.Duration, notBefore time.Time) {
	q := make(chan chunk, proxyQueue)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, proxyChunk)
			n, err := src.Read(buf)
			if n > 0 {
				at := time.Now()
				if at.Before(notBefore) {
					at = notBefore
				}
				q <- chunk{data: buf[:n], due: at.Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if d := time.Until(c.due); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.data); err != nil {
			_ = dst.Close()
			_ = src.Close()
			for range q { // let the reader finish
			}
			return
		}
	}
	if tc, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		return
	}
	_ = dst.Close()
}
