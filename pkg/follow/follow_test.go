package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// lines returns n stdout records "name NNN" from start, step apart, and
// the text a reader without timestamps prints for them.
func lines(name string, from, n int, start time.Time, step time.Duration) ([]crilog.Record, string) {
	var recs []crilog.Record
	var text strings.Builder
	for i := from; i < from+n; i++ {
		s := fmt.Sprintf("%s line %03d of the peon log", name, i)
		recs = append(recs, crilog.Line(crilog.Stdout, s, 0, start.Add(time.Duration(i-from)*step))...)
		text.WriteString(s + "\n")
	}
	return recs, text.String()
}

func quick(o Options) Options {
	o.MinBackoff, o.MaxBackoff = time.Millisecond, 2*time.Millisecond
	if o.EndGrace == 0 {
		o.EndGrace = 20 * time.Millisecond
	}
	return o
}

// ending ends the container: the kubelet stops following and ended closes.
type ending struct {
	k    *crilog.Kubelet
	ch   chan struct{}
	once sync.Once
}

func newEnding(k *crilog.Kubelet) *ending { return &ending{k: k, ch: make(chan struct{})} }

func (e *ending) end() {
	e.once.Do(func() {
		e.k.Terminate()
		close(e.ch)
	})
}

// syncBuffer is an output several goroutines may read while a follower
// writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func runFollower(t *testing.T, open Opener, out io.Writer, o Options, ended <-chan struct{}) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return New(open, out, o).Run(ctx, ended)
}

// TestResumesWithoutLossOrDuplicates cuts the stream at many places of a
// log with several lines per second and equal timestamps.
func TestResumesWithoutLossOrDuplicates(t *testing.T) {
	recs, want := lines("a", 0, 60, at(0), 75*time.Millisecond) // 4 lines share a 300 ms span
	for i := 0; i < len(recs); i += 4 {
		recs[i].Time = recs[max(0, i-1)].Time // runs of equal timestamps
	}
	size := len(crilog.Read(crilog.Encode(recs...), crilog.Options{Timestamps: true})) // of the first response
	for _, cuts := range [][]int{nil, {7}, {size / 3, 40, 200}, {0, 0, size / 2}, {size - 1}} {
		t.Run(fmt.Sprint(cuts), func(t *testing.T) {
			k := crilog.NewKubelet()
			k.Append(recs...)
			for _, c := range cuts {
				k.Faults(crilog.Fault{CutAfter: c, Err: io.ErrUnexpectedEOF})
			}
			e := newEnding(k)
			k.Faults(crilog.Fault{CutAfter: -1})
			go func() {
				waitFor(t, "the last request", func() bool { return len(k.Requests()) > len(cuts) })
				e.end()
			}()
			var out syncBuffer
			if err := runFollower(t, k.Open, &out, quick(Options{}), e.ch); err != nil {
				t.Fatal(err)
			}
			if out.String() != want {
				t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
			}
		})
	}
}

// TestCleanEarlyEndAfterTheContainerEndedIsConfirmed is defect 1: a proxy
// ends the stream cleanly, after the container's end was reported, before
// the log's tail was sent. The end must be confirmed by a read.
func TestCleanEarlyEndAfterTheContainerEndedIsConfirmed(t *testing.T) {
	recs, want := lines("tail", 0, 20, at(0), 10*time.Millisecond)
	k := crilog.NewKubelet()
	k.Append(recs...)
	e := newEnding(k)
	half := len(crilog.Read(crilog.Encode(recs[:10]...), crilog.Options{Timestamps: true})) // ten lines out
	k.Faults(crilog.Fault{CutAfter: half, Err: nil, OnCut: e.end})
	var out bytes.Buffer
	if err := runFollower(t, k.Open, &out, quick(Options{}), e.ch); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
	}
}

// TestALastLineWithoutNewlineIsPrinted is defect 4: the kubelet never sends
// an unfinished last record in a follow stream, so it must be read after
// the end, and printed as a line.
func TestALastLineWithoutNewlineIsPrinted(t *testing.T) {
	recs, want := lines("x", 0, 3, at(0), time.Millisecond)
	k := crilog.NewKubelet()
	k.Append(recs...)
	k.AppendRaw([]byte(at(10).Format(time.RFC3339Nano) + " stdout F exiting without a newline"))
	want += "exiting without a newline\n"
	e := newEnding(k)
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- runFollower(t, k.Open, &out, quick(Options{EndGrace: 5 * time.Second}), e.ch) }()
	waitFor(t, "the three lines", func() bool { return strings.Count(out.String(), "\n") == 3 })
	close(e.ch) // the pod watch reports the end first...
	time.Sleep(20 * time.Millisecond)
	k.Terminate() // ...then the kubelet ends the stream
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}

