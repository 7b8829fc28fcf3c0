package follow

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// TestAResumeAfterATailOrSincePrintsOnlyWhatWasAskedForOnce is issue 21's
// defect 1: a follow that began with --tail or --since, on a task that
// logged a burst and went quiet, has its stream cut while idle. The resume
// window (a second before the newest printed line) reaches back before the
// first printed line, so the server re-sends lines nobody asked for before
// the printed ones: they are neither printed nor counted as printed.
func TestAResumeAfterATailOrSincePrintsOnlyWhatWasAskedForOnce(t *testing.T) {
	tail20 := int64(20)
	since := metav1.NewTime(at(2000))
	tests := []struct {
		name  string
		step  time.Duration
		opts  Options
		first int // the first line of the burst that is asked for
	}{
		{"--tail 20 after a burst of 50 in one second", time.Millisecond, Options{TailLines: &tail20}, 30},
		{"--tail 20 after a burst over three seconds", 50 * time.Millisecond, Options{TailLines: &tail20}, 30},
		{"--since-time in the middle of a burst", 50 * time.Millisecond, Options{SinceTime: &since}, 40},
		{"--since-time and --tail together", 50 * time.Millisecond, Options{SinceTime: &since, TailLines: &tail20}, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			burst, _ := lines("burst", 0, 50, at(0), tt.step)
			_, want := lines("burst", tt.first, 50-tt.first, at(0), tt.step)
			later, laterText := lines("later", 0, 3, at(10000), time.Millisecond)
			k := crilog.NewKubelet()
			k.Append(burst...)
			e := newEnding(k)
			// The stream is cut once it went quiet (an idle timeout); lines
			// come later.
			k.Faults(crilog.Fault{CutAfter: 1 << 30, OrWhenIdle: true, Err: io.ErrUnexpectedEOF,
				OnCut: func() { k.Append(later...) }})
			go func() {
				waitFor(t, "the resume", func() bool { return len(k.Requests()) >= 2 })
				e.end()
			}()
			var out syncBuffer
			if err := runFollower(t, k.Open, &out, quick(tt.opts), e.ch); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != want+laterText {
				t.Fatalf("printed %d lines:\n%s\nwant %d:\n%s", strings.Count(got, "\n"), got,
					strings.Count(want+laterText, "\n"), want+laterText)
			}
		})
	}
}

// TestASecondDropInsideALongLineDoesNotRepeatIt is issue 21's defect 2: a
// line longer than MaxLine is written in pieces; the stream drops inside
// it, the resume drops again before re-sending as much of it as was
// written, and the next resume must still leave out all that was written.
func TestASecondDropInsideALongLineDoesNotRepeatIt(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 100<<10/16) // 100 KiB
	var recs []crilog.Record
	recs = append(recs, crilog.Line(crilog.Stdout, "before", 0, at(0))...)
	recs = append(recs, crilog.Line(crilog.Stdout, long, crilog.DefaultMaxRecord, at(100))...)
	recs = append(recs, crilog.Line(crilog.Stdout, "after", 0, at(200))...)
	head := len(crilog.Read(crilog.Encode(recs[0]), crilog.Options{Timestamps: true}))
	k := crilog.NewKubelet()
	k.Append(recs...)
	e := newEnding(k)
	k.Faults(crilog.Fault{CutAfter: head + 70<<10, Err: io.ErrUnexpectedEOF},
		crilog.Fault{CutAfter: head + 20<<10, Err: io.ErrUnexpectedEOF},
		crilog.Fault{CutAfter: -1, OnCut: e.end})
	go func() {
		waitFor(t, "the third request", func() bool { return len(k.Requests()) >= 3 })
		e.end()
	}()
	var out syncBuffer
	if err := runFollower(t, k.Open, &out, quick(Options{MaxLine: 8 << 10}), e.ch); err != nil {
		t.Fatal(err)
	}
	if want := "before\n" + long + "\nafter\n"; out.String() != want {
		t.Fatalf("printed %d bytes, want %d", len(out.String()), len(want))
	}
}

// TestAResumeIntoARotatedFileReportsOneGap: the stream drops; while it is
// down the kubelet rotates the log, and a new request reads only the
// current file, which begins after the last line printed. The follower
// says so once, with the time range, as an event in JSON, and to OnGap,
// and goes on following.
func TestAResumeIntoARotatedFileReportsOneGap(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			printedRecs, printedText := lines("a", 0, 10, at(0), 100*time.Millisecond)
			// a 010 to a 019 were in the file rotated away.
			current, currentText := lines("a", 20, 5, at(9000), 100*time.Millisecond)
			before := crilog.NewKubelet() // the file before the rotation
			before.Append(printedRecs...)
			after := crilog.NewKubelet() // the current file after it
			after.Append(current...)
			e := newEnding(after)
			before.Faults(crilog.Fault{CutAfter: 1 << 30, OrWhenIdle: true, Err: io.ErrUnexpectedEOF})
			n := 0
			open := func(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
				n++
				if n == 1 {
					return before.Open(ctx, o)
				}
				e.end()
				return after.Open(ctx, o)
			}
			var notes []string
			var gaps []Gap
			o := quick(Options{Notify: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) },
				OnGap: func(g Gap) { gaps = append(gaps, g) }})
			if asJSON {
				o.JSON = &JSONLine{Task: "index_kafka_wiki", Pod: "p", Container: "main"}
			}
			var out syncBuffer
			if err := runFollower(t, open, &out, o, e.ch); err != nil {
				t.Fatal(err)
			}
			var warnings []string
			for _, s := range notes {
				if strings.HasPrefix(s, "warning: log lines between") {
					warnings = append(warnings, s)
				}
			}
			from, to := at(900).Format(stampLayout), at(9000).Format(stampLayout)
			if len(warnings) != 1 || !strings.Contains(warnings[0], from+" and "+to) || len(gaps) != 1 {
				t.Fatalf("want one gap warning from %s to %s, got %q and %+v", from, to, notes, gaps)
			}
			g := gaps[0]
			if !g.From.Equal(at(900)) || !g.To.Equal(at(9000)) || len(g.Last) != 4 ||
				g.Last[3] != (LineKey{Head: "a line 009 of the peon log", Size: 26}) || g.Next != (LineKey{Head: "a line 020 of the peon log", Size: 26}) {
				t.Fatalf("gap = %+v", g)
			}
			if !asJSON {
				if out.String() != printedText+currentText {
					t.Fatalf("printed\n%s\nwant\n%s", out.String(), printedText+currentText)
				}
				return
			}
			event := `{"event":"gap","task":"index_kafka_wiki","pod":"p","container":"main","from":"` + from + `","to":"` + to + `"}`
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(got) != 16 || got[10] != event {
				t.Fatalf("JSON output:\n%s\nwant the event %s after the tenth line", out.String(), event)
			}
		})
	}
}
