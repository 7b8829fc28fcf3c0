package trace

import (
	"strings"
	"testing"
	"time"
)

// fill writes a statement's format with arguments by role: the task as a
// plain ID or as a K8sTaskId, the Job, the pod and a value.
func fill(st statement, k8sID bool) string {
	const id, job = "index_kafka_wiki_abc_2026-12-01T10:00:00.000Z", "indexkafkawikiabc20261201t-0123456789abcdef0123456789abcdef"
	parts := splitFormat(st.format)
	var b strings.Builder
	b.WriteString(parts[0])
	for i, p := range parts[1:] {
		switch st.args[i] {
		case 'T':
			if k8sID {
				b.WriteString("[ " + id + ", " + job + "]")
			} else {
				b.WriteString(id)
			}
		case 'J':
			b.WriteString(job)
		case 'P':
			b.WriteString(job + "-x7k2p")
		case 'V':
			switch st.kind {
			case RunAlert:
				b.WriteString("{exceptionType=java.lang.RuntimeException, exceptionMessage=a, b=c, class=x, task=" + id + ", type=index_kafka, dataSource=wiki}")
			case LogPushed:
				b.WriteString("druid/indexing-logs/" + id + "/log")
			default:
				b.WriteString("Running")
			}
		default:
			b.WriteString("5")
		}
		b.WriteString(p)
	}
	return b.String()
}

func TestEveryStockStatementIsRecognisedWithItsTaskOrJob(t *testing.T) {
	for _, st := range statements {
		for _, k8sID := range []bool{false, true} {
			msg := fill(st, k8sID)
			l := Parse("2026-12-01T10:00:00,000 INFO [k8s-task-runner-0] org.apache.druid.x." + st.class + " - " + msg)
			s, ok := RecognizeStock(l)
			if !ok || s.Kind != st.kind {
				t.Fatalf("%s %q: kind %v ok %t, want %v", st.class, msg, s.Kind, ok, st.kind)
			}
			if strings.ContainsRune(st.args, 'T') || st.kind == RunAlert || st.kind == LogPushed {
				if s.TaskID != "index_kafka_wiki_abc_2026-12-01T10:00:00.000Z" {
					t.Fatalf("%q: task %q", msg, s.TaskID)
				}
			}
			if strings.ContainsRune(st.args, 'J') || (k8sID && strings.ContainsRune(st.args, 'T')) {
				if s.Job != "indexkafkawikiabc20261201t-0123456789abcdef0123456789abcdef" {
					t.Fatalf("%q: job %q", msg, s.Job)
				}
			}
		}
	}
}

func TestStockRecognitionEdges(t *testing.T) {
	const pre = "2026-12-01T10:00:00,000 INFO [t] org.apache.druid."
	tests := []struct {
		name, line string
		kind       StockKind
		task, job  string
		value      string
	}{
		{"the lifecycle's INFO is not the queue's alert", pre + "k8s.overlord.KubernetesPeonLifecycle - Failed to run task: id-1", LaunchFailed, "id-1", "", ""},
		{"the queue's alert reads its data map", pre + "indexing.overlord.TaskQueue - Failed to run task: {exceptionType=java.lang.RuntimeException, exceptionMessage=x, y=z, class=org.apache.druid.indexing.overlord.TaskQueue, task=id-2, type=index_parallel, dataSource=wiki}",
			RunAlert, "id-2", "", ""},
		{"a K8sTaskId whose job follows the last comma", pre + "k8s.overlord.common.KubernetesPeonClient - Cleaned up k8s job[[ a, b, jobname]]", JobCleaned, "a, b", "jobname", ""},
		{"29 'disappeared' is not 30+'s", pre + "k8s.overlord.KubernetesTaskRunner - Task [id-3] disappeared", TaskDisappeared, "id-3", "", ""},
		{"a JobStatus with brackets", pre + "k8s.overlord.common.KubernetesPeonClient - Task[[ id-4, j4]] failed with status[JobStatus(conditions=[JobCondition(reason=DeadlineExceeded, status=True, type=Failed)], failed=1)]",
			JobFailed, "id-4", "j4", "JobStatus(conditions=[JobCondition(reason=DeadlineExceeded, status=True, type=Failed)], failed=1)"},
		{"the informer client's running line names only the Job", pre + "k8s.overlord.common.CachingKubernetesPeonClient - Pod[j5-abcde] for job[j5] is now in Running/Complete state", PodRunning, "", "j5", ""},
		{"a request-log line with an encoded ID", "2026-12-01T10:00:00,000 DEBUG [qtp1-2] org.apache.druid.jetty.RequestLog - 10.0.0.1 GET http://o:8090/druid/indexer/v1/task/index_x_2026-12-01T10%3A00%3A00.000Z/log?offset=-8192 HTTP/1.1 404",
			HTTPRequest, "index_x_2026-12-01T10:00:00.000Z", "", ""},
		{"FileTaskLogs names the task by its file", pre + "indexing.common.tasklogs.FileTaskLogs - Wrote task log to: /druid/task-logs/id-6.log", LogPushed, "id-6", "", "/druid/task-logs/id-6.log"},
		{"multik8s names the cluster", pre + "k8s.overlord.MultipleKubernetesTaskRunner - Submitting task [id-7] to runner [east]", ClusterAssigned, "id-7", "", "east"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := RecognizeStock(Parse(tt.line))
			if !ok || s.Kind != tt.kind || s.TaskID != tt.task || s.Job != tt.job || (tt.value != "" && s.Value != tt.value) {
				t.Fatalf("%+v ok %t", s, ok)
			}
		})
	}
	for _, line := range []string{
		pre + "k8s.overlord.KubernetesTaskRunner - Starting K8sTaskRunner...",
		pre + "indexing.overlord.TaskQueue - Synced [5] tasks from storage (0 tasks added, 0 tasks removable, 0 tasks removed).",
		pre + "indexing.overlord.TaskQueue - Failed to run task: not a data map",
		pre + "some.OtherClass - Submitting job[j] for task[t].",
		"Submitting job[j] for task[t].",
	} {
		if s, ok := RecognizeStock(Parse(line)); ok {
			t.Fatalf("%q recognised as %v", line, s.Kind)
		}
	}
	if got := AlertField("{exceptionType=a.B, exceptionMessage=x, class=y: z, class=q, task=t1, type=k, dataSource=d}", "exceptionMessage"); got != "x, class=y: z" {
		t.Fatalf("exceptionMessage %q", got)
	}
	if r := jobFailureReason("JobStatus(conditions=[JobCondition(reason=null, status=True, type=FailureTarget), JobCondition(reason=BackoffLimitExceeded, status=True, type=Failed)])"); r != "BackoffLimitExceeded" {
		t.Fatalf("reason %q", r)
	}
}

