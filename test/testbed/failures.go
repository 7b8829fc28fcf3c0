package testbed

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The failures a post-mortem must recognise, played as Kubernetes plays them: what the kubelet
// writes when it evicts a pod, and Jobs the real Job controller fails (a short deadline).

// EvictionMessage is the kubelet's message for a memory-pressure eviction of container main
// (pkg/kubelet/eviction/helpers.go: nodeLowMessageFmt, thresholdMetMessageFmt, containerMessageFmt).
const EvictionMessage = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91236Ki. " +
	"Container main was using 3150484Ki, request is 0, has larger consumption of memory. "

// CreateTaskWith is CreateTask with the Job changed by mutate before it is created: a short
// activeDeadlineSeconds, secrets in the pod template, resources...
func (c *Cluster) CreateTaskWith(ctx context.Context, spec TaskSpec, mutate func(*batchv1.Job)) (*Task, error) {
	if spec.TaskID == "" {
		return nil, fmt.Errorf("testbed: TaskSpec.TaskID is required")
	}
	spec.defaults()
	if err := c.EnsureNamespace(ctx, spec.Namespace); err != nil {
		return nil, err
	}
	t := &Task{Spec: spec, cluster: c, JobName: JobName(spec.DruidVersion, spec.NamePrefix, spec.TaskID)}
	job := t.buildJob()
	if mutate != nil {
		mutate(job)
	}
	created, err := c.clientset.BatchV1().Jobs(spec.Namespace).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating Job %s: %w", t.JobName, err)
	}
	t.Job = created
	return t, nil
}

// Evict does what the kubelet's eviction manager does to a pod under node memory pressure: the
// container is killed (exit 137), the pod fails with reason Evicted and its message, gets the
// DisruptionTarget condition (TerminationByKubelet), and an Evicted event is recorded. The real
// Job controller then fails the Job (BackoffLimitExceeded).
func (t *Task) Evict(ctx context.Context) error {
	if t.PodName() == "" {
		if _, err := t.Pod(ctx); err != nil {
			return err
		}
	}
	now := metav1.Now()
	t.mu.Lock()
	started := t.startedAt
	t.mu.Unlock()
	if started.IsZero() {
		started = now
	}
	err := t.updateStatus(ctx, func(p *corev1.Pod) {
		p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", EvictionMessage
		setConditions(p, now, corev1.ConditionFalse, "PodCompleted")
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
			Status: corev1.ConditionTrue, Reason: "TerminationByKubelet", Message: EvictionMessage, LastTransitionTime: now})
		t.setContainer(p, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 137, Reason: "Error", StartedAt: started, FinishedAt: now, ContainerID: containerID(p, t.Spec.ContainerName),
		}}, false)
	})
	if err != nil {
		return err
	}
	if err := t.kubeletEvent(ctx, corev1.EventTypeWarning, "Evicted", EvictionMessage); err != nil {
		return err
	}
	if err := t.kubeletEvent(ctx, corev1.EventTypeNormal, "Killing", "Stopping container "+t.Spec.ContainerName); err != nil {
		return err
	}
	return os.WriteFile(strings.TrimSuffix(t.LogPath(), ".log")+".terminated", []byte("Evicted\n"), 0o644)
}

// kubeletEvent records an event about the pod as the kubelet of its node would.
func (t *Task) kubeletEvent(ctx context.Context, typ, reason, message string) error {
	pod, err := t.cluster.clientset.CoreV1().Pods(t.Spec.Namespace).Get(ctx, t.PodName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	_, err = t.cluster.clientset.CoreV1().Events(t.Spec.Namespace).Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, time.Now().UnixNano())},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			APIVersion: "v1", FieldPath: "spec.containers{" + t.Spec.ContainerName + "}"},
		Reason: reason, Message: message, Type: typ, Count: 1, FirstTimestamp: now, LastTimestamp: now,
		Source: corev1.EventSource{Component: "kubelet", Host: pod.Spec.NodeName},
	}, metav1.CreateOptions{})
	return err
}

// WaitJobFailed waits until the Job controller has marked the Job Failed with reason (e.g.
// "DeadlineExceeded", "BackoffLimitExceeded") and returns the Job.
func (t *Task) WaitJobFailed(ctx context.Context, reason string, timeout time.Duration) (*batchv1.Job, error) {
	var job *batchv1.Job
	err := WaitFor(ctx, timeout, "Job "+t.JobName+" Failed/"+reason, func(ctx context.Context) (bool, error) {
		j, err := t.cluster.clientset.BatchV1().Jobs(t.Spec.Namespace).Get(ctx, t.JobName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range j.Status.Conditions {
			if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue && c.Reason == reason {
				job = j
				return true, nil
			}
		}
		return false, nil
	})
	return job, err
}
