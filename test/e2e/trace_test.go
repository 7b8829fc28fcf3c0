//go:build e2e

package e2e

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

type traceReport struct {
	TaskID       string   `json:"taskId"`
	OverlordPods []string `json:"overlordPods"`
	Steps        []struct {
		Step     int      `json:"step"`
		ID       string   `json:"id"`
		Status   string   `json:"status"`
		Lines    []string `json:"lines"`
		Summary  string   `json:"summary"`
		Evidence []string `json:"evidence"`
	} `json:"steps"`
	FailedStep *string `json:"failedStep"`
	Cause      string  `json:"cause"`
	Fix        string  `json:"fix"`
	// Leader is GET /leader's URL.
	Leader string `json:"leader"`
	// LogTrace is the trace of the Overlord's own log.
	LogTrace *struct {
		Markers    bool   `json:"markers"`
		Leader     string `json:"leader"`
		HandledBy  string `json:"handledBy"`
		StockLines []struct {
			Pod, Line string
		} `json:"stockLines"`
	} `json:"logTrace"`
}

func traceJSON(t *testing.T, args ...string) (traceReport, result) {
	t.Helper()
	r := plug(t, append([]string{"trace", "-o", "json"}, args...)...)
	var rep traceReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("trace -o json printed no JSON (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return rep, r
}

func (r traceReport) statuses() string {
	var s []string
	for _, st := range r.Steps {
		s = append(s, st.ID+"="+st.Status)
	}
	return strings.Join(s, " ")
}

func jobOf(id string) string { return druid.JobNames(id, "")[0].Name }

// overlordLog writes what an instrumented leader Overlord logs while six
// requests, one per flow, are handled at once on six Jetty threads, among
// other tasks' lines and a task becoming RUNNING on a runner thread.
func overlordLog(ns string, flows map[string]overlordsim.Flow, order []string) []overlordsim.Record {
	var seqs [][]overlordsim.Record
	for i, id := range order {
		seqs = append(seqs, overlordsim.RequestRecords("qtp1282-"+string(rune('0'+i))+"7", id, jobOf(id), ns, flows[id]))
	}
	seqs = append(seqs, overlordsim.TransitionRecords("k8s-task-runner-3", "query-trace-pending"),
		overlordsim.StockRecords("qtp1282-99", "index_kafka_other_abcdefgh", jobOf("index_kafka_other_abcdefgh")))
	recs := []overlordsim.Record{overlordsim.LeaderRecord(),
		{Level: "INFO", Thread: "LeaderSelector[/druid/overlord/_OVERLORD]", Class: overlordsim.RunnerClass, Message: "Starting K8sTaskRunner..."}}
	return append(recs, overlordsim.Interleave(seqs...)...)
}

// TestTrace follows each task's request through an instrumented leader
// Overlord's log (two replicas, six requests interleaved on six threads),
// the guide's markers being a bonus beside the Overlord's API answers, and
// checks the failing layer and the exit code, in text and in JSON.
func TestTrace(t *testing.T) {
	ns := newNamespace(t)
	ctx := testCtx(t)
	ok := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-trace-ok"}, "peon line")
	flows := map[string]overlordsim.Flow{
		"query-trace-ok": overlordsim.Streamed, "index_parallel_trace_unknown": overlordsim.NoWorkItem,
		"query-trace-queued": overlordsim.NoLifecycle, "query-trace-pending": overlordsim.NotRunning,
		"query-trace-podgone": overlordsim.WatchError, "query-trace-nullwatch": overlordsim.WatchNull,
	}
	order := []string{"query-trace-ok", "index_parallel_trace_unknown", "query-trace-queued", "query-trace-pending", "query-trace-podgone", "query-trace-nullwatch"}
	grantPodsLog(t, ns)
	leader, err := bed.CreateOverlord(ctx, testbed.OverlordSpec{Namespace: ns, Name: "druid-overlord-0"})
	must(t, err)
	follower, err := bed.CreateOverlord(ctx, testbed.OverlordSpec{Namespace: ns, Name: "druid-overlord-1"})
	must(t, err)
	must(t, leader.AppendLog(overlordsim.Render(time.Now(), overlordLog(ns, flows, order))...))
	must(t, follower.AppendLog(overlordsim.Render(time.Now(), []overlordsim.Record{
		{Level: "INFO", Thread: "main", Class: "org.apache.druid.cli.CliOverlord", Message: "Starting up with processors [2], memory [512MB]"}})...))
	// The leader's API agrees with its log: the unknown task is unknown.
	sim := overlordsim.New(overlordsim.Config{Version: overlordsim.Druid34, LeaderURL: "http://" + leader.IP + ":8090",
		LiveLog: func(id string) ([]byte, bool) { return []byte("peon line\n"), flows[id] == overlordsim.Streamed }})
	url := overlordsim.Serve(t, sim)
	// Kubernetes agrees too: a Job whose pod has no IP for the PENDING
	// task, running pods for the RUNNING ones, no Job for the queued one.
	for id, f := range flows {
		if f == overlordsim.NoWorkItem {
			continue
		}
		sim.Put(overlordsim.NewTask(id, "query_controller", "wikipedia", time.Now()))
		switch f {
		case overlordsim.NotRunning:
			pending := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id})
			_, err := pending.Pod(ctx)
			must(t, err)
			sim.SetLifecycle(id, overlordsim.LifecyclePending, overlordsim.Location{})
		case overlordsim.Streamed:
			sim.Start(id, "10.244.7.7", ok.PodName())
		case overlordsim.WatchError, overlordsim.WatchNull:
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, "peon line")
			sim.Start(id, "10.244.7.8", task.PodName())
		}
	}

	tests := []struct {
		task, failed string
		code         int
		cause, fix   string
	}{
		{"query-trace-ok", "", 0, "", ""},
		{"index_parallel_trace_unknown", "work-item", 3, "", ""},
		{"query-trace-queued", "lifecycle", 4, "queued", ""},
		{"query-trace-pending", "running", 4, "", ""},
		{"query-trace-podgone", "log-watch", 1, "", ""},
		{"query-trace-nullwatch", "log-watch", 1, "", ""},
		{"query-trace-never-asked", "work-item", 3, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.task, func(t *testing.T) {
			rep, r := traceJSON(t, tt.task, "-n", ns, "--overlord", url)
			expectCode(t, r, tt.code)
			if (rep.FailedStep == nil) != (tt.failed == "") || (rep.FailedStep != nil && *rep.FailedStep != tt.failed) {
				t.Fatalf("failedStep %v, want %q (%s)\n%s", rep.FailedStep, tt.failed, rep.statuses(), r.stdout)
			}
			if !strings.Contains(rep.Cause, tt.cause) || !strings.Contains(rep.Fix, tt.fix) {
				t.Fatalf("cause %q fix %q, want %q and %q", rep.Cause, rep.Fix, tt.cause, tt.fix)
			}
			if strings.Join(rep.OverlordPods, " ") != ns+"/druid-overlord-0 "+ns+"/druid-overlord-1" || !strings.Contains(rep.Leader, leader.IP) ||
				rep.LogTrace == nil || rep.LogTrace.Leader != ns+"/druid-overlord-0" {
				t.Fatalf("overlordPods %v leader %q log trace %+v", rep.OverlordPods, rep.Leader, rep.LogTrace)
			}
			text := plug(t, "trace", tt.task, "-n", ns, "--overlord", url, "--no-emoji")
			expectCode(t, text, tt.code)
			t.Logf("$ kubectl druid-logs trace %s -n %s --overlord URL\n%s%s", tt.task, ns, text.stderr, text.stdout)
		})
	}
	t.Run("the window starts at the Job's creation", func(t *testing.T) {
		r := plug(t, "trace", "query-trace-ok", "-n", ns, "--overlord", url, "-o", "json")
		if !strings.Contains(r.stderr, "before the creation of Job "+jobOf("query-trace-ok")) {
			t.Fatalf("stderr:\n%s", r.stderr)
		}
	})
}

