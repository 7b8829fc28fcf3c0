package trace

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// traceFile feeds a testdata log, line by line, to a Tracer of taskID.
func traceFile(t *testing.T, path, taskID string, mangle func(string) string) *Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var jobs []string
	for _, c := range druid.JobNames(taskID, "") {
		jobs = append(jobs, c.Name)
	}
	tr := NewTracer("druid/druid-overlord-0", Options{TaskID: taskID, Jobs: jobs})
	sc := bufio.NewScanner(f)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for sc.Scan() {
		line := sc.Text()
		if mangle != nil {
			line = mangle(line)
		}
		tr.Feed(line, at)
	}
	return Evaluate(Context{TaskID: taskID, Namespace: "druid", Job: jobs[0], Window: "since 09:59"}, []PodTrace{tr.Finish()})
}

func statuses(r *Result) string {
	var s []string
	for _, st := range r.Steps {
		s = append(s, string(st.ID)+"="+string(st.Status))
	}
	return strings.Join(s, " ")
}

// mojibake is what a pipeline that decodes UTF-8 as Latin-1 does to the
// emoji; questionMarks what an ASCII-only one does.
var (
	mojibake      = strings.NewReplacer("📺", "ðŸ“º", "✅", "âœ…", "⚠️", "âš\u00a0ï¸\u008f", "❌", "â\u009d\u008c", "📊", "ðŸ“Š", "🔄", "ðŸ”„").Replace
	questionMarks = func(s string) string {
		return strings.Map(func(r rune) rune {
			if r > 0x7f {
				return '?'
			}
			return r
		}, s)
	}
)

