//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// The stories of a stock Druid Overlord (no instrumentation): the stand-in
// (testbed.StockOverlord) answers the API like Druid 36 and prints Druid's
// stock lines, and runs each task through its real Job and pod. Each story
// ends in trace's failed layer, exit code and cause (ISSUE 20's table).

// stockOverlord starts a stand-in in a fresh namespace.
func stockOverlord(t *testing.T, spec testbed.StockOverlordSpec) *testbed.StockOverlord {
	t.Helper()
	if spec.Namespace == "" {
		spec.Namespace = newNamespace(t)
	}
	so, err := bed.StartStockOverlord(testCtx(t), spec)
	must(t, err)
	t.Cleanup(func() {
		so.Stop()
		if err := so.Err(); err != nil {
			t.Errorf("the Overlord stand-in: %v", err)
		}
	})
	return so
}

// kafkaID is a supervisor task's ID as Druid makes it.
func kafkaID(ds, letters string) string {
	return fmt.Sprintf("index_kafka_%s_0c4ba27d86f5e1d_%s", ds, letters)
}

// submitRunning submits a task and makes its pod run (an IP, phase Running).
func submitRunning(t *testing.T, so *testbed.StockOverlord, spec testbed.TaskSpec, lines ...string) *testbed.Task {
	t.Helper()
	so.Submit(spec)
	task, err := so.Task(testCtx(t), spec.TaskID)
	must(t, err)
	must(t, task.SetRunning(testCtx(t)))
	if len(lines) > 0 {
		must(t, task.AppendLog(lines...))
	}
	waitRunner(t, so, spec.TaskID, overlordsim.Running)
	return task
}

// waitRunner waits for the Overlord's runnerStatusCode of a task.
func waitRunner(t *testing.T, so *testbed.StockOverlord, id, code string) {
	t.Helper()
	must(t, so.WaitTask(testCtx(t), id, "runnerStatusCode "+code, func(tk overlordsim.Task) bool {
		return tk.RunnerStatusCode == code && tk.StatusCode == overlordsim.Running
	}))
}

// waitDone waits for the Overlord's final statusCode of a task.
func waitDone(t *testing.T, so *testbed.StockOverlord, id, status string) overlordsim.Task {
	t.Helper()
	var got overlordsim.Task
	must(t, so.WaitTask(testCtx(t), id, status, func(tk overlordsim.Task) bool { got = tk; return tk.StatusCode == status }))
	return got
}

// stockTrace runs trace -o json against the stand-in.
func stockTrace(t *testing.T, so *testbed.StockOverlord, id string, extra ...string) (traceReport, result) {
	t.Helper()
	return traceJSON(t, append([]string{id, "-n", so.Spec.Namespace, "--overlord", so.URL}, extra...)...)
}

// expectLayer fails unless the trace failed at layer (none: "") with code,
// and its cause (with the failed step's summary and evidence, which it
// rests on) names one of each group of key words (case-insensitive).
func expectLayer(t *testing.T, rep traceReport, r result, layer string, code int, causes ...[]string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\ncause: %s\nstdout:\n%s\nstderr:\n%s", r.code, code, rep.Cause, r.stdout, r.stderr)
	}
	got := ""
	if rep.FailedStep != nil {
		got = *rep.FailedStep
	}
	if got != layer {
		t.Fatalf("failed layer %q, want %q\ncause: %s\nstdout:\n%s", got, layer, rep.Cause, r.stdout)
	}
	cause := rep.Cause
	for _, st := range rep.Steps {
		if st.ID == layer {
			cause += " | " + st.Summary + " | " + strings.Join(st.Evidence, " | ") + " | " + strings.Join(st.Lines, " | ")
		}
	}
	cause = strings.ToLower(cause)
	for _, group := range causes {
		found := false
		for _, w := range group {
			found = found || strings.Contains(cause, strings.ToLower(w))
		}
		if !found {
			t.Fatalf("cause names none of %q: %s\nfix: %s", group, cause, rep.Fix)
		}
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("stack trace on stderr:\n%s", r.stderr)
	}
}

