package kube

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/druid-logs/kubectl-druid-logs/pkg/retry"
)

func TestSetRateLimit(t *testing.T) {
	for _, tt := range []struct {
		streams   int
		wantBurst int
	}{{0, DefaultBurst}, {5, DefaultBurst}, {50, DefaultBurst}, {200, 210}, {1000, 1010}} {
		cfg := &rest.Config{}
		SetRateLimit(cfg, tt.streams)
		if cfg.QPS != DefaultQPS || cfg.Burst != tt.wantBurst {
			t.Errorf("streams %d: QPS %v burst %d, want %v and %d", tt.streams, cfg.QPS, cfg.Burst, DefaultQPS, tt.wantBurst)
		}
	}
}

// throttler answers every odd request with 429 Too Many Requests and
// Retry-After: 1 (the API server's priority and fairness pushing back), and
// the next one with an empty pod list; it notes when each request came.
type throttler struct {
	mu    sync.Mutex
	times []time.Time
}

func (s *throttler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	n := len(s.times)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if n%2 == 1 {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429,`+
			`"message":"Too many requests, please try again later."}`)
		return
	}
	fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]}`)
}

// TestA429IsWaitedOutAndToldOnce: a request the API server answers with 429
// and Retry-After is sent again only after the wait it asked for (not at
// once), succeeds, and the slow-down is told once on the --debug channel,
// however many requests meet it.
func TestA429IsWaitedOutAndToldOnce(t *testing.T) {
	srv := &throttler{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	var mu sync.Mutex
	var told []string
	cfg := &rest.Config{Host: ts.URL}
	cfg.Wrap(retry.Wrapper(retry.Policy{Notify: func(format string, args ...any) {
		mu.Lock()
		told = append(told, fmt.Sprintf(format, args...))
		mu.Unlock()
	}}))
	SetRateLimit(cfg, 0)
	c, err := NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 2 {
		list, err := c.Pods("druid").List(ctx, metav1.ListOptions{})
		if err != nil || list.ResourceVersion != "7" {
			t.Fatalf("list %d: %v, %+v", i, err, list)
		}
	}
	srv.mu.Lock()
	times := srv.times
	srv.mu.Unlock()
	if len(times) != 4 {
		t.Fatalf("%d requests for two lists, want 4 (each 429 retried once)", len(times))
	}
	for _, i := range []int{1, 3} {
		// A lower bound only: the retry came no sooner than Retry-After.
		if gap := times[i].Sub(times[i-1]); gap < time.Second {
			t.Errorf("request %d came %v after the 429, before its Retry-After of 1s", i+1, gap)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 1 || !strings.Contains(told[0], "429") || !strings.Contains(told[0], "Retry-After") {
		t.Fatalf("told %q, want one line about the 429", told)
	}
}
