package podwatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

func peonPod(name, job string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: name, UID: types.UID("uid-" + name),
		Labels: map[string]string{"druid.k8s.peons": "true", "job-name": job}}}
}

// TestSharedFeedsEveryTrackerFromOneWatch: many pods, one LIST and one
// WATCH; each tracker sees its own pod's end and no other's, and is
// unregistered by Stop.
func TestSharedFeedsEveryTrackerFromOneWatch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := fake.NewClientset()
	var pods []*corev1.Pod
	for i := 0; i < 5; i++ {
		p := peonPod(fmt.Sprintf("p%d", i), fmt.Sprintf("job%d", i))
		if _, err := c.CoreV1().Pods("druid").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pods = append(pods, p)
	}
	c.ClearActions()
	s := StartShared(ctx, kubetest.Wrap(c), "druid", "druid.k8s.peons=true", Options{})
	defer s.Stop()
	<-s.Synced()
	if got := s.Pods("druid", "job-name", "job3"); len(got) != 1 || got[0].Name != "p3" {
		t.Fatalf("pods of job3 = %v", got)
	}
	var trackers []*Tracker
	for _, p := range pods {
		trackers = append(trackers, s.Track(p, terminated))
	}
	for len(c.Actions()) < 2 { // the watch is open
		time.Sleep(time.Millisecond)
	}
	ended := pods[1].DeepCopy()
	ended.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}
	if _, err := c.CoreV1().Pods("druid").UpdateStatus(ctx, ended, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().Pods("druid").Delete(ctx, "p2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		select {
		case <-trackers[i].Ended():
		case <-ctx.Done():
			t.Fatalf("the end of p%d was not noticed", i)
		}
	}
	if _, deleted := trackers[2].Latest(); !deleted {
		t.Fatal("p2 not reported deleted")
	}
	if p, deleted := trackers[1].Latest(); deleted || !terminated(p) {
		t.Fatalf("p1: deleted %v, final state %+v", deleted, p.Status)
	}
	for _, i := range []int{0, 3, 4} {
		select {
		case <-trackers[i].Ended():
			t.Fatalf("p%d reported ended", i)
		default:
		}
	}
	// A tracker started after the end was seen ends at once.
	if late := s.Track(pods[1], terminated); !isClosed(late.Ended()) {
		t.Fatal("a tracker of an ended pod did not end")
	}
	for _, tr := range trackers {
		tr.Stop()
	}
	if n := len(c.Actions()); n != 4 { // list, watch, and the test's own update and delete
		t.Fatalf("%d requests, want one LIST and one WATCH: %v", n, c.Actions())
	}
	s.mu.Lock()
	left := len(s.trackers)
	s.mu.Unlock()
	if left > 1 { // the late tracker was not stopped
		t.Fatalf("%d pods still have trackers", left)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestSharedChangesSignalsAJobsPods: a subscriber hears of its Job's pods
// (added, changed, deleted) and of no other's, and not after stop.
func TestSharedChangesSignalsAJobsPods(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := fake.NewClientset()
	s := StartShared(ctx, kubetest.Wrap(c), "druid", "druid.k8s.peons=true", Options{})
	defer s.Stop()
	<-s.Synced()
	for len(c.Actions()) < 2 { // the watch is open
		time.Sleep(time.Millisecond)
	}
	mine, stop := s.Changes("druid", "job-name", "job1")
	other := peonPod("p2", "job2")
	if _, err := c.CoreV1().Pods("druid").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Pods("druid").Create(ctx, peonPod("p1", "job1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-mine:
	case <-ctx.Done():
		t.Fatal("no signal for the Job's new pod")
	}
	if got := s.Pods("druid", "job-name", "job1"); len(got) != 1 || got[0].Name != "p1" {
		t.Fatalf("pods of job1 after the signal = %v", got)
	}
	select {
	case <-mine:
		t.Fatal("a signal for another Job's pod")
	default:
	}
	stop()
	if err := c.CoreV1().Pods("druid").Delete(ctx, "p1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for len(s.Pods("druid", "job-name", "job1")) != 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case <-mine:
		t.Fatal("a signal after stop")
	default:
	}
}

// TestSharedKeepsNoManagedFields: the watch keeps every pod for the whole
// follow, so it keeps them without managedFields, listed or watched.
func TestSharedKeepsNoManagedFields(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mf := []metav1.ManagedFieldsEntry{{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate,
		FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:phase":{}}}`)}}
	c := fake.NewClientset()
	listed := peonPod("listed", "job-a")
	listed.ManagedFields = mf
	if _, err := c.CoreV1().Pods("druid").Create(ctx, listed, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := StartShared(ctx, kubetest.Wrap(c), "druid", "druid.k8s.peons=true", Options{})
	defer s.Stop()
	<-s.Synced()
	for len(c.Actions()) < 2 { // the watch is open
		time.Sleep(time.Millisecond)
	}
	watched := peonPod("watched", "job-b")
	watched.ManagedFields = mf
	changes, stop := s.Changes("druid", "job-name", "job-b")
	defer stop()
	if _, err := c.CoreV1().Pods("druid").Create(ctx, watched, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	<-changes
	for _, job := range []string{"job-a", "job-b"} {
		got := s.Pods("druid", "job-name", job)
		if len(got) != 1 {
			t.Fatalf("pods of %s = %v", job, got)
		}
		if got[0].ManagedFields != nil {
			t.Fatalf("the pod of %s is kept with its managedFields", job)
		}
	}
}