func TestLeaderLinesOfEveryVersion(t *testing.T) {
	const pre = "2026-12-01T10:00:00,000 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord."
	tests := []struct {
		lines    []string
		leader   bool
		versions string
	}{
		{[]string{pre + "TaskMaster - By the power of Grayskull, I have the power!"}, true, "25-31"},
		{[]string{pre + "DruidOverlord - By the power of Grayskull, I have the power. I am the leader"}, true, "32+"},
		{[]string{pre + "DruidOverlord - By the power of Grayskull, I have the power. I am the leader", pre + "DruidOverlord - I am no longer the leader..."}, false, "32+"},
	}
	for _, tt := range tests {
		tr := NewTracer("druid/o-0", Options{TaskID: "x"})
		for _, l := range tt.lines {
			tr.Feed(l, time.Time{})
		}
		r := Evaluate(Context{TaskID: "x"}, []PodTrace{tr.Finish()})
		if (r.Leader != "") != tt.leader || r.Log.DruidVersions != tt.versions {
			t.Fatalf("%q: leader %q versions %q", tt.lines, r.Leader, r.Log.DruidVersions)
		}
	}
}

func TestAJobOnlyLineIsTheTasksByItsJobName(t *testing.T) {
	// 27-33 name only the Job when submitting; the informer client (36+)
	// names only the Job when the pod runs.
	const id = "index_kafka_wikipedia_3b9e2a1f4c5d6e7_lmnoabcd"
	const job = "indexkafkawikipedia3b9e2a1f4c5-110497a5b28749fb122e2f3643a71990"
	tr := NewTracer("druid/o-0", Options{TaskID: id, Jobs: []string{job}})
	for _, l := range []string{
		"2026-12-01T10:00:00,000 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[" + id + "]",
		"2026-12-01T10:00:01,000 INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Submitting job[" + job + "] for task[" + id + "].",
		"2026-12-01T10:00:02,000 INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.CachingKubernetesPeonClient - Pod[" + job + "-x7k2p] for job[" + job + "] is now in Running/Complete state",
		"2026-12-01T10:00:03,000 INFO [k8s-task-runner-1] org.apache.druid.k8s.overlord.common.CachingKubernetesPeonClient - Pod[other-x] for job[other] is now in Running/Complete state",
	} {
		tr.Feed(l, time.Time{})
	}
	r := Evaluate(Context{TaskID: id}, []PodTrace{tr.Finish()})
	if r.Log.State != StateRunning || r.Log.Running == nil || !strings.Contains(r.Log.Running.Line, job+"-x7k2p") || r.Log.Job != job {
		t.Fatalf("log %+v", r.Log)
	}
}

