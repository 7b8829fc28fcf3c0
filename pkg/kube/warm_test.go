package kube

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
)

// connLog records the order of a server's new connections and requests.
type connLog struct {
	mu     sync.Mutex
	events []string
}

func (l *connLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *connLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

func tlsServer(t *testing.T, log *connLog) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add("request " + r.Proto)
		_, _ = w.Write([]byte("2026-12-02T10:00:00.000000000Z line\n"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			log.add("conn")
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func clientOf(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := NewForConfig(&rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readLog(t *testing.T, c *Client) {
	t.Helper()
	rc, err := c.Pods("druid").GetLogs("p", &corev1.PodLogOptions{Container: "main"}).Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()
}

// TestPrepareLogStreamDialsAhead: after PrepareLogStream the server has the
// log stream's connection before any request, and the log request uses it:
// one connection, no second handshake.
func TestPrepareLogStreamDialsAhead(t *testing.T) {
	var log connLog
	srv := tlsServer(t, &log)
	c := clientOf(t, srv)
	c.PrepareLogStream()
	c.PrepareLogStream() // a second call dials nothing more
	deadline := time.Now().Add(10 * time.Second)
	for len(log.get()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := log.get(); len(got) != 1 || got[0] != "conn" {
		t.Fatalf("before the request the server saw %v, want one connection", got)
	}
	readLog(t, c)
	if got := log.get(); len(got) != 2 || got[1] != "request HTTP/1.1" {
		t.Fatalf("server saw %v, want [conn request HTTP/1.1]: the request did not use the dialled connection", got)
	}
}

// TestLogStreamWithoutPrepare dials on demand, as before.
func TestLogStreamWithoutPrepare(t *testing.T) {
	var log connLog
	srv := tlsServer(t, &log)
	readLog(t, clientOf(t, srv))
	if got := log.get(); len(got) != 2 || got[0] != "conn" || got[1] != "request HTTP/1.1" {
		t.Fatalf("server saw %v", got)
	}
}

// TestNoDialAheadThroughAProxy: net/http dials a proxy itself, so nothing
// is dialled ahead (and nothing breaks) when one applies.
func TestNoDialAheadThroughAProxy(t *testing.T) {
	w := newWarmDialer("https://10.0.0.1:6443", nil, nil, http.ProxyFromEnvironment)
	if w != nil {
		t.Fatal("a dialer without TLS config")
	}
	proxied := func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy:3128") }
	w = newWarmDialer("https://10.0.0.1:6443", &tls.Config{}, nil, proxied)
	w.Warm() // must not dial: dial is nil and would panic
	if w.direct || w.pending != nil {
		t.Fatalf("dialled through a proxy: %+v", w)
	}
}

// TestStreamsEndingTogetherKeepTheirConnections: every stream of a large
// selection that ends at once leaves its connection for the task's next
// read (the read that confirms the log was drained), instead of 25 being
// kept and the rest dialled again.
func TestStreamsEndingTogetherKeepTheirConnections(t *testing.T) {
	const streams = 60
	var conns sync.WaitGroup
	var started sync.WaitGroup
	var mu sync.Mutex
	release := make(chan struct{})
	var log connLog
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("2026-12-02T10:00:00.000000000Z line\n"))
		w.(http.Flusher).Flush()
		if r.URL.Query().Get("follow") == "true" {
			mu.Lock()
			r := release // this round's, taken before it can be replaced
			mu.Unlock()
			started.Done()
			<-r // every stream is open at once
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			log.add("conn")
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := NewForConfig(&rest.Config{Host: srv.URL, QPS: 1000, Burst: 1000,
		TLSClientConfig: rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})}})
	if err != nil {
		t.Fatal(err)
	}
	read := func(follow bool) {
		defer conns.Done()
		rc, err := c.Pods("druid").GetLogs("p", &corev1.PodLogOptions{Container: "main", Follow: follow}).Stream(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Error(err)
		}
	}
	for range 2 { // the streams, then the next read of each, all at once again
		started.Add(streams)
		conns.Add(streams)
		for range streams {
			go read(true)
		}
		started.Wait()
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
		conns.Wait()
	}
	if n := len(log.get()); n != streams {
		t.Fatalf("%d streams then %d reads made %d connections, want %d: ended streams' connections were closed", streams, streams, n, streams)
	}
}
