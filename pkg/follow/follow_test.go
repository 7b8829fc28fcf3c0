package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
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

// callWriter records each Write call, as a writer shared by followers sees
// them.
type callWriter struct {
	mu    sync.Mutex
	calls [][]byte
}

func (c *callWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.calls = append(c.calls, append([]byte(nil), p...))
	c.mu.Unlock()
	return len(p), nil
}

// TestLongLinesReachTheWriterWhole is defect 6: with a prefix (a group), a
// line longer than the buffer must reach the writer underneath in one
// Write, so another member's line cannot land inside it. A line beyond
// MaxLine is written as prefixed pieces, each an output line of its own.
func TestLongLinesReachTheWriterWhole(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	huge := strings.Repeat("y", 300<<10)
	var recs []crilog.Record
	recs = append(recs, crilog.Line(crilog.Stdout, "short", 0, at(0))...)
	recs = append(recs, crilog.Line(crilog.Stdout, long, crilog.DefaultMaxRecord, at(1))...)
	recs = append(recs, crilog.Line(crilog.Stdout, "short again", 0, at(2))...)
	recs = append(recs, crilog.Line(crilog.Stdout, huge, crilog.DefaultMaxRecord, at(3))...)
	k := crilog.NewKubelet()
	k.Append(recs...)
	e := newEnding(k)
	e.end()
	var w callWriter
	if err := runFollower(t, k.Open, &w, quick(Options{Prefix: "[w1] ", MaxLine: 128 << 10}), e.ch); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	for i, c := range w.calls {
		if len(c) == 0 || c[len(c)-1] != '\n' || !bytes.HasPrefix(c, []byte("[w1] ")) {
			t.Fatalf("write %d is not whole lines: %q...", i, c[:min(len(c), 40)])
		}
		for _, l := range bytes.SplitAfter(c[:len(c)-1], []byte("\n")) {
			if !bytes.HasPrefix(l, []byte("[w1] ")) {
				t.Fatalf("write %d has a line without its prefix: %q", i, l[:min(len(l), 40)])
			}
		}
		all.Write(c)
	}
	out := strings.Split(strings.TrimSuffix(strings.ReplaceAll(all.String(), "[w1] ", ""), "\n"), "\n")
	if len(out) < 5 || out[0] != "short" || out[1] != long || out[2] != "short again" {
		t.Fatalf("printed %d lines, want short, the long line whole, short again, then pieces", len(out))
	}
	for _, p := range out[3:] {
		if len(p) == 0 || len(p) > 128<<10+64<<10 {
			t.Fatalf("a piece of %d bytes: pieces are at most MaxLine plus a read", len(p))
		}
	}
	if strings.Join(out[3:], "") != huge {
		t.Fatalf("the pieces do not make the huge line")
	}
}