// TestTailZeroResumesFromTheFirstRequestsTime is defect 3: with --tail 0 a
// stream that drops before the first line must not lose the lines written
// while reconnecting, nor print the old ones.
func TestTailZeroResumesFromTheFirstRequestsTime(t *testing.T) {
	now := time.Now().UTC()
	old, _ := lines("old", 0, 5, now.Add(-10*time.Second), time.Millisecond)
	k := crilog.NewKubelet()
	k.Append(old...)
	during, want := lines("new", 0, 5, now.Add(50*time.Millisecond), time.Millisecond)
	e := newEnding(k)
	k.Faults(crilog.Fault{CutAfter: 0, Err: io.ErrUnexpectedEOF, OnCut: func() { k.Append(during...) }})
	go func() {
		waitFor(t, "the reconnect", func() bool { return len(k.Requests()) >= 2 })
		e.end()
	}()
	zero := int64(0)
	var out bytes.Buffer
	if err := runFollower(t, k.Open, &out, quick(Options{TailLines: &zero, Now: func() time.Time { return now }}), e.ch); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
	}
	if r := k.Requests()[1]; r.TailLines != nil || r.SinceTime == nil {
		t.Fatalf("the reconnect must ask from the first request's time, not repeat tailLines: %+v", r)
	}
}

// TestShortSinceResumesFromTheFirstRequestsWindow: --since 2s, a drop
// before the first line, a reconnect later than 2 s: what the first request
// covered is still sent.
func TestShortSinceResumesFromTheFirstRequestsWindow(t *testing.T) {
	now := time.Now().UTC()
	recs, _ := lines("a", 0, 3, now.Add(-10*time.Second), time.Millisecond)
	recent, want := lines("b", 0, 3, now.Add(-1500*time.Millisecond), time.Millisecond)
	k := crilog.NewKubelet()
	k.Append(append(recs, recent...)...)
	k.Now = func() time.Time { return now.Add(5 * time.Second) } // the server's clock at the reconnect
	first := true
	k.Faults(crilog.Fault{CutAfter: 0, Err: io.ErrUnexpectedEOF, OnCut: func() { first = false }})
	e := newEnding(k)
	go func() {
		waitFor(t, "the reconnect", func() bool { return len(k.Requests()) >= 2 })
		e.end()
	}()
	two := int64(2)
	var out bytes.Buffer
	if err := runFollower(t, k.Open, &out, quick(Options{SinceSeconds: &two, Now: func() time.Time { return now }}), e.ch); err != nil {
		t.Fatal(err)
	}
	if out.String() != want || first {
		t.Fatalf("printed\n%s\nwant\n%s", out.String(), want)
	}
}

// TestFinalReadsBackOff is defect 5: after the container's end, failing
// reads of the log's end wait between attempts like reconnects do.
func TestFinalReadsBackOff(t *testing.T) {
	var times []time.Time
	open := func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) {
		times = append(times, time.Now())
		return nil, apierrors.NewServiceUnavailable("kubelet restarting")
	}
	ended := make(chan struct{})
	close(ended)
	o := Options{MaxFailures: 5, MinBackoff: 10 * time.Millisecond, MaxBackoff: time.Second}
	err := runFollower(t, open, io.Discard, o, ended)
	var g *GaveUpError
	if !errors.As(err, &g) || len(times) != 5 {
		t.Fatalf("Run = %v after %d reads, want a GaveUpError after 5", err, len(times))
	}
	// A sleep never ends early, so each gap is at least the backoff.
	for i, min := range []time.Duration{10, 20, 40, 80} {
		if gap := times[i+1].Sub(times[i]); gap < min*time.Millisecond {
			t.Fatalf("gap %d is %v, want at least %v: final reads must back off", i, gap, min*time.Millisecond)
		}
	}
}

// TestResumeInsideASplitLine is defect 7: the runtime split a long line
// into records whose stamps straddle seconds; a resume from a second inside
// it starts with an unstamped fragment that was printed already.
func TestResumeInsideASplitLine(t *testing.T) {
	long := strings.Repeat("L", 40<<10)
	tests := []struct {
		name   string
		stamps []time.Time // of the long line's records
		after  time.Time   // the line printed after it, before the cut
	}{
		{"the line began in the second before", []time.Time{at(500), at(1500), at(1600)}, at(1700)},
		{"the line began two seconds before", []time.Time{at(500), at(2500), at(2600)}, at(2700)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []crilog.Record
			recs = append(recs, crilog.Line(crilog.Stdout, "before", 0, at(100))...)
			recs = append(recs, crilog.Line(crilog.Stdout, long, crilog.DefaultMaxRecord, tt.stamps...)...)
			recs = append(recs, crilog.Line(crilog.Stdout, "after", 0, tt.after)...)
			more, moreText := lines("more", 0, 3, tt.after.Add(time.Second), time.Millisecond)
			k := crilog.NewKubelet()
			k.Append(recs...)
			e := newEnding(k)
			var out syncBuffer
			done := make(chan error, 1)
			go func() {
				done <- runFollower(t, k.Open, &out, quick(Options{}), e.ch)
			}()
			waitFor(t, "three lines", func() bool { return strings.Count(out.String(), "\n") == 3 })
			cutStreams(k)
			k.Append(more...)
			waitFor(t, "the more lines", func() bool { return strings.Contains(out.String(), "more line 002") })
			e.end()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if want := "before\n" + long + "\nafter\n" + moreText; out.String() != want {
				t.Fatalf("printed %d bytes, want %d; head %q", len(out.String()), len(want), out.String()[:80])
			}
		})
	}
}

