// Package retry is an http.RoundTripper that retries idempotent API requests
// on transient failures: 429 Too Many Requests, 500/502/503/504, and
// connection refused or reset. It is installed with rest.Config.Wrap.
//
// Only GET and HEAD are retried (LIST and WATCH are GETs); POST, PUT, PATCH
// and DELETE pass through untouched. A retry happens only before a response
// is handed to the caller: a 200 whose body is being read (a log stream, a
// watch) is never retried here, because lines already consumed would be
// repeated. Waits grow exponentially with jitter, honour Retry-After (capped
// at Policy.MaxRetryAfter) and end early when the request's context is done.
//
// client-go retries too: rest.Request retries up to 10 times a 429/5xx that
// carries Retry-After, and (for GET) a connection reset, waiting 1s. Stacked
// on that, this transport would multiply attempts (11 x 4 = 44 requests for
// one 500). So once this transport owns a request it answers for it alone:
// the Retry-After header of the final response is removed, and a final
// connection error is returned as *ExhaustedError, which client-go does not
// recognise as retryable. A request that keeps failing with 500 therefore
// costs exactly Policy.MaxAttempts requests in total (4 by default; the
// tests measure it through a real clientset).
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Policy bounds the retries. The zero value of a field means its default.
type Policy struct {
	// MaxAttempts is the total number of requests, first one included.
	// Default 4.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles per retry.
	// Default 200ms.
	BaseDelay time.Duration
	// MaxDelay caps the exponential wait. Default 2s.
	MaxDelay time.Duration
	// MaxRetryAfter caps a server's Retry-After. Default 10s.
	MaxRetryAfter time.Duration
	// Notify, if set, receives one line per retry (for --debug).
	Notify func(format string, args ...any)
}

// Defaults of Policy.
const (
	DefaultMaxAttempts   = 4
	DefaultBaseDelay     = 200 * time.Millisecond
	DefaultMaxDelay      = 2 * time.Second
	DefaultMaxRetryAfter = 10 * time.Second
)

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// Transport retries idempotent requests of Next under a Policy.
type Transport struct {
	// Next performs each attempt.
	Next   http.RoundTripper
	Policy Policy
	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// throttled is set at the first 429: the API server's request to slow
	// down is told once (many streams starting together would each meet
	// it), shared by the Transports of one Wrapper.
	throttled *atomic.Bool
}

// New returns a Transport over next with policy p.
func New(next http.RoundTripper, p Policy) *Transport {
	return &Transport{Next: next, Policy: p}
}

// WrappedRoundTripper exposes Next, so client-go can cancel a request that
// hits --request-timeout through this wrapper (utilnet.RoundTripperWrapper).
func (t *Transport) WrappedRoundTripper() http.RoundTripper { return t.Next }

// Wrapper returns a function for rest.Config.Wrap that installs a Transport
// with policy p.
func Wrapper(p Policy) func(http.RoundTripper) http.RoundTripper {
	throttled := &atomic.Bool{}
	return func(rt http.RoundTripper) http.RoundTripper {
		t := New(rt, p)
		t.throttled = throttled
		return t
	}
}

// ExhaustedError is returned when every attempt failed with a connection
// error. It does not unwrap to the underlying syscall error on purpose: that
// stops client-go from retrying the request again (see the package doc).
// Last keeps the last attempt's error.
type ExhaustedError struct {
	Attempts int
	Last     error
}

// Error is the last attempt's error and the number of attempts.
func (e *ExhaustedError) Error() string {
	// client-go also matches the text "connection reset by peer".
	msg := strings.ReplaceAll(e.Last.Error(), "connection reset by peer", "connection reset by the server")
	return fmt.Sprintf("%s (%d attempts)", msg, e.Attempts)
}

// Timeout reports false: timeouts are never retried, so this is not one.
func (e *ExhaustedError) Timeout() bool { return false }

// Temporary reports false: the retries are spent.
func (e *ExhaustedError) Temporary() bool { return false }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !retryable(req) {
		return t.Next.RoundTrip(req)
	}
	p := t.Policy.withDefaults()
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		try := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			try = req.Clone(ctx)
			try.Body = body
		}
		resp, err := t.Next.RoundTrip(try)
		why, again := shouldRetry(resp, err)
		if !again || ctx.Err() != nil {
			return final(resp, err, attempt)
		}
		wait := backoff(p, attempt)
		if ra, ok := retryAfter(resp); ok {
			wait = min(ra, p.MaxRetryAfter)
		}
		if attempt >= p.MaxAttempts || !fitsDeadline(ctx, wait) {
			return final(resp, err, attempt)
		}
		t.notify(p, req, resp, why, attempt, wait)
		discard(resp)
		if err := t.wait(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// notify tells of a retry; a 429 (the API server's own protection asking
// the client to slow down) is told once, with the wait it asked for.
func (t *Transport) notify(p Policy, req *http.Request, resp *http.Response, why string, attempt int, wait time.Duration) {
	if p.Notify == nil {
		return
	}
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		if t.throttled == nil {
			t.throttled = &atomic.Bool{}
		}
		if t.throttled.Swap(true) {
			return
		}
		how := "backing off"
		if _, ok := retryAfter(resp); ok {
			how = "as its Retry-After asks"
		}
		p.Notify("retry: the API server asks to slow down (%s on %s %s): waiting %s (%s) before retrying; "+
			"further 429s are not reported", why, req.Method, redact(req), wait.Round(time.Millisecond), how)
		return
	}
	p.Notify("retry: %s %s -> %s; attempt %d of %d in %s", req.Method, redact(req), why,
		attempt+1, p.MaxAttempts, wait.Round(time.Millisecond))
}

func (t *Transport) wait(ctx context.Context, d time.Duration) error {
	if t.sleep != nil {
		return t.sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryable reports whether req may be sent again: an idempotent method
// whose body, if any, can be replayed.
func retryable(req *http.Request) bool {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// shouldRetry says whether an attempt's outcome is transient, and why.
func shouldRetry(resp *http.Response, err error) (string, bool) {
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return "connection refused", true
		case errors.Is(err, syscall.ECONNRESET):
			return "connection reset", true
		}
		return "", false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return resp.Status, true
	}
	return "", false
}

// final returns the last outcome, marked so that client-go does not retry
// it again.
func final(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if err != nil {
		if _, transient := shouldRetry(nil, err); transient {
			return nil, &ExhaustedError{Attempts: attempts, Last: err}
		}
		return nil, err
	}
	if _, transient := shouldRetry(resp, nil); transient {
		resp.Header.Del("Retry-After")
	}
	return resp, nil
}

// backoff is BaseDelay * 2^(attempt-1), capped at MaxDelay, with jitter:
// a uniform pick in [d/2, d).
func backoff(p Policy, attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	half := d / 2
	return half + rand.N(half+1)
}

// retryAfter parses Retry-After as seconds or as an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	h := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, 24*3600)) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// fitsDeadline reports whether waiting d still leaves the request time to
// run. When it does not, the last response is worth more than a
// "deadline exceeded" that hides it.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// discard drains a little of a response that is being retried, so its
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

// redact prints the request URL without user information.
func redact(req *http.Request) string {
	u := *req.URL
	u.User = nil
	return u.String()
}