func oneOf(words ...string) []string { return words }

// TestStockKafkaTaskLiveThenFromStorage: a Kafka task's live log is served
// (exit 0); once the task has ended, the Overlord serves it from task-log
// storage and trace says it is finished (exit 4).
func TestStockKafkaTaskLiveThenFromStorage(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{RequestLog: true})
	id := kafkaID("wikipedia", "kplmqzrd")
	task := submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "reading partition 0", "reading partition 1")
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "", 0)
	if rep.Leader != so.Pod() && !strings.Contains(rep.Leader, so.IP) {
		t.Fatalf("leader %q, want %s (Druid 32+'s leader line, or /leader's URL %s)", rep.Leader, so.Pod(), so.IP)
	}
	text := plug(t, "trace", id, "-n", so.Spec.Namespace, "--overlord", so.URL, "--no-emoji")
	expectCode(t, text, 0)
	t.Logf("$ kubectl druid-logs trace %s\n%s%s", id, text.stderr, text.stdout)

	must(t, task.AppendLog("publishing segments", "handed off, exiting"))
	must(t, task.Succeed(testCtx(t)))
	done := waitDone(t, so, id, overlordsim.Success)
	if done.RunnerStatusCode != overlordsim.Waiting || done.Location.K8sPodName != task.PodName() {
		t.Fatalf("a finished task is WAITING at its stored location in Druid: %+v", done)
	}
	rep, r = stockTrace(t, so, id)
	expectLayer(t, rep, r, "work-item", 4, oneOf("SUCCESS", "finished", "succeeded"))
	if all := strings.ToLower(rep.Cause + " " + rep.Fix + " " + r.stdout); !strings.Contains(all, "task-log storage") && !strings.Contains(all, "deep storage") {
		t.Fatalf("trace does not say where the finished task's log is now:\n%s", r.stdout)
	}
	// The stored log is the pod's whole log, as saveLogs pushed it.
	f := plug(t, "follow", id, "-n", so.Spec.Namespace, "--overlord", so.URL)
	expectCode(t, f, 0)
	if !strings.Contains(f.stdout, "reading partition 0") || !strings.Contains(f.stdout, "handed off, exiting") {
		t.Fatalf("stored log:\n%s", f.stdout)
	}
}

// TestStockPodNeverScheduled: the Job's pod is never scheduled, so it never
// gets an IP: the lifecycle stays PENDING (exit 4, layer running).
func TestStockPodNeverScheduled(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{})
	id := "index_parallel_wikipedia_unsched_2026-12-04T10:00:00.000Z"
	so.Submit(testbed.TaskSpec{TaskID: id, Type: "index_parallel", Unschedulable: true})
	task, err := so.Task(testCtx(t), id)
	must(t, err)
	must(t, testbed.WaitFor(testCtx(t), 30*time.Second, "FailedScheduling", func(ctx context.Context) (bool, error) {
		p, err := task.Pod(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "PodScheduled" && c.Reason == "Unschedulable" {
				return true, nil
			}
		}
		return false, nil
	}))
	waitRunner(t, so, id, overlordsim.Pending)
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "running", 4, oneOf("unschedulable", "FailedScheduling", "cannot be scheduled", "not scheduled"))
}

// TestStockQuotaExceeded: the namespace's quota refuses the Job's pod; Druid
// 35+ sees the Job's FailedCreate event and fails the task at once.
func TestStockQuotaExceeded(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{})
	must(t, bed.ZeroPodQuota(testCtx(t), so.Spec.Namespace, "druid-tasks"))
	id := "index_parallel_wikipedia_quota_2026-12-04T10:00:00.000Z"
	so.Submit(testbed.TaskSpec{TaskID: id, Type: "index_parallel"})
	done := waitDone(t, so, id, overlordsim.Failed)
	if done.ErrorMsg != overlordsim.FailedToRunTaskMsg {
		t.Fatalf("errorMsg %q", done.ErrorMsg)
	}
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "work-item", 4, oneOf("exceeded quota"))
}