// cutStreams makes every open stream of k fail, as a connection reset.
func cutStreams(k *crilog.Kubelet) {
	k.CutOpenStreams(io.ErrUnexpectedEOF)
}

func TestRunErrors(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "p", errors.New("no"))
	gone := apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p")
	unauthorized := apierrors.NewUnauthorized("Unauthorized")
	tests := []struct {
		name    string
		err     error
		ended   bool
		want    func(error) bool
		wantReq int
	}{
		{"forbidden is permanent", forbidden, false, apierrors.IsForbidden, 1},
		{"a 401 twice in a row is permanent: the credentials were retried once", unauthorized, false, apierrors.IsUnauthorized, 2},
		{"transient errors give up after MaxFailures", errors.New("connection refused"), false,
			func(err error) bool { var g *GaveUpError; return errors.As(err, &g) && g.Attempts == 3 }, 3},
		{"a pod gone before its log was read to the end is said", gone, true,
			func(err error) bool { var g *LogGoneError; return errors.As(err, &g) && g.OffsetKnown && g.Offset == 0 }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			open := func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) { n++; return nil, tt.err }
			ended := make(chan struct{})
			if tt.ended {
				close(ended)
			}
			err := runFollower(t, open, io.Discard, quick(Options{MaxFailures: 3}), ended)
			if !tt.want(err) || n != tt.wantReq {
				t.Fatalf("Run = %v after %d requests", err, n)
			}
		})
	}
}

// A bearer token read from a file (a kubeconfig tokenFile, a projected
// ServiceAccount token) or from an exec plugin is replaced while a long
// follow runs; client-go keeps the old one cached until a request gets a
// 401, then reads it again. So one 401 after a drop is retried, and the
// follow goes on with every line once.
func TestA401AfterATokenChangeIsRetriedOnce(t *testing.T) {
	k := crilog.NewKubelet()
	before, beforeText := lines("before", 1, 3, at(0), 10*time.Millisecond)
	after, afterText := lines("after", 1, 2, at(2000), 10*time.Millisecond)
	k.Append(before...)
	var mu sync.Mutex
	opens, refused := 0, false
	open := func(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		mu.Lock()
		opens++
		first := opens == 2 // the reconnect after the cut
		if first {
			refused = true
		}
		mu.Unlock()
		if first {
			return nil, apierrors.NewUnauthorized("Unauthorized")
		}
		return k.Open(ctx, o)
	}
	var out syncBuffer
	e := newEnding(k)
	done := make(chan error, 1)
	go func() { done <- runFollower(t, open, &out, quick(Options{}), e.ch) }()
	waitFor(t, "the first lines", func() bool { return out.String() == beforeText })
	cutStreams(k)
	k.Append(after...)
	waitFor(t, "the lines after the token change", func() bool { return strings.Contains(out.String(), "after line 002") })
	e.end()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want the follow to go on after one 401", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !refused {
		t.Fatal("the 401 was never served")
	}
	if want := beforeText + afterText; out.String() != want {
		t.Fatalf("printed:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	k := crilog.NewKubelet()
	ctx, cancel := context.WithCancel(context.Background())
	open := func(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		defer cancel()
		return k.Open(ctx, o)
	}
	if err := New(open, io.Discard, quick(Options{})).Run(ctx, make(chan struct{})); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}

func TestSplitTimestamp(t *testing.T) {
	tests := []struct{ line, ts, msg string }{
		{"2026-11-26T10:00:00.123456789Z hello world\n", "2026-11-26T10:00:00.123456789Z", "hello world\n"},
		{"2026-11-26T10:00:00Z x\n", "2026-11-26T10:00:00Z", "x\n"},
		{"plain line without timestamp\n", "", "plain line without timestamp\n"},
		{"2026-11-26T10:00:00.1Z\n", "", "2026-11-26T10:00:00.1Z\n"},
		{"2026-11-26T10:00:00,123 INFO [main] a Druid line, not a stamp\n", "", "2026-11-26T10:00:00,123 INFO [main] a Druid line, not a stamp\n"},
		{"\n", "", "\n"},
	}
	for _, tt := range tests {
		ts, msg := splitTimestamp([]byte(tt.line))
		if string(ts) != tt.ts || string(msg) != tt.msg {
			t.Errorf("splitTimestamp(%q) = %q, %q", tt.line, ts, msg)
		}
	}
}
