package druid

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Phase is the peon lifecycle state of KubernetesPeonLifecycle.State.
type Phase string

// The peon lifecycle states, as Druid names them.
const (
	// NotStarted: no Job exists (queued in the Overlord, or already deleted).
	NotStarted Phase = "NOT_STARTED"
	// Pending: the Job exists but has no pod, or its pod has no IP yet.
	Pending Phase = "PENDING"
	// Running: the pod has an IP; Druid streams logs only now.
	Running Phase = "RUNNING"
	// Stopped: the container terminated or the Job finished.
	Stopped Phase = "STOPPED"
)

// State is a task's lifecycle state with the evidence that decided it.
type State struct {
	Phase Phase
	// Reason is one human line built from the objects, e.g.
	// "main terminated: OOMKilled, exit 137, 2m ago".
	Reason string
	// Terminated is set when the container has terminated.
	Terminated *corev1.ContainerStateTerminated
	// Failed is true when the task's container or pod failed: a non-zero
	// exit, OOMKilled, eviction, or a failed Job.
	Failed bool
	// Waiting is the container's waiting reason (ContainerCreating,
	// ImagePullBackOff…) when it has not started.
	Waiting string
}

// Streamable reports whether the container has a log to read now: the task
// is RUNNING and the container is not still waiting to start.
func (s State) Streamable() bool {
	return s.Phase == Running && s.Waiting == ""
}

// RunningRule is the condition on the pod that moves Druid's peon
// lifecycle from PENDING to RUNNING. It depends on the runner's
// Kubernetes client (druid.indexer.runner.useK8sSharedInformers).
type RunningRule string

// The RUNNING rules of the Kubernetes task runner's two clients (apache/druid
// master @4c0f5240c1, extensions-core/kubernetes-overlord-extensions).
const (
	// RunningByIP is the default direct client's rule: RUNNING once
	// pod.status.podIP is set, whatever the phase
	// (KubernetesPeonClient.launchPeonJobAndWaitForStart waits for the IP).
	RunningByIP RunningRule = "pod-ip"
	// RunningByPhase is the rule with useK8sSharedInformers=true (36+):
	// RUNNING once the pod's phase is Running, Succeeded or Failed
	// (CachingKubernetesPeonClient.java:224-226); a pod with an IP that is
	// still Pending (image pull, ContainerCreating) is PENDING.
	RunningByPhase RunningRule = "pod-phase"
)

// Mode names the runner's client whose rule this is.
func (r RunningRule) Mode() string {
	if r == RunningByPhase {
		return "shared informers (useK8sSharedInformers=true)"
	}
	return "default direct client"
}

// Text states the rule in one line.
func (r RunningRule) Text() string {
	if r == RunningByPhase {
		return "RUNNING = the pod's phase is Running, Succeeded or Failed"
	}
	return "RUNNING = the pod has an IP"
}

// PodRunning reports whether the pod meets the rule.
func (r RunningRule) PodRunning(pod *corev1.Pod) bool {
	if pod == nil {
		return false
	}
	if r == RunningByPhase {
		switch pod.Status.Phase {
		case corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed:
			return true
		}
		return false
	}
	return pod.Status.PodIP != ""
}

// StateOf applies Druid's lifecycle rule (KubernetesPeonLifecycle) of the
// default direct client to a Job and its pod; see StateWith.
func StateOf(job *batchv1.Job, pod *corev1.Pod, container string, now time.Time) State {
	return StateWith(RunningByIP, job, pod, container, now)
}

// StateWith applies Druid's lifecycle rule (KubernetesPeonLifecycle) to a
// Job and its pod: no Job is NOT_STARTED; a Job without a pod, or a pod
// that does not meet rule, is PENDING; a pod that meets it is RUNNING; a
// terminated container, a finished pod or a finished Job is STOPPED. job
// and pod may be nil; container is the container whose state matters
// (normally "main").
func StateWith(rule RunningRule, job *batchv1.Job, pod *corev1.Pod, container string, now time.Time) State {
	if job == nil {
		return State{Phase: NotStarted, Reason: "no Job exists for this task"}
	}
	jobDone, jobFailed, jobWhy := JobFinished(job)
	if pod == nil {
		if jobDone {
			return State{Phase: Stopped, Failed: jobFailed, Reason: fmt.Sprintf("Job %s %s and its pod is gone", job.Name, jobWhy)}
		}
		return State{Phase: Pending, Reason: fmt.Sprintf("Job %s has no pod yet", job.Name)}
	}
	cs := containerStatus(pod, container)
	if cs != nil && cs.State.Terminated != nil {
		t := cs.State.Terminated
		return State{Phase: Stopped, Terminated: t, Failed: t.ExitCode != 0 || t.Reason == "OOMKilled",
			Reason: terminatedReason(container, t, now)}
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		why := string(pod.Status.Phase)
		if pod.Status.Reason != "" {
			why += ": " + pod.Status.Reason
		}
		if pod.Status.Message != "" {
			why += " (" + pod.Status.Message + ")"
		}
		return State{Phase: Stopped, Failed: pod.Status.Phase == corev1.PodFailed, Reason: "pod " + pod.Name + " " + why}
	}
	if jobDone {
		return State{Phase: Stopped, Failed: jobFailed, Reason: fmt.Sprintf("Job %s %s", job.Name, jobWhy)}
	}
	waiting := ""
	if cs != nil && cs.State.Waiting != nil {
		waiting = cs.State.Waiting.Reason
		if waiting == "" {
			waiting = "Waiting"
		}
	}
	if !rule.PodRunning(pod) {
		reason := pendingReason(pod, container, cs)
		if pod.Status.PodIP != "" {
			reason = fmt.Sprintf("pod %s has IP %s but phase %s, and with shared informers %s", pod.Name, pod.Status.PodIP,
				msg.OrNone(string(pod.Status.Phase)), rule.Text())
			if waiting != "" {
				reason += "; " + waitingReason(container, cs.State.Waiting)
			}
		}
		return State{Phase: Pending, Waiting: waiting, Reason: reason}
	}
	s := State{Phase: Running, Waiting: waiting,
		Reason: fmt.Sprintf("pod %s has IP %s on node %s", pod.Name, pod.Status.PodIP, msg.OrNone(pod.Spec.NodeName))}
	if waiting != "" {
		s.Reason += "; " + waitingReason(container, cs.State.Waiting)
	}
	return s
}