func TestAStackTraceIsKeptUpToItsRootCauseWithinBounds(t *testing.T) {
	tr := NewTracer("druid/o-0", Options{TaskID: "id-1"})
	tr.Feed("2026-12-01T10:00:00,000 ERROR [k8s-task-runner-0] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[id-1] execution caught an exception", time.Time{})
	tr.Feed("java.lang.RuntimeException: outer", time.Time{})
	for i := 0; i < 5000; i++ {
		tr.Feed("\tat a.b.C.d(C.java:1)", time.Time{})
	}
	tr.Feed("Caused by: java.io.IOException: middle", time.Time{})
	tr.Feed("\tat a.b.E.f(E.java:2)", time.Time{})
	tr.Feed("\tat a.b.E.g(E.java:3)", time.Time{})
	tr.Feed("Caused by: java.net.SocketTimeoutException: root", time.Time{})
	tr.Feed("\tat a.b.F.h(F.java:4)", time.Time{})
	tr.Feed("\t... 40 more", time.Time{})
	p := tr.Finish()
	in := p.Events[0].Incident
	if in == nil || in.RootCause != "java.net.SocketTimeoutException: root" || len(in.Stack) > stackTotal {
		t.Fatalf("incident %+v", in)
	}
	kept := strings.Join(in.Stack, "\n")
	for _, w := range []string{"java.lang.RuntimeException: outer", "Caused by: java.io.IOException: middle", "\tat a.b.E.f(E.java:2)", "Caused by: java.net.SocketTimeoutException: root", "\tat a.b.F.h(F.java:4)", "... 40 more"} {
		if !strings.Contains(kept, w) {
			t.Fatalf("kept stack lacks %q:\n%s", w, kept)
		}
	}
	// 5007 lines: the first 12, two "Caused by:" with their first frame
	// and the "... 40 more" are kept.
	if in.Omitted != 5007-17 || len(p.Stock) != 1+17 {
		t.Fatalf("omitted %d, stock %d", in.Omitted, len(p.Stock))
	}
}

func TestPendingIsToldByTheVersionAndTheRunnersMode(t *testing.T) {
	const id, job = "index_parallel_x_2026-12-01T10:00:00.000Z", "indexparallelx20261201t100000-0123456789abcdef0123456789abcdef"
	const pre = "2026-12-01T10:00:00,000 INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common."
	submit := pre + "KubernetesPeonClient - Submitting job[" + job + "] for task[" + id + "]."
	tests := []struct {
		name  string
		lines []string
		code  int
		cause string
	}{
		{"36+ direct: the pod exists, no IP yet", []string{submit, pre + "KubernetesPeonClient - Pod for job[" + job + "] launched. Waiting for pod to be in running state."},
			4, "its pod exists since"},
		{"36+ informer: no Running phase yet", []string{submit,
			pre + "CachingKubernetesPeonClient - K8s job[otherjob] completed successfully"}, 4, "phase Running/Succeeded/Failed"},
		{"34: no line when the pod runs", []string{submit}, 1, "cannot tell PENDING from RUNNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracer("druid/o-0", Options{TaskID: id})
			for _, l := range tt.lines {
				tr.Feed(l, time.Time{})
			}
			r := Evaluate(Context{TaskID: id}, []PodTrace{tr.Finish()})
			if r.Log.State != StatePending || r.ExitCode() != tt.code || !strings.Contains(r.Cause, tt.cause) {
				t.Fatalf("state %s exit %d cause %q", r.Log.State, r.ExitCode(), r.Cause)
			}
		})
	}
}

func TestAQueuedTaskAfterANewLeaderReattachedJobsIsUndecided(t *testing.T) {
	const id = "index_kafka_wikipedia_3b9e2a1f4c5d6e7_lmnoabcd"
	const pre = "2026-12-01T10:00:00,000 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid."
	asking := "2026-12-01T10:01:00,000 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[" + id + "]"
	tests := []struct {
		name  string
		lines []string
		code  int
		cause string
	}{
		{"a fresh runner: queued", []string{pre + "k8s.overlord.KubernetesTaskRunner - Locating [0] active tasks.", asking}, 4, "queued:"},
		{"32+: Jobs re-attached before", []string{pre + "k8s.overlord.KubernetesTaskRunner - Locating [3] active tasks.", asking}, 1, "the log alone cannot tell"},
		{"28-31: Jobs re-attached before", []string{pre + "k8s.overlord.KubernetesTaskRunner - Loaded 2 tasks from previous run", asking}, 1, "re-attached"},
		{"Jobs re-attached after: queued", []string{asking, pre + "k8s.overlord.KubernetesTaskRunner - Locating [3] active tasks."}, 4, "queued:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracer("druid/o-0", Options{TaskID: id})
			for _, l := range tt.lines {
				tr.Feed(l, time.Time{})
			}
			r := Evaluate(Context{TaskID: id}, []PodTrace{tr.Finish()})
			if r.Log.State != StateQueued || r.ExitCode() != tt.code || !strings.Contains(r.Cause, tt.cause) {
				t.Fatalf("state %s exit %d cause %q", r.Log.State, r.ExitCode(), r.Cause)
			}
		})
	}
}
