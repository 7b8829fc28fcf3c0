package testbed

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// fakeStock is a stand-in on a fake clientset: step() is driven by hand.
func fakeStock(t *testing.T, spec StockOverlordSpec) (*StockOverlord, *fake.Clientset) {
	t.Helper()
	spec.Namespace = "druid"
	spec.defaults()
	spec.Name, spec.Container = "druid-overlord-0", "druid"
	cs := fake.NewSimpleClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "druid"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "druid"}})
	c := &Cluster{dir: t.TempDir(), clientset: cs}
	o := &Overlord{Spec: spec.OverlordSpec, IP: "10.244.0.9", cluster: c}
	if err := os.MkdirAll(filepath.Dir(o.LogPath()), 0o755); err != nil {
		t.Fatal(err)
	}
	so := &StockOverlord{Overlord: o, Spec: spec, stock: overlordsim.Stock{Version: spec.Druid, Informer: spec.Informer},
		sa: cs, byID: map[string]*stockTask{}, done: make(chan struct{})}
	so.Sim = overlordsim.New(overlordsim.Config{Version: spec.Druid, LiveLogOnThread: so.liveLog, LiveLogIgnoresOffset: true})
	if err := so.boot(); err != nil {
		t.Fatal(err)
	}
	return so, cs
}

