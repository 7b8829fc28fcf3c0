package testbed

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed/kubelet"
)

// DefaultTimeout bounds each wait of the Task methods.
const DefaultTimeout = 30 * time.Second

var logsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

// Pod waits for the Job's pod (label job-name=<JobName>, as Druid finds it) and returns it.
func (t *Task) Pod(ctx context.Context) (*corev1.Pod, error) {
	var pod *corev1.Pod
	err := WaitFor(ctx, DefaultTimeout, "pod of Job "+t.JobName, func(ctx context.Context) (bool, error) {
		l, err := t.cluster.clientset.CoreV1().Pods(t.Spec.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + t.JobName})
		if err != nil || len(l.Items) == 0 {
			return false, err
		}
		pod = &l.Items[0]
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.pod = pod
	t.mu.Unlock()
	return pod, nil
}

// PodName is the pod's name once Pod (or SetRunning) has found it, else "".
func (t *Task) PodName() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pod == nil {
		return ""
	}
	return t.pod.Name
}

// LogPath is the container's CRI log file on the simulated node (after Pod).
func (t *Task) LogPath() string {
	return filepath.Join(t.cluster.dir, "logs", t.Spec.Namespace, t.PodName(), t.Spec.ContainerName+".log")
}

// PreviousLogPath is the file served for previous=true.
func (t *Task) PreviousLogPath() string {
	return filepath.Join(t.cluster.dir, "logs", t.Spec.Namespace, t.PodName(), t.Spec.ContainerName+".previous.log")
}

// SetRunning makes the pod RUNNING in Druid's sense: after KWOK gave it the kubelet's
// ContainerCreating status, it gets a pod IP, phase Running and container Spec.ContainerName
// running, started and ready with a containerID. On NodeKWOK it also creates the Logs object.
func (t *Task) SetRunning(ctx context.Context) error {
	pod, err := t.waitCreating(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(t.LogPath()), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(t.LogPath(), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_ = f.Close()
	if r := t.Spec.LogRotation; r != nil && t.Spec.Node == NodeKubelet {
		if err := kubelet.WritePolicy(t.LogPath(), *r); err != nil {
			return err
		}
	}
	if t.Spec.Node == NodeKWOK {
		if err := t.createKWOKLogs(ctx, pod); err != nil {
			return err
		}
	}
	now := metav1.Now()
	t.mu.Lock()
	t.startedAt = now
	t.mu.Unlock()
	return t.updateStatus(ctx, func(p *corev1.Pod) {
		ip := podIP(string(p.UID))
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		p.Status.HostIP, p.Status.HostIPs = "127.0.0.1", []corev1.HostIP{{IP: "127.0.0.1"}}
		if p.Status.StartTime == nil {
			p.Status.StartTime = &now
		}
		setConditions(p, now, corev1.ConditionTrue, "")
		t.setContainer(p, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}, true)
	})
}

// SetWaiting leaves the pod without an IP and its container waiting with reason and message, as a
// kubelet that cannot pull the image reports it (reason ImagePullBackOff). Like SetRunning it first
// waits for KWOK's own ContainerCreating status, which would otherwise overwrite this one.
func (t *Task) SetWaiting(ctx context.Context, reason, message string) error {
	if _, err := t.waitCreating(ctx); err != nil {
		return err
	}
	return t.updateStatus(ctx, func(p *corev1.Pod) {
		t.setContainer(p, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}, false)
	})
}

// waitCreating returns the task's pod once KWOK has given it the kubelet's first status
// (container ContainerCreating).
func (t *Task) waitCreating(ctx context.Context) (*corev1.Pod, error) {
	pod, err := t.Pod(ctx)
	if err != nil {
		return nil, err
	}
	err = WaitFor(ctx, DefaultTimeout, "ContainerCreating status of pod "+pod.Name, func(ctx context.Context) (bool, error) {
		p, err := t.cluster.clientset.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) > 0, err
	})
	return pod, err
}

// Succeed terminates the container with exit code 0 (reason Completed); the pod Succeeds.
func (t *Task) Succeed(ctx context.Context) error { return t.terminate(ctx, 0, "Completed") }

// Fail terminates the container with exitCode (reason Error); the pod Fails.
func (t *Task) Fail(ctx context.Context, exitCode int32) error {
	return t.terminate(ctx, exitCode, "Error")
}

// OOMKill terminates the container with reason OOMKilled and exit code 137; the pod Fails.
func (t *Task) OOMKill(ctx context.Context) error { return t.terminate(ctx, 137, "OOMKilled") }

