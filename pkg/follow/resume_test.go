package follow

import (
	"io"
	"strings"
	"testing"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

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