// PickPod returns the newest pod (by creation time, then name) and how many
// pods there were; Druid itself takes whichever the API lists first, but a
// Job with backoffLimit 0 normally has one.
func PickPod(pods []corev1.Pod) (*corev1.Pod, int) {
	if len(pods) == 0 {
		return nil, 0
	}
	sorted := make([]*corev1.Pod, len(pods))
	for i := range pods {
		sorted[i] = &pods[i]
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].CreationTimestamp.Time, sorted[j].CreationTimestamp.Time
		if !a.Equal(b) {
			return a.After(b)
		}
		return sorted[i].Name > sorted[j].Name
	})
	return sorted[0], len(pods)
}

// TaskIDOf returns the task.id annotation of a Job, from its pod template
// (where Druid reads it) or else from the Job itself.
func TaskIDOf(job *batchv1.Job) string {
	if id, ok := job.Spec.Template.Annotations[TaskIDAnnotation]; ok {
		return id
	}
	return job.Annotations[TaskIDAnnotation]
}

// BelongsTo reports whether the Job's task.id annotation, on the Job or on
// its pod template, is exactly taskID. A Job name alone proves nothing: Druid
// 25-27 names collide (MSQ "worker1_10" and "worker11_0" both strip to
// "worker110") and prefixed names share the prefix.
func BelongsTo(job *batchv1.Job, taskID string) bool {
	return job.Annotations[TaskIDAnnotation] == taskID ||
		job.Spec.Template.Annotations[TaskIDAnnotation] == taskID
}

// HasContainer reports whether the pod declares a container with that name.
func HasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// ContainerNames lists the pod's containers in declaration order.
func ContainerNames(pod *corev1.Pod) []string {
	names := make([]string, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return names
}

func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// JobFinished reports whether a Job has finished (a Complete or Failed
// condition), whether it failed, and why.
func JobFinished(job *batchv1.Job) (done, failed bool, why string) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return true, false, "completed"
		case batchv1.JobFailed:
			why = "failed"
			if c.Reason != "" {
				why += ": " + c.Reason
			}
			return true, true, why
		}
	}
	return false, false, ""
}

func terminatedReason(container string, t *corev1.ContainerStateTerminated, now time.Time) string {
	reason := t.Reason
	if reason == "" {
		reason = "Completed"
		if t.ExitCode != 0 {
			reason = "Error"
		}
	}
	s := fmt.Sprintf("%s terminated: %s, exit %d", container, reason, t.ExitCode)
	if !t.FinishedAt.IsZero() {
		s += ", " + duration.HumanDuration(now.Sub(t.FinishedAt.Time)) + " ago"
	}
	return s
}

func waitingReason(container string, w *corev1.ContainerStateWaiting) string {
	s := container + " waiting: " + w.Reason
	if w.Message != "" {
		s += " (" + msg.OneLine(w.Message) + ")"
	}
	return s
}

func pendingReason(pod *corev1.Pod, container string, cs *corev1.ContainerStatus) string {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			r := c.Reason
			if r == corev1.PodReasonUnschedulable {
				r = "FailedScheduling"
			}
			return strings.TrimSpace(r + ": " + msg.OneLine(c.Message))
		}
	}
	if cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
		return waitingReason(container, cs.State.Waiting)
	}
	if pod.Spec.NodeName == "" {
		return fmt.Sprintf("pod %s is not scheduled yet", pod.Name)
	}
	return fmt.Sprintf("pod %s has no IP yet (phase %s, node %s)", pod.Name, msg.OrNone(string(pod.Status.Phase)), pod.Spec.NodeName)
}
