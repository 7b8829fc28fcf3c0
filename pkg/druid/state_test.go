package druid

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func testJob(conds ...batchv1.JobCondition) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "queryabc123-a231684e224375f80c96f6832225c4a1"},
		Status: batchv1.JobStatus{Conditions: conds}}
}

func testPod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "queryabc123-pod"},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "main"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodPending},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func withContainer(st corev1.ContainerState) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: st}}
	}
}

func running(p *corev1.Pod) {
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = "10.1.2.3"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Running: &corev1.ContainerStateRunning{}}}}
}

func TestStateOf(t *testing.T) {
	finished := metav1.NewTime(now.Add(-2 * time.Minute))
	tests := []struct {
		name       string
		job        *batchv1.Job
		pod        *corev1.Pod
		phase      Phase
		reason     string
		failed     bool
		streamable bool
	}{
		{"no job", nil, nil, NotStarted, "no Job exists for this task", false, false},
		{"job without pod", testJob(), nil, Pending, "Job queryabc123-a231684e224375f80c96f6832225c4a1 has no pod yet", false, false},
		{"job complete, pod gone", testJob(batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}), nil,
			Stopped, "Job queryabc123-a231684e224375f80c96f6832225c4a1 completed and its pod is gone", false, false},
		{"job failed, pod gone", testJob(batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded"}), nil,
			Stopped, "Job queryabc123-a231684e224375f80c96f6832225c4a1 failed: DeadlineExceeded and its pod is gone", true, false},
		{"unschedulable", testJob(), testPod(func(p *corev1.Pod) {
			p.Spec.NodeName = ""
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}
		}), Pending, "FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.", false, false},
		{"not scheduled, no condition yet", testJob(), testPod(func(p *corev1.Pod) { p.Spec.NodeName = "" }),
			Pending, "pod queryabc123-pod is not scheduled yet", false, false},
		{"image pull backoff, no IP", testJob(), testPod(withContainer(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
			Reason: "ImagePullBackOff", Message: "Back-off pulling image \"druid:bad\""}})),
			Pending, "main waiting: ImagePullBackOff (Back-off pulling image \"druid:bad\")", false, false},
		{"scheduled, no IP yet", testJob(), testPod(nil), Pending, "pod queryabc123-pod has no IP yet (phase Pending, node node-1)", false, false},
		{"running", testJob(), testPod(running), Running, "pod queryabc123-pod has IP 10.1.2.3 on node node-1", false, true},
		{"IP but container still creating: RUNNING by Druid's rule, not streamable", testJob(), testPod(func(p *corev1.Pod) {
			p.Status.PodIP = "10.1.2.3"
			withContainer(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}})(p)
		}), Running, "pod queryabc123-pod has IP 10.1.2.3 on node node-1; main waiting: ContainerCreating", false, false},
		{"exited 0", testJob(), testPod(withContainer(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 0, Reason: "Completed", FinishedAt: finished}})), Stopped, "main terminated: Completed, exit 0, 2m ago", false, false},
		{"exit 1 without reason", testJob(), testPod(withContainer(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1}})), Stopped, "main terminated: Error, exit 1", true, false},
		{"OOMKilled", testJob(), testPod(withContainer(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "OOMKilled", FinishedAt: finished}})), Stopped, "main terminated: OOMKilled, exit 137, 2m ago", true, false},
		{"evicted", testJob(), testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason = "Evicted"
			p.Status.Message = "The node was low on resource: memory."
		}), Stopped, "pod queryabc123-pod Failed: Evicted (The node was low on resource: memory.)", true, false},
		{"job failed while pod still has IP", testJob(batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded"}),
			testPod(running), Stopped, "Job queryabc123-a231684e224375f80c96f6832225c4a1 failed: DeadlineExceeded", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StateOf(tt.job, tt.pod, MainContainer, now)
			if got.Phase != tt.phase || got.Reason != tt.reason || got.Failed != tt.failed || got.Streamable() != tt.streamable {
				t.Fatalf("StateOf = {%s %q failed=%v streamable=%v}, want {%s %q failed=%v streamable=%v}",
					got.Phase, got.Reason, got.Failed, got.Streamable(), tt.phase, tt.reason, tt.failed, tt.streamable)
			}
		})
	}
}

