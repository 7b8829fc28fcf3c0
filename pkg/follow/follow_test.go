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
)

type logLine struct {
	ts   time.Time
	text string
}

// fakeServer serves a fixed log like the kubelet: sinceTime arrives with
// second precision, tailLines keeps the last lines; each attempt may be cut
// after some bytes (mid-line) with an error. After the cuts, it serves the
// whole log, reports the container as ended, and keeps the stream open
// (a server that never ends the stream) until the follower closes it.
type fakeServer struct {
	mu       sync.Mutex
	lines    []logLine
	cuts     []int
	requests []corev1.PodLogOptions
	ended    chan struct{}
	endOnce  sync.Once
}

func (s *fakeServer) open(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, *o)
	var b bytes.Buffer
	lines := s.lines
	if o.TailLines != nil && int(*o.TailLines) < len(lines) {
		lines = lines[len(lines)-int(*o.TailLines):]
	}
	for _, l := range lines {
		if o.SinceTime != nil && l.ts.Before(o.SinceTime.Time.Truncate(time.Second)) {
			continue
		}
		if o.Timestamps {
			b.WriteString(l.ts.Format(time.RFC3339Nano) + " ")
		}
		b.WriteString(l.text + "\n")
	}
	attempt := len(s.requests) - 1
	if attempt < len(s.cuts) {
		cut := min(s.cuts[attempt], b.Len())
		return io.NopCloser(io.MultiReader(bytes.NewReader(b.Bytes()[:cut]), errReader{io.ErrUnexpectedEOF})), nil
	}
	if !o.Follow {
		return io.NopCloser(&b), nil
	}
	s.endOnce.Do(func() { close(s.ended) })
	return &endless{r: &b, closed: make(chan struct{})}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// endless returns its content, then blocks until closed.
type endless struct {
	r      io.Reader
	once   sync.Once
	closed chan struct{}
}

func (e *endless) Read(p []byte) (int, error) {
	if n, err := e.r.Read(p); err == nil {
		return n, nil
	}
	<-e.closed
	return 0, errors.New("use of closed connection")
}

func (e *endless) Close() error { e.once.Do(func() { close(e.closed) }); return nil }

// testLog has several lines per second and several lines with the exact same
// timestamp, so a resume must skip by count, not only by time.
func testLog(n int) []logLine {
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	var out []logLine
	for i := 0; i < n; i++ {
		ts := base.Add(time.Duration(i/4) * 300 * time.Millisecond) // 4 lines share each timestamp
		out = append(out, logLine{ts, fmt.Sprintf("INFO [task-runner] line %03d of the peon log", i)})
	}
	return out
}

func quick(o Options) Options {
	o.MinBackoff, o.MaxBackoff, o.EndGrace = time.Millisecond, 2*time.Millisecond, 20*time.Millisecond
	return o
}

func TestFollowResumesWithoutDuplicates(t *testing.T) {
	log := testLog(60)
	lineLen := len(log[0].ts.Format(time.RFC3339Nano)) + 1 + len(log[0].text) + 1
	tests := []struct {
		name string
		cuts []int
		opts Options
	}{
		{"no cut", nil, Options{}},
		{"cut mid-line three times", []int{lineLen*5 + 7, lineLen*3 + 40, lineLen * 2}, Options{}},
		{"cut inside a run of equal timestamps", []int{lineLen*9 + 1, lineLen*2 + 3}, Options{}},
		{"cut before the first line ends", []int{10, 0, lineLen*30 + 2}, Options{}},
		{"timestamps and prefix kept across cuts", []int{lineLen*17 + 5}, Options{Timestamps: true, Prefix: "[pod/p/main] "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &fakeServer{lines: log, cuts: tt.cuts, ended: make(chan struct{})}
			var out bytes.Buffer
			f := New(srv.open, &out, quick(tt.opts))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := f.Run(ctx, srv.ended); err != nil {
				t.Fatalf("Run: %v", err)
			}
			var want strings.Builder
			for _, l := range log {
				want.WriteString(tt.opts.Prefix)
				if tt.opts.Timestamps {
					want.WriteString(l.ts.Format(time.RFC3339Nano) + " ")
				}
				want.WriteString(l.text + "\n")
			}
			if out.String() != want.String() {
				t.Fatalf("output differs after %d requests:\n%s\nwant:\n%s", len(srv.requests), out.String(), want.String())
			}
			if f.Lines() != int64(len(log)) {
				t.Fatalf("Lines() = %d", f.Lines())
			}
			last := srv.requests[len(srv.requests)-1]
			if last.Follow {
				t.Fatalf("the drain after the end must not follow: %+v", last)
			}
		})
	}
}

