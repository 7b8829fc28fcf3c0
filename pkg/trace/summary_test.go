package trace

import (
	"bufio"
	"os"
	"strings"
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
	for _, c := range b.Stock.CannotCount {
		if strings.HasPrefix(c, "anything") {
			t.Fatalf("marker lines without the pattern reported as no Druid lines: %s", c)
		}
	}
	if n := len(sum.Total.RecentFailures); n != maxRecent {
		t.Fatalf("total keeps %d recent failures, want %d", n, maxRecent)
	}
}

func TestSummaryCountsWhatAStockOverlordShows(t *testing.T) {
	tests := []struct {
		name, log                                 string
		log200, log404, readErrors                int
		queued, launches, running, succeeded      int
		failed, failedToRun, peonNoStatus, alerts int
		jobFailures, vanished, noStatus           int
		leader                                    bool
		cannot                                    []string // each must start one CannotCount entry, in order
	}{
		{"36+ with the request log at DEBUG", "stock-36/overlord-requestlog.log", 4, 4, 1, 10, 9, 7, 2, 5, 2, 3, 2, 2, 1, 3, true,
			[]string{"the layer where a live-log request stopped"}},
		{"36+ at INFO", "stock-36/overlord.log", 0, 0, 1, 10, 9, 7, 2, 5, 2, 3, 2, 2, 1, 3, true,
			[]string{"live-log requests served (200) or refused (404): no request-log line", "the layer where"}},
		{"35", "stock-35/overlord.log", 0, 0, 1, 10, 9, 7, 2, 5, 2, 3, 2, 2, 1, 3, true,
			[]string{"live-log requests served", "the layer where"}},
		{"31: no line when a pod runs, the leader line with !", "stock-31/overlord.log", 0, 0, 1, 9, 8, 0, 2, 4, 1, 3, 1, 2, 1, 3, true,
			[]string{"live-log requests served", "the layer where"}},
		{"a JSON layout", "json-layout.log", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false,
			[]string{"anything: 2 of the 2 lines are in a JSON layout"}},
		{"no Druid lines", "no-druid-lines.log", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false,
			[]string{"anything: none of the 4 lines is in Druid's log pattern"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := summarizeFile(t, "druid/overlord-0", "testdata/"+tt.log)
			s := c.Stock
			got := []int{s.LogRequests["200"], s.LogRequests["404"], s.LogReadErrors, s.Queued, s.Launches, s.Running, s.Succeeded,
				s.Failed, s.FailedByError[ErrFailedToRun], s.FailedByError[ErrPeonNoStatus], s.LaunchFailures, s.JobFailures, s.JobsVanished, s.NoStatusPushed}
			want := []int{tt.log200, tt.log404, tt.readErrors, tt.queued, tt.launches, tt.running, tt.succeeded,
				tt.failed, tt.failedToRun, tt.peonNoStatus, tt.alerts, tt.jobFailures, tt.vanished, tt.noStatus}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("counts %v\nwant   %v", got, want)
				}
			}
			if c.Leader != tt.leader {
				t.Fatalf("leader %t", c.Leader)
			}
			if len(s.CannotCount) != len(tt.cannot) {
				t.Fatalf("cannotCount %q", s.CannotCount)
			}
			for i, w := range tt.cannot {
				if !strings.HasPrefix(s.CannotCount[i], w) {
					t.Fatalf("cannotCount[%d] = %q, want %q...", i, s.CannotCount[i], w)
				}
			}
		})
	}
	total := Summarize([]Counts{summarizeFile(t, "druid/o-0", "testdata/stock-36/overlord-requestlog.log"), summarizeFile(t, "druid/o-1", "testdata/stock-36/overlord.log")})
	if s := total.Total.Stock; s.LogRequests["200"] != 4 || s.Failed != 10 || len(s.CannotCount) != 1 {
		t.Fatalf("total %+v", s)
	}
}

func TestSummaryTellsALostLeadership(t *testing.T) {
	s := NewSummarizer("druid/o-0")
	s.Feed("2026-12-01T09:58:31,402 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord.DruidOverlord - By the power of Grayskull, I have the power. I am the leader", time.Time{})
	s.Feed("2026-12-01T10:58:31,402 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord.DruidOverlord - I am no longer the leader...", time.Time{})
	if c := s.Finish(); !c.Leader || !c.LeaderLost {
		t.Fatalf("leader %t lost %t", c.Leader, c.LeaderLost)
	}
}
