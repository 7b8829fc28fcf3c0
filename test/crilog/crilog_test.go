package crilog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	crilogs "k8s.io/cri-client/pkg/logs"
)

// fixture is a log with the shapes that matter: full lines, a long line
// split into partial records that straddle a second, stderr between them,
// equal timestamps, an empty line, and optionally an incomplete last record.
func fixture(incomplete bool) []byte {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	var recs []Record
	recs = append(recs, Line(Stdout, "first", 0, at(100))...)
	recs = append(recs, Line(Stdout, "second", 0, at(100))...)
	recs = append(recs, Line(Stdout, "LONG-aaaaaaaaaa-bbbbbbbbbb-cccc", 10, at(900), at(1100), at(1200), at(1300))...)
	recs = append(recs, Line(Stderr, "an error", 0, at(1250))...)
	recs = append(recs, Line(Stdout, "", 0, at(1400))...)
	recs = append(recs, Line(Stdout, "partial-then-stderr-0123456789", 12, at(1500), at(2500))[:1]...)
	recs = append(recs, Line(Stderr, "interleaved", 0, at(1600))...)
	recs = append(recs, Line(Stdout, "after", 0, at(2100))...)
	recs = append(recs, Line(Stdout, "last", 0, at(3000))...)
	data := Encode(recs...)
	if incomplete {
		data = append(data, []byte(at(3100).Format(time.RFC3339Nano)+" stdout F no newline yet")...)
	}
	return data
}

// TestReadMatchesTheKubeletReader runs the kubelet's own reader
// (k8s.io/cri-client/pkg/logs.ReadLogs) and this package on the same files
// with the same options: the bytes must be identical.
func TestReadMatchesTheKubeletReader(t *testing.T) {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	i64 := func(v int64) *int64 { return &v }
	opts := []Options{
		{},
		{Timestamps: true},
		{Timestamps: true, Since: base.Add(time.Second)},
		{Timestamps: true, Since: base.Add(2 * time.Second)},
		{Timestamps: true, TailLines: i64(0)},
		{Timestamps: true, TailLines: i64(1)},
		{Timestamps: true, TailLines: i64(4)},
		{Timestamps: true, TailLines: i64(100)},
		{Timestamps: true, TailLines: i64(6), Since: base.Add(time.Second)},
		{Timestamps: true, LimitBytes: i64(50)},
		{LimitBytes: i64(7)},
	}
	for _, incomplete := range []bool{false, true} {
		data := fixture(incomplete)
		path := filepath.Join(t.TempDir(), "main.log")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for i, o := range opts {
			t.Run(fmt.Sprintf("incomplete=%v/%d", incomplete, i), func(t *testing.T) {
				var want bytes.Buffer
				ko := &crilogs.LogOptions{TailLines: o.TailLines, LimitBytes: o.LimitBytes, Since: o.Since, Timestamp: o.Timestamps}
				if err := crilogs.ReadLogs(context.Background(), path, "", ko, nil, &want, &want); err != nil {
					t.Fatal(err)
				}
				if got := Read(data, o); !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("options %+v:\n got %q\nwant %q", o, got, want.Bytes())
				}
			})
		}
	}
}

// TestFeedInPiecesEqualsOneRead: the follow path feeds the file as it
// grows; cutting the input anywhere must not change the output.
func TestFeedInPiecesEqualsOneRead(t *testing.T) {
	data := fixture(false)
	o := Options{Timestamps: true, Since: time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC)}
	want := Read(data, o)
	for cut := 0; cut <= len(data); cut += 7 {
		var got bytes.Buffer
		r := NewReader(o)
		if err := r.Feed(data[:cut], &got); err != nil {
			t.Fatal(err)
		}
		if err := r.Feed(data[cut:], &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("cut at %d: got %q want %q", cut, got.Bytes(), want)
		}
	}
}

// TestResumeInsideASplitLineStartsWithAnUnstampedFragment documents the
// kubelet behaviour the follower must handle (issue 12, defect 7).
func TestResumeInsideASplitLineStartsWithAnUnstampedFragment(t *testing.T) {
	got := Read(fixture(false), Options{Timestamps: true, Since: time.Date(2026, 12, 1, 10, 0, 1, 0, time.UTC)})
	if !bytes.HasPrefix(got, []byte("aaaaa-bbbbbbbbbb-cccc\n2026-12-01T10:00:01.250000000Z an error\n")) {
		t.Fatalf("a resumed read should begin with the split line's continuation, unstamped: %q", got)
	}
}

// TestSinceIsTheLaterOfBothOptions: the kubelet keeps the later of
// now-sinceSeconds and sinceTime.
func TestSinceIsTheLaterOfBothOptions(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	secs := func(v int64) *int64 { return &v }
	at := func(t time.Time) *time.Time { return &t }
	for _, c := range []struct {
		name    string
		seconds *int64
		time    *time.Time
		want    time.Time
	}{
		{"neither", nil, nil, time.Time{}},
		{"seconds", secs(10), nil, now.Add(-10 * time.Second)},
		{"time", nil, at(now.Add(-time.Hour)), now.Add(-time.Hour)},
		{"time later than seconds", secs(60), at(now.Add(-time.Second)), now.Add(-time.Second)},
		{"seconds later than time", secs(1), at(now.Add(-time.Hour)), now.Add(-time.Second)},
	} {
		if got := Since(now, c.seconds, c.time); !got.Equal(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