// TestStockPeonKilled: an OOMKilled peon, a lost node and a Job deleted by
// hand all leave "Peon did not report status successfully." once Druid has
// deleted the Job: finished, FAILED (exit 4, layer work-item).
func TestStockPeonKilled(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{})
	kills := map[string]func(*testbed.Task) error{
		kafkaID("wikipedia", "oomkilld"): func(k *testbed.Task) error { return k.OOMKill(testCtx(t)) },
		kafkaID("wikipedia", "nodelost"): func(k *testbed.Task) error { return k.LoseNode(testCtx(t)) },
		kafkaID("wikipedia", "jobgone0"): func(k *testbed.Task) error { return k.DeleteJob(testCtx(t)) },
	}
	for id, kill := range kills {
		t.Run(id, func(t *testing.T) {
			task := submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "reading")
			must(t, kill(task))
			done := waitDone(t, so, id, overlordsim.Failed)
			if done.ErrorMsg != overlordsim.PeonDidNotReportMsg {
				t.Fatalf("errorMsg %q", done.ErrorMsg)
			}
			rep, r := stockTrace(t, so, id)
			expectLayer(t, rep, r, "work-item", 4, oneOf("Peon did not report status successfully"))
		})
	}
}

// TestStockQueuedBehindCapacity: with capacity 1 and one task running, the
// next is NOT_STARTED and has no Job (exit 4, layer lifecycle).
func TestStockQueuedBehindCapacity(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{Capacity: 1})
	submitRunning(t, so, testbed.TaskSpec{TaskID: kafkaID("wikipedia", "runsfirst"), Type: "index_kafka"}, "x")
	id := kafkaID("wikipedia", "queuedup")
	so.Submit(testbed.TaskSpec{TaskID: id, Type: "index_kafka"})
	waitRunner(t, so, id, overlordsim.Pending)
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "lifecycle", 4, oneOf("NOT_STARTED", "queued", "capacity"))
}

// TestStockMistypedID: the Overlord does not know the task: the only exit 3.
func TestStockMistypedID(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{})
	id := kafkaID("wikipedia", "realtask")
	submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "x")
	rep, r := stockTrace(t, so, strings.Replace(id, "realtask", "realtsak", 1))
	expectLayer(t, rep, r, "work-item", 3, oneOf("not know", "unknown", "404", "never heard", "no such task"))
}

// TestStockOverlordAccountWithoutPodsLog: the Overlord's service account's
// Role lacks pods/log: Druid logs the read's ERROR and answers 404 (exit 5).
func TestStockOverlordAccountWithoutPodsLog(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{NoPodsLog: true})
	id := kafkaID("wikipedia", "noreadlg")
	submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "x")
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "log-watch", 5, oneOf("pods/log"), oneOf("druid-overlord", "service account", "serviceaccount"))
}

// TestStockLogReadError: with the direct client a pod with an IP is RUNNING
// for Druid while its container still waits: the pods/log read fails and
// Druid logs "Error streaming logs for pod[...]" (exit 1, layer log-watch).
func TestStockLogReadError(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{})
	id := kafkaID("wikipedia", "waitingc")
	so.Submit(testbed.TaskSpec{TaskID: id, Type: "index_kafka"})
	task, err := so.Task(testCtx(t), id)
	must(t, err)
	must(t, task.SetIPWhilePending(testCtx(t)))
	waitRunner(t, so, id, overlordsim.Running)
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "log-watch", 1, oneOf("waiting to start", "ContainerCreating", "Error streaming logs"))
}

