package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// script is a server that answers the i-th request with steps[i] (the last
// step repeats) and counts requests.
type script struct {
	steps []step
	n     atomic.Int32
}

type step struct {
	code       int
	retryAfter string
	reset      bool // hijack and close with RST instead of answering
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	st := s.steps[min(i, len(s.steps)-1)]
	if st.reset {
		resetConn(w)
		return
	}
	if st.retryAfter != "" {
		w.Header().Set("Retry-After", st.retryAfter)
	}
	w.WriteHeader(st.code)
	_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","code":`+strconv.Itoa(st.code)+`}`)
}

// resetConn closes the client connection with a TCP RST.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// recorder is a sleep hook that records the waits and does not wait.
type recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func TestRoundTripAttempts(t *testing.T) {
	s := func(steps ...step) []step { return steps }
	tests := []struct {
		name         string
		method       string
		steps        []step
		wantAttempts int32
		wantCode     int // 0: an error is expected
		wantWaits    []time.Duration
	}{
		{"GET 500 is retried up to MaxAttempts", "GET", s(step{code: 500}), 4, 500, nil},
		{"GET 502 then 200", "GET", s(step{code: 502}, step{code: 200}), 2, 200, nil},
		{"GET 503 twice then 200", "GET", s(step{code: 503}, step{code: 503}, step{code: 200}), 3, 200, nil},
		{"GET 504 is retried", "GET", s(step{code: 504}), 4, 504, nil},
		{"GET 429 honours Retry-After", "GET", s(step{code: 429, retryAfter: "1"}), 4, 429,
			[]time.Duration{time.Second, time.Second, time.Second}},
		{"Retry-After is capped", "GET", s(step{code: 503, retryAfter: "3600"}, step{code: 200}), 2, 200,
			[]time.Duration{3 * time.Second}},
		{"Retry-After as an HTTP date in the past", "GET", s(step{code: 503, retryAfter: "Mon, 02 Jan 2006 15:04:05 GMT"}, step{code: 200}), 2, 200,
			[]time.Duration{0}},
		{"HEAD is retried", "HEAD", s(step{code: 503}, step{code: 200}), 2, 200, nil},
		{"GET 200 is not retried", "GET", s(step{code: 200}), 1, 200, nil},
		{"GET 404 is not retried", "GET", s(step{code: 404}), 1, 404, nil},
		{"GET 401 is not retried", "GET", s(step{code: 401}), 1, 401, nil},
		{"GET 403 is not retried", "GET", s(step{code: 403}), 1, 403, nil},
		{"GET 501 is not retried", "GET", s(step{code: 501}), 1, 501, nil},
		{"POST 503 is never retried", "POST", s(step{code: 503}), 1, 503, nil},
		{"PUT 500 is never retried", "PUT", s(step{code: 500}), 1, 500, nil},
		{"PATCH 429 is never retried", "PATCH", s(step{code: 429, retryAfter: "1"}), 1, 429, nil},
		{"DELETE 502 is never retried", "DELETE", s(step{code: 502}), 1, 502, nil},
		{"GET reset then 200", "GET", s(step{reset: true}, step{code: 200}), 2, 200, nil},
		{"GET reset every time", "GET", s(step{reset: true}), 4, 0, nil},
		{"POST reset is never retried", "POST", s(step{reset: true}), 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &script{steps: tt.steps}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			rec := &recorder{}
			rt := &Transport{Next: ts.Client().Transport, Policy: Policy{MaxRetryAfter: 3 * time.Second}, sleep: rec.sleep}
			req, _ := http.NewRequest(tt.method, ts.URL+"/api/v1/pods", nil)
			resp, err := rt.RoundTrip(req)
			if got := srv.n.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if tt.wantCode == 0 {
				if err == nil {
					t.Fatalf("got %s, want an error", resp.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %d", err, tt.wantCode)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.method == "GET" && resp.Header.Get("Retry-After") != "" {
				t.Errorf("final response still carries Retry-After: client-go would retry it again")
			}
			if tt.wantWaits != nil && !equalDurations(rec.waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", rec.waits, tt.wantWaits)
			}
			if len(rec.waits) != int(tt.wantAttempts)-1 {
				t.Errorf("%d waits for %d attempts", len(rec.waits), tt.wantAttempts)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// counting counts RoundTrip calls.
type counting struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestConnectionRefusedIsRetriedThenExhausted(t *testing.T) {
	addr := closedPort(t)
	next := &counting{next: http.DefaultTransport}
	rt := &Transport{Next: next, sleep: (&recorder{}).sleep}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api", nil)
	_, err := rt.RoundTrip(req)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || ex.Attempts != 4 || next.n.Load() != 4 {
		t.Fatalf("err = %v (%T), calls %d; want *ExhaustedError after 4 attempts", err, err, next.n.Load())
	}
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "(4 attempts)") {
		t.Errorf("message %q", err.Error())
	}
	var ne net.Error
	if !errors.As(err, &ne) || ne.Timeout() {
		t.Errorf("ExhaustedError must be a net.Error that is not a timeout")
	}
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestStreamedBodyIsNeverRetried(t *testing.T) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, "line 1\nline 2\n")
		w.(http.Flusher).Flush()
		resetConn(w)
	}))
	defer ts.Close()
	rt := &Transport{Next: ts.Client().Transport, sleep: (&recorder{}).sleep}
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/namespaces/d/pods/p/log?follow=true", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || string(body) != "line 1\nline 2\n" {
		t.Errorf("read %q, %v; want the two lines and the stream's error", body, err)
	}
	if n.Load() != 1 {
		t.Errorf("%d requests: a 200 that was handed out must not be retried", n.Load())
	}
}

func TestContextCancelledDuringWait(t *testing.T) {
	srv := &script{steps: []step{{code: 503, retryAfter: "5"}}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rt := New(ts.Client().Transport, Policy{})
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL, nil)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := rt.RoundTrip(req)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s: the wait ignored the cancellation", took)
	}
	if srv.n.Load() != 1 {
		t.Errorf("%d attempts, want 1", srv.n.Load())
	}
}

func TestDeadlineShorterThanWaitReturnsLastResponse(t *testing.T) {
	srv := &script{steps: []step{{code: 429, retryAfter: "5"}}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL, nil)
	resp, err := New(ts.Client().Transport, Policy{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || srv.n.Load() != 1 {
		t.Errorf("status %d after %d attempts; want the 429 at once", resp.StatusCode, srv.n.Load())
	}
}

func TestBackoffBounds(t *testing.T) {
	p := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	tests := []struct {
		attempt int
		max     time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond}, {5, time.Second}, {50, time.Second}}
	for _, tt := range tests {
		for range 100 {
			if d := backoff(p, tt.attempt); d < tt.max/2 || d > tt.max {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s]", tt.attempt, d, tt.max/2, tt.max)
			}
		}
	}
}

func TestBodyIsReplayed(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if n.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(200)
	}))
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL, strings.NewReader("q"))
	resp, err := (&Transport{Next: ts.Client().Transport, sleep: (&recorder{}).sleep}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(bodies) != 2 || bodies[0] != "q" || bodies[1] != "q" {
		t.Errorf("bodies = %q, want the body sent twice", bodies)
	}
}
