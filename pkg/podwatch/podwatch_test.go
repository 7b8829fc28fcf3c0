package podwatch

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

func terminated(p *corev1.Pod) bool {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == "main" && cs.State.Terminated != nil {
			return true
		}
	}
	return false
}

func TestTrackerNoticesTheEnd(t *testing.T) {
	tests := []struct {
		name        string
		change      func(context.Context, *fake.Clientset, *corev1.Pod) error
		wantDeleted bool
	}{
		{"container terminated", func(ctx context.Context, c *fake.Clientset, p *corev1.Pod) error {
			p = p.DeepCopy()
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
			_, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
			return err
		}, false},
		{"pod deleted", func(ctx context.Context, c *fake.Clientset, p *corev1.Pod) error {
			return c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "p"}}
			c := fake.NewClientset(pod)
			tr := Start(ctx, kubetest.Wrap(c), pod, "", terminated, Options{})
			// Wait until the watch is open before changing the pod.
			for len(c.Actions()) < 2 {
				time.Sleep(time.Millisecond)
			}
			if err := tt.change(ctx, c, pod); err != nil {
				t.Fatal(err)
			}
			select {
			case <-tr.Ended():
			case <-ctx.Done():
				t.Fatal("the end was not noticed")
			}
			latest, deleted := tr.Latest()
			if deleted != tt.wantDeleted || (!deleted && !terminated(latest)) {
				t.Fatalf("Latest = %+v, deleted %v", latest.Status, deleted)
			}
		})
	}
}

func TestTrackerAlreadyEnded(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "p"}}
	tr := Start(context.Background(), kubetest.Wrap(fake.NewClientset()), pod, "1", func(*corev1.Pod) bool { return true }, Options{})
	select {
	case <-tr.Ended():
	default:
		t.Fatal("a pod that has already ended must close Ended at once")
	}
}

// TestDeletedPodKeepsItsFinalState: when the end arrives only with the
// deletion (the watch was re-opened meanwhile, or the kubelet's last status
// and the deletion came together), the Deleted event's object is the pod's
// final state: a pod that succeeded and was deleted is a success.
func TestDeletedPodKeepsItsFinalState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "p", ResourceVersion: "5"}}
	final := pod.DeepCopy()
	final.Status.Phase = corev1.PodSucceeded
	final.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}
	c := fake.NewClientset(pod)
	w := watch.NewFake()
	c.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) { return true, w, nil })
	tr := Start(ctx, kubetest.Wrap(c), pod, "5", terminated, Options{})
	w.Delete(final)
	select {
	case <-tr.Ended():
	case <-ctx.Done():
		t.Fatal("the deletion was not noticed")
	}
	latest, deleted := tr.Latest()
	if !deleted || latest == nil || latest.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("Latest phase = %q, deleted %v; want the final Succeeded state", phase(latest), deleted)
	}
	tr.Stop()
}

// TestStopEndsTheWatch: a follower that gives up stops its pod watch; no
// goroutine is left behind.
func TestStopEndsTheWatch(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "p"}}
	c := fake.NewClientset(pod)
	tr := Start(context.Background(), kubetest.Wrap(c), pod, "", terminated, Options{})
	done := make(chan struct{})
	go func() { tr.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not end the watch")
	}
}

func phase(p *corev1.Pod) corev1.PodPhase {
	if p == nil {
		return ""
	}
	return p.Status.Phase
}