func TestFirstRequestCarriesUserOptionsAndResumeUsesSinceTime(t *testing.T) {
	log := testLog(20)
	tail := int64(8)
	srv := &fakeServer{lines: log, cuts: []int{200}, ended: make(chan struct{})}
	var out bytes.Buffer
	f := New(srv.open, &out, quick(Options{Container: "main", TailLines: &tail}))
	if err := f.Run(context.Background(), srv.ended); err != nil {
		t.Fatal(err)
	}
	first, second := srv.requests[0], srv.requests[1]
	if first.TailLines == nil || *first.TailLines != 8 || !first.Timestamps || !first.Follow || first.Container != "main" {
		t.Fatalf("first request = %+v", first)
	}
	if second.TailLines != nil || second.SinceTime == nil {
		t.Fatalf("resume request = %+v", second)
	}
	if got := strings.Count(out.String(), "\n"); got != 8 {
		t.Fatalf("printed %d lines, want the last 8:\n%s", got, out.String())
	}
}

func TestRunErrors(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "p", errors.New("no"))
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
		{"pod gone after the end is a clean finish", apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p"), true,
			func(err error) bool { return err == nil }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			open := func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) { n++; return nil, tt.err }
			ended := make(chan struct{})
			if tt.ended {
				close(ended)
			}
			o := quick(Options{MaxFailures: 3})
			err := New(open, io.Discard, o).Run(context.Background(), ended)
			if !tt.want(err) || n != tt.wantReq {
				t.Fatalf("Run = %v after %d requests", err, n)
			}
		})
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	srv := &fakeServer{lines: testLog(3), ended: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	open := func(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		cancel()
		return &endless{r: strings.NewReader(""), closed: make(chan struct{})}, nil
	}
	_ = srv
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
		{"\n", "", "\n"},
	}
	for _, tt := range tests {
		ts, msg := splitTimestamp([]byte(tt.line))
		if string(ts) != tt.ts || string(msg) != tt.msg {
			t.Errorf("splitTimestamp(%q) = %q, %q", tt.line, ts, msg)
		}
	}
}

// endsAfter closes ended when its content is half read, then serves the
// rest and a clean EOF, as a kubelet does when the container exits while
// its file is still being sent.
type endsAfter struct {
	r     *bytes.Reader
	half  int64
	ended chan struct{}
	once  sync.Once
}

func (e *endsAfter) Read(p []byte) (int, error) {
	if e.r.Size()-int64(e.r.Len()) >= e.half {
		e.once.Do(func() { close(e.ended) })
	}
	return e.r.Read(p[:min(len(p), 100)])
}

func (e *endsAfter) Close() error { return nil }

func TestAStreamThatEndsAfterTheContainerIsReadToItsEndWithoutAnotherRequest(t *testing.T) {
	var b strings.Builder
	var want strings.Builder
	for _, l := range testLog(200) {
		b.WriteString(l.ts.Format(time.RFC3339Nano) + " " + l.text + "\n")
		want.WriteString(l.text + "\n")
	}
	ended := make(chan struct{})
	requests := 0
	open := func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) {
		requests++
		r := bytes.NewReader([]byte(b.String()))
		return &endsAfter{r: r, half: r.Size() / 2, ended: ended}, nil
	}
	var out bytes.Buffer
	if err := New(open, &out, quick(Options{})).Run(context.Background(), ended); err != nil {
		t.Fatal(err)
	}
	if out.String() != want.String() || requests != 1 {
		t.Fatalf("%d requests, %d of %d bytes printed", requests, out.Len(), want.Len())
	}
}

// chunkReader hands out its chunks one Read at a time, as a transport
// returns what it has buffered so far.
type chunkReader struct{ chunks [][]byte }

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

func (c *chunkReader) Close() error { return nil }

func TestReadsThatDrainTheTransportPauseToGatherTheNextBatch(t *testing.T) {
	lines := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, "2026-11-26T10:00:00.%09dZ INFO [task-runner] line %06d of the peon log\n", i, i)
		}
		return b.Bytes()
	}
	small, big := lines(10), lines(1600) // big is over 100 KB: more than the 64 KB read buffer
	tests := []struct {
		name     string
		coalesce time.Duration
		chunks   [][]byte
		pauses   int
	}{
		{"one short read pauses once", 0, [][]byte{small}, 1},
		// 64 KB (full: more is waiting, read on), the rest (short), then small (short).
		{"a full read reads on at once", 0, [][]byte{small, big, small}, 3},
		{"disabled", -1, [][]byte{small, big, small}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []byte
			for _, c := range tt.chunks {
				want = append(want, c...)
			}
			open := func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) {
				return &chunkReader{chunks: append([][]byte(nil), tt.chunks...)}, nil
			}
			var out bytes.Buffer
			f := New(open, &out, quick(Options{Timestamps: true, Coalesce: tt.coalesce}))
			var pauses []time.Duration
			f.pause = func(d time.Duration) { pauses = append(pauses, d) }
			ended := make(chan struct{})
			close(ended) // one final read to EOF
			if err := f.Run(context.Background(), ended); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("printed %d bytes, want %d", out.Len(), len(want))
			}
			if len(pauses) != tt.pauses {
				t.Fatalf("%d pauses, want %d", len(pauses), tt.pauses)
			}
			for _, d := range pauses {
				if d != defaultCoalesce {
					t.Fatalf("paused %v, want %v", d, defaultCoalesce)
				}
			}
		})
	}
}