// TestALineWithoutNewlineForALongTimeKeepsMemoryBounded: a progress bar
// redrawn with '\r' never ends its line; without a prefix it is printed as
// it comes, byte for byte, and the buffer stays at MaxLine.
func TestALineWithoutNewlineForALongTimeKeepsMemoryBounded(t *testing.T) {
	bar := strings.Repeat("\r[=====>    ] 42%", 300_000) // ~5 MB
	k := crilog.NewKubelet()
	k.Append(crilog.Line(crilog.Stdout, bar, crilog.DefaultMaxRecord, at(0))...)
	e := newEnding(k)
	e.end()
	var out bytes.Buffer
	f := New(k.Open, &out, quick(Options{MaxLine: 256 << 10}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Run(ctx, e.ch); err != nil {
		t.Fatal(err)
	}
	if out.String() != bar+"\n" {
		t.Fatalf("printed %d bytes, want %d", out.Len(), len(bar)+1)
	}
	if len(f.buf) > 256<<10+128<<10 {
		t.Fatalf("the read buffer grew to %d bytes for a %d-byte line", len(f.buf), len(bar))
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
	tests := []struct {
		name    string
		err     error
		ended   bool
		want    func(error) bool
		wantReq int
	}{
		{"forbidden is permanent", forbidden, false, apierrors.IsForbidden, 1},
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

// TestJSONLinesAreObjectsJqCanRead: -o json prints one object per line,
// with the fields, the kubelet's timestamp and the message as the
// container wrote it (quotes, tabs, control bytes and invalid UTF-8
// included); a line over MaxLine comes in partial pieces.
func TestJSONLinesAreObjectsJqCanRead(t *testing.T) {
	texts := []string{`plain`, `with "quotes" and \backslash`, "tab\there", "bell\x07", "bad utf8 \xff end", "ünïcödé ✓", ""}
	var recs []crilog.Record
	for i, s := range texts {
		recs = append(recs, crilog.Line(crilog.Stdout, s, 0, at(i))...)
	}
	long := strings.Repeat("z", 300<<10)
	recs = append(recs, crilog.Line(crilog.Stdout, long, crilog.DefaultMaxRecord, at(100))...)
	k := crilog.NewKubelet()
	k.Append(recs...)
	e := newEnding(k)
	e.end()
	var out bytes.Buffer
	j := &JSONLine{Task: "query-abc", Pod: "p-1", Container: "main", Member: "worker1_0"}
	if err := runFollower(t, k.Open, &out, quick(Options{JSON: j, MaxLine: 128 << 10}), e.ch); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Task, Pod, Container, Member, Timestamp, Message string
		Partial                                          bool
	}
	var got []line
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q: %v", l[:min(len(l), 80)], err)
		}
		got = append(got, v)
	}
	for i, s := range texts {
		want := strings.ToValidUTF8(s, "\uFFFD")
		if g := got[i]; g.Message != want || g.Task != "query-abc" || g.Member != "worker1_0" || g.Partial ||
			g.Timestamp != at(i).Format("2006-01-02T15:04:05.000000000Z") {
			t.Fatalf("line %d = %+v, want message %q", i, g, want)
		}
	}
	var joined strings.Builder
	pieces := got[len(texts):]
	for i, p := range pieces {
		joined.WriteString(p.Message)
		if p.Partial != (i < len(pieces)-1) {
			t.Fatalf("piece %d of %d: partial = %v", i, len(pieces), p.Partial)
		}
	}
	if len(pieces) < 2 || joined.String() != long {
		t.Fatalf("the long line came in %d pieces of %d bytes in all", len(pieces), joined.Len())
	}
}

// TestFiltersKeepDropAndHighlight: --include, --exclude and --highlight
// see the message, not the timestamp; a line filtered out still counts as
// read, so a resume never brings it back.
func TestFiltersKeepDropAndHighlight(t *testing.T) {
	texts := []string{"INFO start", "ERROR disk full", "WARN slow", "ERROR retry ok", "INFO done"}
	var recs []crilog.Record
	for i, s := range texts {
		recs = append(recs, crilog.Line(crilog.Stdout, s, 0, at(i*100))...)
	}
	size := len(crilog.Read(crilog.Encode(recs[:3]...), crilog.Options{Timestamps: true}))
	tests := []struct {
		name   string
		filter LineFilter
		want   string
	}{
		{"include", LineFilter{Include: []*regexp.Regexp{regexp.MustCompile(`^ERROR`)}}, "ERROR disk full\nERROR retry ok\n"},
		{"exclude", LineFilter{Exclude: []*regexp.Regexp{regexp.MustCompile(`INFO|WARN`)}}, "ERROR disk full\nERROR retry ok\n"},
		{"include and exclude", LineFilter{Include: []*regexp.Regexp{regexp.MustCompile(`ERROR`)},
			Exclude: []*regexp.Regexp{regexp.MustCompile(`retry`)}}, "ERROR disk full\n"},
		{"the timestamp is not matched", LineFilter{Include: []*regexp.Regexp{regexp.MustCompile(`^2026`)}}, ""},
		{"highlight", LineFilter{Highlight: []*regexp.Regexp{regexp.MustCompile(`ERROR|full`)}, Color: "31"},
			"INFO start\n\033[31mERROR\033[0m disk \033[31mfull\033[0m\nWARN slow\n\033[31mERROR\033[0m retry ok\nINFO done\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := crilog.NewKubelet()
			k.Append(recs...)
			e := newEnding(k)
			// The first stream drops after three lines: what was filtered
			// out before the drop is not printed after it either.
			k.Faults(crilog.Fault{CutAfter: size, Err: io.ErrUnexpectedEOF, OnCut: e.end})
			var out bytes.Buffer
			filter := tt.filter
			if err := runFollower(t, k.Open, &out, quick(Options{Filter: &filter}), e.ch); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}