func TestTraceFollowsTheTaskThroughInterleavedRequests(t *testing.T) {
	tests := []struct {
		name, log, task string
		mangle          func(string) string
		statuses        string
		failed          StepID
		code            int
		cause, fix      string
		linesPerStep    []int // nil: not checked
	}{
		{"success", "instrumented.log", "query-abc123", nil,
			"request=ok work-item=ok lifecycle=ok running=ok log-watch=ok", "", 0, "", "", []int{1, 2, 2, 2, 7}},
		{"success through a pipeline that mangled the emoji", "instrumented.log", "query-abc123", mojibake,
			"request=ok work-item=ok lifecycle=ok running=ok log-watch=ok", "", 0, "", "", []int{1, 2, 2, 2, 7}},
		{"success through an ASCII-only pipeline", "instrumented.log", "query-abc123", questionMarks,
			"request=ok work-item=ok lifecycle=ok running=ok log-watch=ok", "", 0, "", "", []int{1, 2, 2, 2, 7}},
		{"no work item", "instrumented.log", "index_parallel_unknown_zzzz", nil,
			"request=ok work-item=fail lifecycle=skipped running=skipped log-watch=skipped", StepWorkItem, 1,
			"not submitted to this runner", "verify the task ID and the runner", []int{1, 2, 0, 0, 0}},
		{"no lifecycle: queued", "instrumented.log", "query-queued-7", nil,
			"request=ok work-item=ok lifecycle=fail running=skipped log-watch=skipped", StepLifecycle, 4,
			"queued, not started", "kubectl druid-logs follow query-queued-7 -n druid --wait", []int{1, 2, 2, 0, 0}},
		{"not RUNNING, and running since", "instrumented.log", "query-pending-3", nil,
			"request=ok work-item=ok lifecycle=ok running=fail log-watch=skipped", StepRunning, 4,
			"PENDING, not RUNNING: the task's pod has not started (Druid streams live logs only once the pod has an IP); it became RUNNING after this request",
			"kubectl get pods -n druid -l job-name=querypending3-61be9eaf4fa7a271afe03125739da2b2", []int{1, 2, 2, 4, 0}},
		{"log watch refused, with the stack trace", "instrumented.log", "query-podgone-9", nil,
			"request=ok work-item=ok lifecycle=ok running=ok log-watch=fail", StepLogWatch, 1,
			"refused the log watch for Job querypodgone9-addf2d1673856a8f40e2da2311e56baf: Pod not found", "kubectl druid-logs check query-podgone-9 -n druid",
			[]int{1, 2, 2, 2, 10}},
		{"null log watch", "instrumented.log", "query-nullwatch-2", nil,
			"request=ok work-item=ok lifecycle=ok running=ok log-watch=fail", StepLogWatch, 1,
			"null LogWatch for Job querynullwatch2-0e00aa362d9319a325c26d3e680afe9a", "kubectl druid-logs check query-nullwatch-2 -n druid", nil},
		{"a worker whose ID extends another task's", "instrumented.log", "query-abc123-worker0_0", nil,
			"request=ok work-item=fail lifecycle=skipped running=skipped log-watch=skipped", StepWorkItem, 1, "", "", []int{1, 2, 0, 0, 0}},
		{"lines without Druid's pattern, correlated by adjacency", "bare.log", "query-abc123", nil,
			"request=ok work-item=ok lifecycle=ok running=fail log-watch=skipped", StepRunning, 4, "PENDING, not RUNNING", "", []int{1, 2, 2, 2, 0}},
		{"the request never came: not seen, never \"not found\"", "instrumented.log", "query-never-seen", nil,
			"request=missing work-item=missing lifecycle=missing running=missing log-watch=missing", StepRequest, 1,
			"not seen", "the leader in this window is druid/druid-overlord-0", nil},
		{"an Overlord without the markers: its stock lines decide", "stock.log", idOOM, nil,
			"request=missing work-item=fail lifecycle=skipped running=skipped log-watch=skipped", StepWorkItem, 4,
			"Peon did not report status successfully.", "kubectl druid-logs why " + idOOM + " -n druid", []int{0, 5, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := traceFile(t, "testdata/"+tt.log, tt.task, tt.mangle)
			if got := statuses(r); got != tt.statuses {
				t.Fatalf("steps %s\nwant  %s", got, tt.statuses)
			}
			failed := StepID("")
			if r.FailedStep != nil {
				failed = *r.FailedStep
			}
			if failed != tt.failed || r.ExitCode() != tt.code {
				t.Fatalf("failedStep %q exit %d, want %q exit %d (cause %q)", failed, r.ExitCode(), tt.failed, tt.code, r.Cause)
			}
			if !strings.Contains(r.Cause, tt.cause) || !strings.Contains(r.Fix, tt.fix) {
				t.Fatalf("cause %q\nfix %q\nwant them to contain %q and %q", r.Cause, r.Fix, tt.cause, tt.fix)
			}
			for i, n := range tt.linesPerStep {
				if len(r.Steps[i].Lines) != n {
					t.Fatalf("step %s has %d lines, want %d:\n%s", r.Steps[i].ID, len(r.Steps[i].Lines), n, strings.Join(r.Steps[i].Lines, "\n"))
				}
			}
			if r.NoDruidLines {
				t.Fatalf("marker lines reported as no Druid lines: %s", r.NoDruidLinesCause)
			}
			for _, s := range r.Steps {
				for _, l := range s.Lines {
					if m, ok := Recognize(Parse(l).Message); ok && m.TaskID != "" && m.TaskID != tt.task {
						t.Fatalf("step %s holds another task's line: %s", s.ID, l)
					}
				}
			}
		})
	}
}

