package follow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// numberedRecs returns records "peon line NNNNNN" from..to, stamped a
// microsecond apart from start, and their text without timestamps.
func numberedRecs(from, to int, start time.Time) ([]crilog.Record, string) {
	recs := make([]crilog.Record, 0, to-from)
	var text strings.Builder
	for i := from; i < to; i++ {
		s := fmt.Sprintf("peon line %06d", i)
		recs = append(recs, crilog.Record{Time: start.Add(time.Duration(i) * time.Microsecond), Stream: crilog.Stdout, Content: []byte(s)})
		text.WriteString(s + "\n")
	}
	return recs, text.String()
}

func newKubeletLog(t *testing.T, p kubeletlog.Policy) *kubeletlog.Log {
	t.Helper()
	l, err := kubeletlog.New(t.TempDir(), "main", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestAnUnbrokenFollowThroughManyRotationsPrintsEveryLineOnce: 200,000
// numbered lines written while the kubelet rotates the log more than 50
// times (its own reader, over real files) are printed exactly once, in
// order, and no gap is reported.
func TestAnUnbrokenFollowThroughManyRotationsPrintsEveryLineOnce(t *testing.T) {
	const total, batch = 200_000, 250
	// The kubelet ends the stream once the container exited and the file
	// is drained; the end grace only covers a stream that never ends, so
	// a long one keeps a busy machine's pauses from cutting this one.
	l := newKubeletLog(t, kubeletlog.Policy{MaxSize: 200 << 10, MaxFiles: 5, MaxWait: 10 * time.Minute})
	start := time.Now().Add(-time.Minute)
	var want strings.Builder
	ended := make(chan struct{})
	var out syncBuffer
	fl := New(l.Open, &out, quick(Options{EndGrace: 10 * time.Second, Coalesce: -1})) // a pipe returns a write per read
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	go func() { done <- fl.Run(ctx, ended) }()
	// The kubelet's reader watches the directory only from its first end of
	// file: a rotation before that is never noticed (kubeletlog.Watching).
	waitLong(t, time.Minute, "the reader's watch", kubeletlog.Watching)
	for i := 0; i < total; i += batch {
		recs, text := numberedRecs(i, i+batch, start)
		want.WriteString(text)
		if err := l.Append(recs...); err != nil {
			t.Fatal(err)
		}
	}
	// The container exits once the follower is through: a kubelet reader
	// still in a rotated file when it exits ends there, and the rest is
	// read from the current file (a gap may be reported then: see
	// docs/reliability.md).
	waitLong(t, 10*time.Minute, "every line", func() bool { return strings.Count(out.String(), "\n") == total })
	l.Exit()
	close(ended)
	if err := <-done; err != nil {
		t.Fatalf("%v after %d lines, %d rotations, requests %+v", err, strings.Count(out.String(), "\n"), l.Rotations(), l.Requests())
	}
	if n := l.Rotations(); n < 50 {
		t.Fatalf("%d rotations, want at least 50", n)
	}
	if got := out.String(); got != want.String() {
		t.Fatalf("printed %d lines, want %d", strings.Count(got, "\n"), total)
	}
	if len(fl.Gaps()) != 0 {
		t.Fatalf("gaps reported on an unbroken follow: %+v", fl.Gaps())
	}
}

// TestADropIntoARotatedFileGivesOneGapThatTheStoredLogFills: the stream
// drops; before the resume the log rotates, so the resume point lies in a
// rotated file and the kubelet serves only the current one. Exactly one
// gap is reported, following goes on, and the whole log (what Druid's
// stored log is built from) fills it: live lines and backfilled lines
// together are every line once.
func TestADropIntoARotatedFileGivesOneGapThatTheStoredLogFills(t *testing.T) {
	l := newKubeletLog(t, kubeletlog.Policy{MaxSize: 1 << 40, MaxFiles: 5})
	start := time.Now().Add(-time.Minute)
	first, firstText := numberedRecs(0, 1000, start)
	lost, lostText := numberedRecs(1000, 3000, start)
	current, currentText := numberedRecs(3000, 4000, start)
	if err := l.Append(first...); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	requests := 0
	l.BeforeOpen = func(o *corev1.PodLogOptions) error {
		requests++
		if requests != 2 {
			return nil
		}
		// While the stream was down: more lines, a rotation, more lines,
		// and the container's end.
		if err := l.Append(lost...); err != nil {
			return err
		}
		if err := l.Rotate(); err != nil {
			return err
		}
		if err := l.Append(current...); err != nil {
			return err
		}
		l.Exit()
		close(ended)
		return nil
	}
	var out syncBuffer
	var notes []string
	fl := New(l.Open, &out, quick(Options{Notify: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}))
	done := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { done <- fl.Run(ctx, ended) }()
	waitFor(t, "the first lines", func() bool { return strings.Count(out.String(), "\n") == 1000 })
	l.CutStreams(io.ErrUnexpectedEOF)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != firstText+currentText {
		t.Fatalf("printed %d lines live, want the %d before the drop and the %d of the current file", strings.Count(out.String(), "\n"), 1000, 1000)
	}
	gaps := fl.Gaps()
	warnings := 0
	for _, n := range notes {
		if strings.HasPrefix(n, "warning: log lines between") {
			warnings++
		}
	}
	if len(gaps) != 1 || warnings != 1 || !gaps[0].From.Equal(start.Add(999*time.Microsecond)) || !gaps[0].To.Equal(start.Add(3000*time.Microsecond)) {
		t.Fatalf("gaps %+v, %d warnings; want one from line 999 to line 3000", gaps, warnings)
	}
	all, err := l.All()
	if err != nil {
		t.Fatal(err)
	}
	stored := crilog.Read(all, crilog.Options{}) // the log as Druid stores it: no timestamps
	span, ok, err := FindGap(bytes.NewReader(stored), gaps[0])
	if err != nil || !ok || span.Lines != 2000 {
		t.Fatalf("FindGap = %+v, %v, %v; want the 2000 lines rotated away", span, ok, err)
	}
	var filled bytes.Buffer
	if _, err := CopyLines(&filled, bytes.NewReader(stored[span.Offset:]), span.Lines, "", nil); err != nil {
		t.Fatal(err)
	}
	if filled.String() != lostText {
		t.Fatalf("backfilled %d lines, want the %d rotated away", strings.Count(filled.String(), "\n"), 2000)
	}
}

func waitLong(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