func mustStep(t *testing.T, so *StockOverlord) {
	t.Helper()
	if err := so.step(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func lifecycleOf(t *testing.T, so *StockOverlord, id string) overlordsim.Task {
	t.Helper()
	tk, ok := so.Sim.Task(id)
	if !ok {
		t.Fatalf("no task %s", id)
	}
	return tk
}

// addPod creates the Job's pod as the Job controller would, with ip and phase.
func addPod(t *testing.T, cs *fake.Clientset, job, ip string, phase corev1.PodPhase) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: job + "-x2x9q", Namespace: "druid", Labels: map[string]string{"job-name": job}},
		Status: corev1.PodStatus{Phase: phase, PodIP: ip}}
	p, err := cs.CoreV1().Pods("druid").Create(context.Background(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func logText(t *testing.T, so *StockOverlord) string {
	t.Helper()
	b, err := os.ReadFile(so.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func inOrder(t *testing.T, text string, want ...string) {
	t.Helper()
	rest := text
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("log lacks %q (in order):\n%s", w, text)
		}
		rest = rest[i+len(w):]
	}
}

func TestStandInRunsATaskByDruidsRules(t *testing.T) {
	ctx := context.Background()
	so, cs := fakeStock(t, StockOverlordSpec{})
	const id = "index_parallel_wikipedia_2026-12-04T10:00:00.000Z"
	so.Submit(TaskSpec{TaskID: id, Type: "index_parallel"})
	if tk := lifecycleOf(t, so, id); tk.Lifecycle != overlordsim.LifecycleNotStarted {
		t.Fatalf("submitted: %+v", tk)
	}
	mustStep(t, so)
	if tk := lifecycleOf(t, so, id); tk.Lifecycle != overlordsim.LifecyclePending || tk.RunnerStatusCode != overlordsim.Pending {
		t.Fatalf("after launch: %+v", tk)
	}
	job := JobName("36", "", id)
	if _, err := cs.BatchV1().Jobs("druid").Get(ctx, job, metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := addPod(t, cs, job, "", corev1.PodPending)
	mustStep(t, so)
	if tk := lifecycleOf(t, so, id); tk.Lifecycle != overlordsim.LifecyclePending {
		t.Fatalf("a pod without IP is PENDING: %+v", tk)
	}
	pod.Status.PodIP = "10.244.1.1"
	if _, err := cs.CoreV1().Pods("druid").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustStep(t, so)
	tk := lifecycleOf(t, so, id)
	if tk.RunnerStatusCode != overlordsim.Running || tk.Location.Host != "10.244.1.1" || tk.Location.K8sPodName != pod.Name {
		t.Fatalf("a pod with an IP is RUNNING for the direct client, even Pending: %+v", tk)
	}
	srv := httptest.NewServer(so.Sim)
	defer srv.Close()
	resp, err := http.Get(srv.URL + overlordsim.BasePath + "/task/" + id + "/log?offset=-8192")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "fake logs" {
		t.Fatalf("live log %d %q", resp.StatusCode, body)
	}
	pod.Status.Phase = corev1.PodSucceeded
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}}
	if _, err := cs.CoreV1().Pods("druid").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	setJobCondition(t, cs, job, batchv1.JobComplete)
	mustStep(t, so)
	tk = lifecycleOf(t, so, id)
	if tk.StatusCode != overlordsim.Success || tk.RunnerStatusCode != overlordsim.Waiting || tk.Location.K8sPodName != pod.Name {
		t.Fatalf("finished: %+v", tk)
	}
	if _, err := cs.BatchV1().Jobs("druid").Get(ctx, job, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Job is deleted on completion: %v", err)
	}
	k := overlordsim.K8sTaskID(id, job)
	inOrder(t, logText(t, so), "startup service overlord", "I have the power. I am the leader", "Adding task["+id+"] to activeTasks",
		"Asking taskRunner to run task["+id+"]", "INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Submitting job["+job+"] for task["+id+"].",
		"Submitted job["+job+"] for task["+id+"]. Waiting for POD to launch.", "Pod for job["+job+"] launched. Waiting for pod to be in running state.",
		"Pod for job["+job+"] is in state[Pending] for task["+id+"].", "S3TaskLogs - Pushing task log var/tmp/"+id,
		"Received status[SUCCESS] for task["+id+"].", "[TaskQueue-OnComplete-0] org.apache.druid.indexing.overlord.TaskLockbox - Removing task["+id+"]",
		"Shutdown ["+id+"] because [notified status change from task]", "Completed task["+id+"] with status[TaskStatus{id="+id+", status=SUCCESS, duration=",
		"Cleaned up k8s job["+k+"]")
}

func setJobCondition(t *testing.T, cs *fake.Clientset, job string, typ batchv1.JobConditionType) {
	t.Helper()
	j, err := cs.BatchV1().Jobs("druid").Get(context.Background(), job, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: typ, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"})
	j.Status.Failed = 1
	if _, err := cs.BatchV1().Jobs("druid").UpdateStatus(context.Background(), j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestStandInFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("queued behind capacity: no Job", func(t *testing.T) {
		so, cs := fakeStock(t, StockOverlordSpec{Capacity: 1})
		so.Submit(TaskSpec{TaskID: "query-a"})
		so.Submit(TaskSpec{TaskID: "query-b"})
		mustStep(t, so)
		mustStep(t, so)
		if a, b := lifecycleOf(t, so, "query-a"), lifecycleOf(t, so, "query-b"); a.Lifecycle != overlordsim.LifecyclePending ||
			b.Lifecycle != overlordsim.LifecycleNotStarted || b.RunnerStatusCode != overlordsim.Pending {
			t.Fatalf("a %+v b %+v", a, b)
		}
		if _, err := cs.BatchV1().Jobs("druid").Get(ctx, JobName("36", "", "query-b"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("a queued task has no Job: %v", err)
		}
	})
	t.Run("informer: the phase, not the IP", func(t *testing.T) {
		so, cs := fakeStock(t, StockOverlordSpec{Informer: true})
		so.Submit(TaskSpec{TaskID: "query-i"})
		mustStep(t, so)
		job := JobName("36", "", "query-i")
		pod := addPod(t, cs, job, "10.244.1.2", corev1.PodPending)
		mustStep(t, so)
		if tk := lifecycleOf(t, so, "query-i"); tk.RunnerStatusCode != overlordsim.Pending {
			t.Fatalf("IP but Pending: %+v", tk)
		}
		pod.Status.Phase = corev1.PodRunning
		if _, err := cs.CoreV1().Pods("druid").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		mustStep(t, so)
		if tk := lifecycleOf(t, so, "query-i"); tk.RunnerStatusCode != overlordsim.Running {
			t.Fatalf("Running: %+v", tk)
		}
		text := logText(t, so)
		inOrder(t, text, "Submitted job[", "CachingKubernetesPeonClient - Pod["+pod.Name+"] for job["+job+"] is now in Running/Complete state")
		if strings.Contains(text, "launched. Waiting") {
			t.Fatalf("the informer client prints no launch line:\n%s", text)
		}
	})
	t.Run("quota: fail fast on the Job's FailedCreate", func(t *testing.T) {
		so, cs := fakeStock(t, StockOverlordSpec{})
		so.Submit(TaskSpec{TaskID: "query-q"})
		mustStep(t, so)
		job := JobName("36", "", "query-q")
		ev := `Error creating: pods "` + job + `-abcde" is forbidden: exceeded quota: druid-tasks, requested: pods=1, used: pods=1, limited: pods=0`
		_, err := cs.CoreV1().Events("druid").Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Job", Name: job, Namespace: "druid"}, Reason: "FailedCreate", Message: ev, Type: "Warning"}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mustStep(t, so)
		if tk := lifecycleOf(t, so, "query-q"); tk.StatusCode != overlordsim.Failed || tk.ErrorMsg != overlordsim.FailedToRunTaskMsg || tk.Duration != -1 {
			t.Fatalf("quota: %+v", tk)
		}
		inOrder(t, logText(t, so), "KubernetesPeonLifecycle - Failed to run task: query-q",
			"ERROR [k8s-task-runner-0] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[query-q] failed because Job["+job+"] failed to create pods. Message["+ev+"]",
			"ERROR [k8s-task-runner-0] org.apache.druid.indexing.overlord.TaskQueue - Failed to run task: {exceptionType="+overlordsim.ResourceNotFoundException,
			"errorMsg="+overlordsim.FailedToRunTaskMsg+"}", "Cleaned up k8s job[")
	})
	t.Run("Job deleted while RUNNING: the peon reported nothing", func(t *testing.T) {
		so, cs := fakeStock(t, StockOverlordSpec{})
		so.Submit(TaskSpec{TaskID: "query-d"})
		mustStep(t, so)
		job := JobName("36", "", "query-d")
		addPod(t, cs, job, "10.244.1.3", corev1.PodRunning)
		mustStep(t, so)
		if err := cs.BatchV1().Jobs("druid").Delete(ctx, job, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := cs.CoreV1().Pods("druid").Delete(ctx, job+"-x2x9q", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustStep(t, so)
		tk := lifecycleOf(t, so, "query-d")
		if tk.StatusCode != overlordsim.Failed || tk.ErrorMsg != overlordsim.PeonDidNotReportMsg {
			t.Fatalf("Job deleted: %+v", tk)
		}
		k := overlordsim.K8sTaskID("query-d", job)
		inOrder(t, logText(t, so), "K8s job for the task["+k+"] was not found. It can happen if the task was canceled",
			"Peon for task ["+k+"] did not push its task status.", "Received status[FAILED] for task[query-d].",
			"errorMsg="+overlordsim.PeonDidNotReportMsg+"}", "K8s job["+k+"] does not exist")
		so.Sim.SetLog("x", nil)
		srv := httptest.NewServer(so.Sim)
		defer srv.Close()
		resp, err := http.Get(srv.URL + overlordsim.BasePath + "/task/query-d/log")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != overlordsim.NoLogsPlaceholder("query-d", job) {
			t.Fatalf("stored log %d %q", resp.StatusCode, body)
		}
	})
	t.Run("OOMKilled: the Job failed", func(t *testing.T) {
		so, cs := fakeStock(t, StockOverlordSpec{DebugJobs: true})
		so.Submit(TaskSpec{TaskID: "query-o"})
		mustStep(t, so)
		job := JobName("36", "", "query-o")
		pod := addPod(t, cs, job, "10.244.1.4", corev1.PodRunning)
		mustStep(t, so)
		pod.Status.Phase = corev1.PodFailed
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
		if _, err := cs.CoreV1().Pods("druid").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		setJobCondition(t, cs, job, batchv1.JobFailed)
		mustStep(t, so)
		if tk := lifecycleOf(t, so, "query-o"); tk.StatusCode != overlordsim.Failed || tk.ErrorMsg != overlordsim.PeonDidNotReportMsg {
			t.Fatalf("OOMKilled: %+v", tk)
		}
		k := overlordsim.K8sTaskID("query-o", job)
		inOrder(t, logText(t, so), "WARN [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Task["+k+"] failed with status[JobStatus(",
			"reason=BackoffLimitExceeded", "Peon for task ["+k+"] did not push its task status.", "Not cleaning up job["+k+"] due to flag: debugJobs=true")
		if _, err := cs.BatchV1().Jobs("druid").Get(ctx, job, metav1.GetOptions{}); err != nil {
			t.Fatalf("debugJobs keeps the Job: %v", err)
		}
	})
}
