package retry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestRequestsPerCallThroughClientGo measures how many HTTP requests one
// client-go call costs when the server keeps failing, with and without this
// transport, so the combination of the two retry layers stays bounded.
// Retry-After is "0" to keep client-go's own waits at zero.
func TestRequestsPerCallThroughClientGo(t *testing.T) {
	get := func(ctx context.Context, c kubernetes.Interface) error {
		_, err := c.BatchV1().Jobs("druid").Get(ctx, "job", metav1.GetOptions{})
		return err
	}
	list := func(ctx context.Context, c kubernetes.Interface) error {
		_, err := c.CoreV1().Pods("druid").List(ctx, metav1.ListOptions{LabelSelector: "job-name=job"})
		return err
	}
	watch := func(ctx context.Context, c kubernetes.Interface) error {
		w, err := c.CoreV1().Pods("druid").Watch(ctx, metav1.ListOptions{})
		if err == nil {
			w.Stop()
		}
		return err
	}
	logs := func(ctx context.Context, c kubernetes.Interface) error {
		rc, err := c.CoreV1().Pods("druid").GetLogs("pod", &corev1.PodLogOptions{Container: "main"}).Stream(ctx)
		if err == nil {
			rc.Close()
		}
		return err
	}
	tests := []struct {
		name    string
		call    func(context.Context, kubernetes.Interface) error
		step    step
		wrapped bool
		want    int32
	}{
		// client-go alone retries a 5xx with Retry-After 10 times.
		{"get 500 Retry-After, client-go alone", get, step{code: 500, retryAfter: "0"}, false, 11},
		{"get 500 Retry-After, with retry", get, step{code: 500, retryAfter: "0"}, true, 4},
		{"get 500 no Retry-After, client-go alone", get, step{code: 500}, false, 1},
		{"get 500 no Retry-After, with retry", get, step{code: 500}, true, 4},
		{"list 429 Retry-After, with retry", list, step{code: 429, retryAfter: "0"}, true, 4},
		{"list 503, with retry", list, step{code: 503}, true, 4},
		{"watch 502, with retry", watch, step{code: 502}, true, 4},
		{"log stream 503 Retry-After, client-go alone", logs, step{code: 503, retryAfter: "0"}, false, 11},
		{"log stream 503 Retry-After, with retry", logs, step{code: 503, retryAfter: "0"}, true, 4},
		{"get 404, with retry", get, step{code: 404}, true, 1},
		// client-go alone retries a reset GET 10 times, waiting 1s each:
		// with this transport the call costs its 4 attempts only.
		{"get connection reset, with retry", get, step{reset: true}, true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &script{steps: []step{tt.step}}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			cfg := &rest.Config{Host: ts.URL, QPS: 1000, Burst: 1000}
			if tt.wrapped {
				cfg.Wrap(Wrapper(Policy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
			}
			c, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			if err := tt.call(ctx, c); err == nil {
				t.Fatalf("call succeeded against a failing server")
			}
			if got := srv.n.Load(); got != tt.want {
				t.Errorf("%d HTTP requests for one call, want %d", got, tt.want)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

// TestWatchStreamIsNotRetried checks that a watch whose 200 stream breaks
// is handed to client-go's watch machinery, not replayed here.
func TestWatchStreamIsNotRetried(t *testing.T) {
	srv := &script{steps: []step{{code: 200}}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}}`+"\n")
		w.(http.Flusher).Flush()
		resetConn(w)
	}))
	defer ts.Close()
	cfg := &rest.Config{Host: ts.URL}
	cfg.Wrap(Wrapper(Policy{BaseDelay: time.Millisecond}))
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.CoreV1().Pods("druid").Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	n := 0
	for range w.ResultChan() {
		n++
	}
	if n != 1 || srv.n.Load() != 1 {
		t.Errorf("%d events over %d requests, want 1 event over 1 request", n, srv.n.Load())
	}
}
