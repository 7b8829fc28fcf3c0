package follow

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// BenchmarkFollowLines measures the follower's cost per line: a log of
// 100,000 lines of a peon's usual length, read to its end.
func BenchmarkFollowLines(b *testing.B) {
	const n = 100_000
	recs := make([]crilog.Record, 0, n)
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		recs = append(recs, crilog.Record{Time: start.Add(time.Duration(i) * time.Millisecond), Stream: crilog.Stdout,
			Content: []byte("2026-12-01T10:00:00,000 INFO [task-runner-0-priority-0] org.apache.druid.indexing.kafka - a peon line")})
	}
	k := crilog.NewKubelet()
	k.Append(recs...)
	k.Terminate()
	ended := make(chan struct{})
	close(ended)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := New(k.Open, io.Discard, Options{Coalesce: -1})
		if err := f.Run(context.Background(), ended); err != nil {
			b.Fatal(err)
		}
		if f.Lines() != n {
			b.Fatalf("%d lines", f.Lines())
		}
	}
}