func TestPickPodTakesNewest(t *testing.T) {
	old := metav1.NewTime(now.Add(-time.Hour))
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "a", CreationTimestamp: old}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b", CreationTimestamp: metav1.NewTime(now)}},
		{ObjectMeta: metav1.ObjectMeta{Name: "c", CreationTimestamp: old}},
	}
	tests := []struct {
		name  string
		pods  []corev1.Pod
		want  string
		count int
	}{
		{"none", nil, "", 0},
		{"one", pods[:1], "a", 1},
		{"newest wins", pods, "b", 3},
		{"tie broken by name", []corev1.Pod{pods[0], pods[2]}, "c", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, n := PickPod(tt.pods)
			got := ""
			if p != nil {
				got = p.Name
			}
			if got != tt.want || n != tt.count {
				t.Fatalf("PickPod = %q, %d; want %q, %d", got, n, tt.want, tt.count)
			}
		})
	}
}

func TestBelongsTo(t *testing.T) {
	job := func(jobAnn, tmplAnn string) *batchv1.Job {
		j := &batchv1.Job{}
		if jobAnn != "" {
			j.Annotations = map[string]string{TaskIDAnnotation: jobAnn}
		}
		if tmplAnn != "" {
			j.Spec.Template.Annotations = map[string]string{TaskIDAnnotation: tmplAnn}
		}
		return j
	}
	tests := []struct {
		name string
		job  *batchv1.Job
		want bool
	}{
		{"on the Job", job("t1", ""), true},
		{"on the template", job("", "t1"), true},
		{"other task (25-27 name collision)", job("t2", "t2"), false},
		{"no annotation", job("", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BelongsTo(tt.job, "t1"); got != tt.want {
				t.Fatalf("BelongsTo = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRunningRulePerMode checks the two clients' rules: the direct client
// (KubernetesPeonClient) waits for the pod's IP, the shared-informer
// client (CachingKubernetesPeonClient.java:224-226, Druid 36+) for phase
// Running, Succeeded or Failed.
func TestRunningRulePerMode(t *testing.T) {
	ipPending := func(p *corev1.Pod) {
		p.Status.PodIP = "10.1.2.3"
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
			Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}
	}
	noIPRunning := func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }
	tests := []struct {
		name      string
		rule      RunningRule
		pod       *corev1.Pod
		want      Phase
		reasonHas string
	}{
		{"direct: no IP is PENDING", RunningByIP, testPod(nil), Pending, "has no IP yet"},
		{"direct: IP while Pending is RUNNING", RunningByIP, testPod(ipPending), Running, "has IP 10.1.2.3"},
		{"direct: Running without IP is PENDING", RunningByIP, testPod(noIPRunning), Pending, ""},
		{"informer: IP while Pending is PENDING", RunningByPhase, testPod(ipPending), Pending, "but phase Pending, and with shared informers RUNNING = the pod's phase is Running"},
		{"informer: phase Running is RUNNING", RunningByPhase, testPod(running), Running, ""},
		{"informer: Running without IP is RUNNING", RunningByPhase, testPod(noIPRunning), Running, ""},
		{"informer: Succeeded is STOPPED", RunningByPhase, testPod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), Stopped, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := StateWith(tt.rule, testJob(), tt.pod, "main", now)
			if st.Phase != tt.want || !strings.Contains(st.Reason, tt.reasonHas) {
				t.Errorf("state %s (%s), want %s containing %q", st.Phase, st.Reason, tt.want, tt.reasonHas)
			}
		})
	}
	if RunningByIP.PodRunning(nil) || RunningByPhase.PodRunning(nil) {
		t.Error("a missing pod meets a rule")
	}
}
