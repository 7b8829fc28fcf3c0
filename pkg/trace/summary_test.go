package trace

import (
	"bufio"
	"os"
	"testing"
	"time"
)

func summarizeFile(t *testing.T, pod, path string) Counts {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := NewSummarizer(pod)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		s.Feed(sc.Text(), time.Time{})
	}
	return s.Finish()
}

func TestSummaryCountsEveryRequestByOutcome(t *testing.T) {
	a := summarizeFile(t, "druid/overlord-0", "testdata/instrumented.log")
	b := summarizeFile(t, "druid/overlord-1", "testdata/bare.log")
	c := summarizeFile(t, "druid/overlord-2", "testdata/stock.log")
	sum := Summarize([]Counts{a, b, c})
	tests := []struct {
		name                                string
		got                                 Counts
		requests, ok, failed, unfinished    int
		rate                                float64 // -1: null
		workItem, lifecycle, running, watch int
		leader                              bool
		newestFailure                       string
	}{
		{"instrumented, interleaved", a, 7, 1, 6, 0, 14.3, 2, 1, 1, 2, true, "query-abc123-worker0_0"},
		{"without the pattern", b, 2, 0, 2, 0, 0, 1, 0, 1, 0, false, "query-other"},
		{"without markers", c, 0, 0, 0, 0, -1, 0, 0, 0, 0, true, ""},
		{"total", sum.Total, 9, 1, 8, 0, 11.1, 3, 1, 2, 2, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.got
			if g.Requests != tt.requests || g.Succeeded != tt.ok || g.Failed != tt.failed || g.Unfinished != tt.unfinished {
				t.Fatalf("requests %d succeeded %d failed %d unfinished %d", g.Requests, g.Succeeded, g.Failed, g.Unfinished)
			}
			if (tt.rate < 0) != (g.SuccessRate == nil) || (g.SuccessRate != nil && *g.SuccessRate != tt.rate) {
				t.Fatalf("successRate %v, want %v", g.SuccessRate, tt.rate)
			}
			if g.ByStep[StepWorkItem] != tt.workItem || g.ByStep[StepLifecycle] != tt.lifecycle || g.ByStep[StepRunning] != tt.running || g.ByStep[StepLogWatch] != tt.watch {
				t.Fatalf("byStep %v", g.ByStep)
			}
			if g.Leader != tt.leader {
				t.Fatalf("leader %t", g.Leader)
			}
			if tt.newestFailure != "" && (len(g.RecentFailures) == 0 || g.RecentFailures[0].TaskID != tt.newestFailure) {
				t.Fatalf("recent failures %+v", g.RecentFailures)
			}
		})
	}
	if n := len(sum.Total.RecentFailures); n != maxRecent {
		t.Fatalf("total keeps %d recent failures, want %d", n, maxRecent)
	}
}
