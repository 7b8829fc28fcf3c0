package overlordsim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

func TestLiveLogIsServedOrRefusedLikeTheKubernetesRunner(t *testing.T) {
	served := map[string]bool{"live": true, "refused": false}
	var asked []string
	s := New(Config{Version: Druid35, LiveLog: func(id string) ([]byte, bool) {
		asked = append(asked, id)
		return []byte("peon line 1\npeon line 2\n"), served[id]
	}})
	for _, id := range []string{"live", "refused", "pending"} {
		s.Put(NewTask(id, "query_controller", "wiki", t0))
	}
	s.Start("live", "10.0.0.7", "p1")
	s.Start("refused", "10.0.0.8", "p2")
	base := Serve(t, s) + BasePath
	tests := []struct {
		id   string
		code int
		body string
	}{
		{"live", http.StatusOK, "peon line 1\npeon line 2\n"},
		{"refused", http.StatusNotFound, LogNotFound35},
		{"pending", http.StatusNotFound, LogNotFound35},
	}
	for _, tt := range tests {
		code, _, body := get(t, base+"/task/"+tt.id+"/log", nil)
		if code != tt.code || body != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.id, code, body, tt.code, tt.body)
		}
	}
	if strings.Join(asked, ",") != "live,refused" {
		t.Fatalf("LiveLog asked for %v; only RUNNING tasks go to the runner", asked)
	}
}

// TestRenderedFlowsTraceAsTheGuideSays checks the simulator's Overlord
// lines against the trace package: each flow fails at its step.
func TestRenderedFlowsTraceAsTheGuideSays(t *testing.T) {
	flows := []struct {
		task string
		flow Flow
		want trace.StepID
	}{
		{"t-streamed", Streamed, ""}, {"t-nowork", NoWorkItem, trace.StepWorkItem}, {"t-queued", NoLifecycle, trace.StepLifecycle},
		{"t-pending", NotRunning, trace.StepRunning}, {"t-error", WatchError, trace.StepLogWatch}, {"t-null", WatchNull, trace.StepLogWatch},
	}
	var seqs [][]Record
	for i, f := range flows {
		seqs = append(seqs, RequestRecords("qtp-"+string(rune('a'+i)), f.task, "job-"+f.task, "druid", f.flow))
	}
	lines := Render(t0, append([]Record{LeaderRecord()}, Interleave(seqs...)...))
	for _, f := range flows {
		tr := trace.NewTracer("druid/o", trace.Options{TaskID: f.task})
		for _, l := range lines {
			tr.Feed(l, time.Time{})
		}
		r := trace.Evaluate(trace.Context{TaskID: f.task}, []trace.PodTrace{tr.Finish()})
		got := trace.StepID("")
		if r.FailedStep != nil {
			got = *r.FailedStep
		}
		if got != f.want {
			t.Errorf("%s: failed step %q, want %q (%s)", f.task, got, f.want, r.Cause)
		}
	}
}