func TestTraceKeepsTransitionsStockLinesAndTheLeader(t *testing.T) {
	r := traceFile(t, "testdata/instrumented.log", "query-pending-3", nil)
	if len(r.Transitions) != 3 || !strings.Contains(r.Transitions[0], "Current state before join: PENDING") {
		t.Fatalf("transitions: %q", r.Transitions)
	}
	if r.Leader != "druid/druid-overlord-0" || r.HandledBy != "druid/druid-overlord-0" || !r.Markers || r.Requests != 1 {
		t.Fatalf("leader %q handledBy %q markers %t requests %d", r.Leader, r.HandledBy, r.Markers, r.Requests)
	}
	if len(r.StockLines) != 1 || !strings.Contains(r.StockLines[0].Line, "Successfully submitted job: querypending3-") {
		t.Fatalf("stock lines: %+v", r.StockLines)
	}
	// A stock 36+ log: the launch timeout's stack trace is kept up to its
	// root cause (line 13 of the trace), the Job-only line is the task's.
	s := traceFile(t, "testdata/stock.log", idNoSched, nil)
	var got []string
	for _, l := range s.StockLines {
		got = append(got, l.Line)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"Pod for job[indexparallelordersnodpkfgi202-f2fbc1ec3229effb8309898923441412] launched.",
		"Caused by: io.fabric8.kubernetes.client.KubernetesClientTimeoutException: Timed out waiting for [3600000] milliseconds for [Pod]",
		"Failed to run task: {exceptionType=java.lang.RuntimeException",
		"Cleaned up k8s job[[ " + idNoSched + ", indexparallelordersnodpkfgi202-f2fbc1ec3229effb8309898923441412]]",
	} {
		if !strings.Contains(all, want) {
			t.Fatalf("stock lines lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, idKafka) {
		t.Fatalf("stock lines hold another task's line:\n%s", all)
	}
	if s.Markers || s.Leader != "druid/druid-overlord-0" {
		t.Fatalf("markers %t leader %q", s.Markers, s.Leader)
	}
}

func TestTracerStaysBoundedOnAHugeLog(t *testing.T) {
	tr := NewTracer("druid/o", Options{TaskID: "query-abc123"})
	for i := 0; i < 20000; i++ {
		thread := "qtp-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		tr.Feed("2026-12-01T10:00:00,000 INFO ["+thread+"] r.KubernetesTaskRunner - 📺 [STREAM] API request to stream logs for task [other-"+time.Duration(i).String()+"] (offset=0)", time.Time{})
	}
	tr.Feed("2026-12-01T10:00:00,000 INFO [qtp-1] r.KubernetesTaskRunner - 📺 [STREAM] API request to stream logs for task [query-abc123] (offset=0)", time.Time{})
	tr.Feed("2026-12-01T10:00:00,000 ERROR [qtp-1] c.KubernetesPeonClient - ❌ [K8S-CLIENT] Error watching logs from task [query-abc123] (job: j): boom", time.Time{})
	for i := 0; i < 5000; i++ {
		tr.Feed("\tat a.b.C.d(C.java:1)", time.Time{})
	}
	for i := 0; i < 5000; i++ {
		tr.Feed("2026-12-01T10:00:00,000 INFO [t] x.KubernetesPeonClient - Error streaming logs from task: [ query-abc123, j]", time.Time{})
	}
	if n := len(tr.c.threads); n > maxThreads {
		t.Fatalf("%d threads remembered, bound %d", n, maxThreads)
	}
	p := tr.Finish()
	if p.Latest == nil || len(p.Latest.Entries) != maxRequestLines || p.Latest.Dropped != 5000+2-maxRequestLines {
		t.Fatalf("latest request: %+v", p.Latest)
	}
	if len(p.Stock) != maxStock || p.Lines != 20000+2+10000 {
		t.Fatalf("stock %d lines %d", len(p.Stock), p.Lines)
	}
}

// BenchmarkTracerFeed measures the cost per line of an interleaved
// instrumented log (go test -bench Tracer -benchmem ./pkg/trace).
func BenchmarkTracerFeed(b *testing.B) {
	data, err := os.ReadFile("testdata/instrumented.log")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	tr := NewTracer("druid/o", Options{TaskID: "query-pending-3"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Feed(lines[i%len(lines)], time.Time{})
	}
}

// BenchmarkTracerFeedStock measures the cost per line of a stock 36+ log
// with the request log at DEBUG (go test -bench Stock -benchmem ./pkg/trace).
func BenchmarkTracerFeedStock(b *testing.B) {
	data, err := os.ReadFile("testdata/stock-36/overlord-requestlog.log")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	tr := NewTracer("druid/o", Options{TaskID: idLogError})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Feed(lines[i%len(lines)], time.Time{})
	}
}

// BenchmarkSummarizerFeedStock is the same for trace --summary.
func BenchmarkSummarizerFeedStock(b *testing.B) {
	data, err := os.ReadFile("testdata/stock-36/overlord-requestlog.log")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	s := NewSummarizer("druid/o")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Feed(lines[i%len(lines)], time.Time{})
	}
}