// TestTraceOverlordWithoutMarkers: a Druid 33 Coordinator running as
// Overlord (found by --overlord-pod) has only stock lines; its API says the
// task is RUNNING but serves no live log: its log's ERROR is the evidence.
func TestTraceOverlordWithoutMarkers(t *testing.T) {
	ns := newNamespace(t)
	ctx := testCtx(t)
	grantPodsLog(t, ns)
	o, err := bed.CreateOverlord(ctx, testbed.OverlordSpec{Namespace: ns, Name: "druid-coordinator-0",
		Labels: map[string]string{"app": "druid", "component": "coordinator"}})
	must(t, err)
	id := "query-stock-1"
	must(t, o.AppendLog(overlordsim.Render(time.Now(), append([]overlordsim.Record{overlordsim.Stock{Version: 33}.Leader()},
		overlordsim.StockRecords("qtp1282-77", id, jobOf(id))...))...))
	sim := overlordsim.New(overlordsim.Config{Version: 33})
	sim.Put(overlordsim.NewTask(id, "query_controller", "wikipedia", time.Now()))
	sim.Start(id, "10.244.7.8", jobOf(id)+"-abcde")
	url := overlordsim.Serve(t, sim)

	rep, r := traceJSON(t, id, "-n", ns, "--overlord-pod", "druid-coordinator-0", "--overlord", url)
	expectCode(t, r, 1)
	lt := rep.LogTrace
	if lt == nil || lt.Markers || rep.FailedStep == nil || *rep.FailedStep != "log-watch" || len(lt.StockLines) < 2 ||
		!strings.Contains(lt.StockLines[len(lt.StockLines)-1].Line, "Error streaming logs from task: [ "+id+", "+jobOf(id)+"]") {
		t.Fatalf("failed %v cause %q log trace %+v", rep.FailedStep, rep.Cause, lt)
	}
	text := plug(t, "trace", id, "-n", ns, "--overlord-pod", "druid-coordinator-0", "--overlord", url)
	expectCode(t, text, 1)
	if !strings.Contains(text.stdout, "Successfully submitted job: "+jobOf(id)) {
		t.Fatalf("text:\n%s", text.stdout)
	}
}

