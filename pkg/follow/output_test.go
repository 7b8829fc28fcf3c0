package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

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

// lineReads is a stream whose every Read returns one line, as a transport
// that holds little when read.
type lineReads struct{ lines []string }

func (s *lineReads) Read(p []byte) (int, error) {
	if len(s.lines) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.lines[0])
	s.lines = s.lines[1:]
	return n, nil
}

func (s *lineReads) Close() error { return nil }

// directLineReads is lineReads that says it reads the connection directly.
type directLineReads struct{ lineReads }

func (*directLineReads) ReadsDirectly() {}

func TestADirectStreamIsReadWithoutPauses(t *testing.T) {
	for _, direct := range []bool{false, true} {
		lines := []string{"2026-11-26T10:00:00.000000000Z a\n", "2026-11-26T10:00:01.000000000Z b\n"}
		var rc io.ReadCloser = &lineReads{lines}
		if direct {
			rc = &directLineReads{lineReads{lines}}
		}
		var out bytes.Buffer
		f := New(func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) { return rc, nil }, &out, Options{})
		pauses := 0
		f.pause = func(time.Duration) { pauses++ }
		ended := make(chan struct{})
		close(ended)
		if err := f.Run(context.Background(), ended); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 2, true: 0}[direct]; pauses != want || out.String() != "a\nb\n" {
			t.Errorf("direct %v: %d pauses, output %q; want %d pauses, \"a\\nb\\n\"", direct, pauses, out.String(), want)
		}
	}
}