// TestStockInformerIPButPending: with useK8sSharedInformers=true (36+) the
// same pod is PENDING for Druid: RUNNING is the pod's phase (exit 4).
func TestStockInformerIPButPending(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{Informer: true})
	id := kafkaID("wikipedia", "informer")
	so.Submit(testbed.TaskSpec{TaskID: id, Type: "index_kafka"})
	task, err := so.Task(testCtx(t), id)
	must(t, err)
	must(t, task.SetIPWhilePending(testCtx(t)))
	waitRunner(t, so, id, overlordsim.Pending)
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "running", 4, oneOf("phase", "informer"), oneOf("Pending", "ContainerCreating"))

	crep, cr := checkJSON(t, id, "-n", so.Spec.Namespace, "--overlord", so.URL)
	expectCode(t, cr, 4)
	if !strings.Contains(statuses(crep), "running=fail") {
		t.Fatalf("check statuses %s\n%s", statuses(crep), cr.stdout)
	}
}

// TestStockOverlordLogsToAFile: the Docker image's default log4j2 writes the
// Overlord's log to a file; the pod's log has only druid.sh's lines. The
// task is served live (exit 0) and trace says how to get Druid's lines.
func TestStockOverlordLogsToAFile(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{FileLog: true})
	id := kafkaID("wikipedia", "filelogd")
	submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "x")
	if len(so.FileLog()) == 0 {
		t.Fatal("the stand-in logged nothing to its file")
	}
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "", 0)
	if all := r.stdout + r.stderr; !strings.Contains(all, "DRUID_LOG4J") || !strings.Contains(all, "log4j2") {
		t.Fatalf("trace does not say the log goes to a file and how to fix it:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

// TestStockOverlordRefusesCredentials: basic auth is on and the plugin has no
// credentials: 401 (exit 5, layer request).
func TestStockOverlordRefusesCredentials(t *testing.T) {
	so := stockOverlord(t, testbed.StockOverlordSpec{BasicUser: "druid_system", BasicPassword: "s3cret-pw"})
	id := kafkaID("wikipedia", "authtask")
	submitRunning(t, so, testbed.TaskSpec{TaskID: id, Type: "index_kafka"}, "x")
	rep, r := stockTrace(t, so, id)
	expectLayer(t, rep, r, "request", 5, oneOf("401", "credentials", "unauthorized"))
	cred := t.TempDir() + "/cred"
	must(t, writeFile(cred, "druid_system:s3cret-pw\n"))
	rep, r = stockTrace(t, so, id, "--overlord-credentials-file", cred)
	expectLayer(t, rep, r, "", 0)
}

// TestStockOlderReleases: a Druid 33 and a Druid 35 Overlord print their own
// lines ("Successfully submitted job", "state [%s]") and 404 bodies; a pod
// without an IP is PENDING and a running one is served on both.
func TestStockOlderReleases(t *testing.T) {
	for _, v := range []overlordsim.Version{33, overlordsim.Druid35} {
		t.Run(fmt.Sprint("Druid ", v), func(t *testing.T) {
			so := stockOverlord(t, testbed.StockOverlordSpec{Druid: v})
			pending := kafkaID("wikipedia", "pendingv")
			so.Submit(testbed.TaskSpec{TaskID: pending, Type: "index_kafka"})
			task, err := so.Task(testCtx(t), pending)
			must(t, err)
			_, err = task.Pod(testCtx(t))
			must(t, err)
			rep, r := stockTrace(t, so, pending)
			expectLayer(t, rep, r, "running", 4)
			served := kafkaID("wikipedia", "servedvv")
			submitRunning(t, so, testbed.TaskSpec{TaskID: served, Type: "index_kafka"}, "x")
			rep, r = stockTrace(t, so, served)
			expectLayer(t, rep, r, "", 0)
		})
	}
}

// grantPodsLog lets the namespace's default service account (a plain
// Overlord pod's) read pods and their logs, as Druid's docs ask.
func grantPodsLog(t *testing.T, ns string) {
	t.Helper()
	ctx := testCtx(t)
	must(t, bed.EnsureNamespace(ctx, ns))
	rb := bed.Clientset().RbacV1()
	meta := metav1.ObjectMeta{Name: "druid-overlord-default", Namespace: ns}
	_, err := rb.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}, Verbs: []string{"get", "list", "watch"}}}}, metav1.CreateOptions{})
	must(t, err)
	_, err = rb.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta,
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: meta.Name}}, metav1.CreateOptions{})
	must(t, err)
}