func (t *Task) terminate(ctx context.Context, exitCode int32, reason string) error {
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
		p.Status.Phase = corev1.PodSucceeded
		if exitCode != 0 {
			p.Status.Phase = corev1.PodFailed
		}
		setConditions(p, now, corev1.ConditionFalse, "PodCompleted")
		t.setContainer(p, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: exitCode, Reason: reason, StartedAt: started, FinishedAt: now,
			ContainerID: containerID(p, t.Spec.ContainerName),
		}}, false)
	})
	if err != nil {
		return err
	}
	// The test kubelet also reads this marker (it normally learns termination from the pod watch).
	return os.WriteFile(strings.TrimSuffix(t.LogPath(), ".log")+".terminated", []byte(reason+"\n"), 0o644)
}

// DeleteJob deletes the Job with background propagation, as the Overlord does.
func (t *Task) DeleteJob(ctx context.Context) error {
	bg := metav1.DeletePropagationBackground
	return t.cluster.clientset.BatchV1().Jobs(t.Spec.Namespace).Delete(ctx, t.JobName, metav1.DeleteOptions{PropagationPolicy: &bg})
}

// WaitPodGone waits until the Job's pod no longer exists.
func (t *Task) WaitPodGone(ctx context.Context) error {
	return WaitFor(ctx, DefaultTimeout, "pod of Job "+t.JobName+" gone", func(ctx context.Context) (bool, error) {
		l, err := t.cluster.clientset.CoreV1().Pods(t.Spec.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + t.JobName})
		return err == nil && len(l.Items) == 0, err
	})
}

func (t *Task) updateStatus(ctx context.Context, mutate func(*corev1.Pod)) error {
	pods := t.cluster.clientset.CoreV1().Pods(t.Spec.Namespace)
	name := t.PodName()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(p)
		p, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		if err == nil {
			t.mu.Lock()
			t.pod = p
			t.mu.Unlock()
		}
		return err
	})
}

func (t *Task) setContainer(p *corev1.Pod, state corev1.ContainerState, running bool) {
	image := ""
	for _, c := range p.Spec.Containers {
		if c.Name == t.Spec.ContainerName {
			image = c.Image
		}
	}
	cs := corev1.ContainerStatus{
		Name: t.Spec.ContainerName, State: state, Ready: running, Started: ptr(running),
		Image: image, ImageID: "docker.io/" + image + "@sha256:" + strings.Repeat("0", 64),
		ContainerID: containerID(p, t.Spec.ContainerName),
	}
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == cs.Name {
			p.Status.ContainerStatuses[i] = cs
			return
		}
	}
	p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, cs)
}

// containerID is the ID a containerd kubelet would report (stern skips containers without one).
func containerID(p *corev1.Pod, container string) string {
	return "containerd://" + string(p.UID) + "-" + container
}

// setConditions sets the pod conditions a kubelet reports for a running (status True) or completed
// (status False, reason PodCompleted on Ready and ContainersReady) pod.
func setConditions(p *corev1.Pod, now metav1.Time, status corev1.ConditionStatus, reason string) {
	want := map[corev1.PodConditionType]corev1.ConditionStatus{
		corev1.PodReadyToStartContainers: status, corev1.PodInitialized: corev1.ConditionTrue,
		corev1.PodReady: status, corev1.ContainersReady: status, corev1.PodScheduled: corev1.ConditionTrue,
	}
	reasonFor := func(t corev1.PodConditionType) string {
		if t == corev1.PodReady || t == corev1.ContainersReady {
			return reason
		}
		return ""
	}
	var conds []corev1.PodCondition
	for _, c := range p.Status.Conditions {
		if s, ok := want[c.Type]; ok {
			if c.Status != s {
				c.LastTransitionTime = now
			}
			c.Status, c.Reason, c.Message = s, reasonFor(c.Type), ""
			delete(want, c.Type)
		}
		conds = append(conds, c)
	}
	for _, typ := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized,
		corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		if s, ok := want[typ]; ok {
			conds = append(conds, corev1.PodCondition{Type: typ, Status: s, LastTransitionTime: now, Reason: reasonFor(typ)})
		}
	}
	p.Status.Conditions = conds
}

// podIP derives a stable 10.244.x.y address from the pod UID.
func podIP(uid string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(uid))
	v := h.Sum32()
	return fmt.Sprintf("10.244.%d.%d", (v>>8)&0xff, v%254+1)
}

func (t *Task) createKWOKLogs(ctx context.Context, pod *corev1.Pod) error {
	dc, err := dynamic.NewForConfig(t.cluster.restConfig)
	if err != nil {
		return err
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Logs",
		"metadata":   map[string]any{"name": pod.Name, "namespace": pod.Namespace},
		"spec": map[string]any{"logs": []any{map[string]any{
			"containers":       []any{t.Spec.ContainerName},
			"logsFile":         t.LogPath(),
			"previousLogsFile": t.PreviousLogPath(),
			"follow":           true,
		}}},
	}}
	_, err = dc.Resource(logsGVR).Namespace(pod.Namespace).Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
