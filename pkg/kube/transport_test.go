package kube

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAStreamIsBufferedAtMostOneStreamWindowAhead opens a streamed
// response over HTTP/2 (a watch, say) and never reads it: the server can
// send no more than the stream's receive window before flow control stops
// it (client-go's default would let it send 4 MB).
func TestAStreamIsBufferedAtMostOneStreamWindowAhead(t *testing.T) {
	var sent atomic.Int64
	proto := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto <- r.Proto
		chunk := make([]byte, 16<<10)
		rc := http.NewResponseController(w)
		for sent.Load() < 8<<20 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			_ = rc.Flush()
			sent.Add(int64(len(chunk)))
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c := clientOf(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rc, err := c.core.Get().Namespace("druid").Resource("pods").Name("p").SubResource("log").Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if p := <-proto; p != "HTTP/2.0" {
		t.Fatalf("protocol %s, want HTTP/2.0", p)
	}
	// Wait until the server has been stuck for a while.
	last := int64(-1)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		n := sent.Load()
		if n == last {
			break
		}
		last = n
	}
	// The window, plus what the server's own write buffers hold.
	if limit := int64(StreamWindow + 256<<10); last > limit {
		t.Fatalf("server sent %d bytes to a reader that read none, want at most %d", last, limit)
	}
	if last < StreamWindow/2 {
		t.Fatalf("server sent only %d bytes: the stream did not flow", last)
	}
}

// TestALogStreamIsReadOverHTTP1 checks that log streams, unlike the other
// requests, go over HTTP/1.1 with the same TLS configuration, and that their
// bodies say the follower need not pause between reads.
func TestALogStreamIsReadOverHTTP1(t *testing.T) {
	proto := make(chan string, 2)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto <- r.URL.Path + " " + r.Proto
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c := clientOf(t, srv)
	ctx := context.Background()
	rc, err := c.Pods("druid").GetLogs("p", &corev1.PodLogOptions{Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, ok := rc.(interface{ ReadsDirectly() }); !ok {
		t.Errorf("log stream body %T does not mark itself as read directly", rc)
	}
	if _, err := c.Pods("druid").Get(ctx, "p", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/api/v1/namespaces/druid/pods/p/log HTTP/1.1", "/api/v1/namespaces/druid/pods/p HTTP/2.0"} {
		if got := <-proto; got != want {
			t.Errorf("request %q, want %q", got, want)
		}
	}
}