// TestTraceSummary counts the requests of every task in the window.
func TestTraceSummary(t *testing.T) {
	ns := newNamespace(t)
	o, err := bed.CreateOverlord(testCtx(t), testbed.OverlordSpec{Namespace: ns})
	must(t, err)
	flows := map[string]overlordsim.Flow{"q-1": overlordsim.Streamed, "q-2": overlordsim.Streamed, "q-3": overlordsim.NotRunning,
		"q-4": overlordsim.WatchError, "q-5": overlordsim.NoWorkItem}
	must(t, o.AppendLog(overlordsim.Render(time.Now(), overlordLog(ns, flows, []string{"q-1", "q-2", "q-3", "q-4", "q-5"}))...))
	r := plug(t, "trace", "--summary", "-n", ns, "-o", "json")
	expectCode(t, r, 0)
	var sum struct {
		Total struct {
			Requests, Succeeded, Failed int
			SuccessRate                 float64
			ByStep                      map[string]int
			RecentFailures              []struct{ TaskID, Step string }
		}
	}
	must(t, json.Unmarshal([]byte(r.stdout), &sum))
	tt := sum.Total
	if tt.Requests != 5 || tt.Succeeded != 2 || tt.Failed != 3 || tt.SuccessRate != 40 ||
		tt.ByStep["running"] != 1 || tt.ByStep["log-watch"] != 1 || tt.ByStep["work-item"] != 1 || len(tt.RecentFailures) != 3 {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	text := plug(t, "trace", "--summary", "-n", ns, "--since", "10m")
	expectCode(t, text, 0)
	if !strings.Contains(text.stdout, "in the last 10m0s (--since)") || !strings.Contains(text.stdout, "40.0%") || !strings.Contains(text.stdout, "Most recent failures:") {
		t.Fatalf("text:\n%s", text.stdout)
	}
}

// TestTraceWithoutPodsLogIsForbidden: a user who may list pods but not read
// their logs gets exit 5 and what trace needs.
func TestTraceWithoutPodsLogIsForbidden(t *testing.T) {
	ns := newNamespace(t)
	o, err := bed.CreateOverlord(testCtx(t), testbed.OverlordSpec{Namespace: ns})
	must(t, err)
	must(t, o.AppendLog("x"))
	kc, err := bed.UserKubeconfig(testCtx(t), "trace-nolog-"+ns, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get"}},
	})
	must(t, err)
	r := plug(t, "--kubeconfig", kc, "trace", "query-x", "-n", ns)
	expectCode(t, r, 5)
	if strings.Count(strings.TrimSpace(r.stderr), "\n") > 2 {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	kc, err = bed.UserKubeconfig(testCtx(t), "trace-log-"+ns, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}, Verbs: []string{"get", "list"}},
	})
	must(t, err)
	// The Overlord's pod is found, but the API server refuses to proxy to
	// it (no get on pods/proxy): a refusal, 5, with what to grant.
	r = plug(t, "--kubeconfig", kc, "trace", "query-x", "-n", ns)
	expectCode(t, r, 5)
	if !strings.Contains(r.stdout, "kubectl auth can-i get pods/proxy") {
		t.Fatalf("trace does not say which permission the proxy needs:\n%s", r.stdout)
	}
	// An Overlord that does not answer and nothing in its log: "I cannot
	// see" is 1, never 3.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := "http://" + l.Addr().String()
	must(t, l.Close())
	expectCode(t, plug(t, "--kubeconfig", kc, "trace", "query-x", "-n", ns, "--overlord", closed), 1)
}

// TestCheckOverlordLogStep: check asks the Overlord for a RUNNING task's
// live log; when the Overlord answers 404 while the pod logs, check traces
// that request through the Overlord's own log and names the failing step.
func TestCheckOverlordLogStep(t *testing.T) {
	ns := newNamespace(t)
	ctx := testCtx(t)
	grantPodsLog(t, ns)
	o, err := bed.CreateOverlord(ctx, testbed.OverlordSpec{Namespace: ns})
	must(t, err)
	flows := map[string]overlordsim.Flow{"query-olog-ok": overlordsim.Streamed, "query-olog-refused": overlordsim.WatchError}
	thread := 0
	sim := overlordsim.New(overlordsim.Config{LiveLog: func(id string) ([]byte, bool) {
		// The Overlord logs the request's flow as it handles it; the
		// refused one looks for the pod in the wrong namespace.
		thread++
		where := ns
		if flows[id] != overlordsim.Streamed {
			where = "druid-elsewhere"
		}
		recs := overlordsim.RequestRecords("qtp1282-"+string(rune('0'+thread)), id, jobOf(id), where, flows[id])
		if err := o.AppendLog(overlordsim.Render(time.Now(), recs)...); err != nil {
			t.Error(err)
		}
		return []byte("peon line 1\n"), flows[id] == overlordsim.Streamed
	}})
	url := overlordsim.Serve(t, sim)
	for id := range flows {
		task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, "peon line 1")
		sim.Put(overlordsim.NewTask(id, "query_controller", "wikipedia", time.Now()))
		sim.Start(id, "10.0.0.9", task.PodName())
	}

	rep, r := checkJSON(t, "query-olog-ok", "-n", ns, "--overlord", url)
	expectCode(t, r, 0)
	if got := findCheck(t, rep, "overlord-log"); !strings.Contains(got, "the Overlord serves the live log (GET /task/query-olog-ok/log: 200, 12 bytes)") {
		t.Fatalf("overlord-log: %s", got)
	}
	rep, r = checkJSON(t, "query-olog-refused", "-n", ns, "--overlord", url)
	expectCode(t, r, 1)
	got := findCheck(t, rep, "overlord-log")
	for _, w := range []string{`it answered 404 "` + overlordsim.LogNotFound34 + `"; its log shows step 5 (log-watch) fail`,
		"Pod not found", "the Overlord looked in namespace druid-elsewhere", "kubectl druid-logs trace query-olog-refused -n " + ns} {
		if !strings.Contains(got, w) {
			t.Fatalf("overlord-log lacks %q: %s", w, got)
		}
	}
	if !strings.HasPrefix(statuses(rep), "job=ok pod=ok running=ok container=ok logs=ok permissions=ok terminated=ok overlord=ok overlord-log=fail") {
		t.Fatalf("statuses %s", statuses(rep))
	}
	text := plug(t, "check", "query-olog-refused", "-n", ns, "--overlord", url, "--no-emoji")
	expectCode(t, text, 1)
	t.Logf("$ kubectl druid-logs check query-olog-refused -n %s --overlord URL\n%s%s", ns, text.stdout, text.stderr)
}
