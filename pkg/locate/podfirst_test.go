package locate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

// runningPodOf is podOf with the task.id annotation Druid writes on the pod,
// an IP and container main running: RUNNING in Druid's sense.
func runningPodOf(job *batchv1.Job, suffix string, created time.Time) *corev1.Pod {
	p := podOf(job, suffix, created)
	p.Annotations = map[string]string{druid.TaskIDAnnotation: druid.TaskIDOf(job)}
	controller := true
	p.OwnerReferences[0].Controller = &controller
	p.Spec.Containers = []corev1.Container{{Name: druid.MainContainer}}
	p.Status.Phase, p.Status.PodIP = corev1.PodRunning, "10.0.0.7"
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: druid.MainContainer,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	return p
}

func pendingPodOf(job *batchv1.Job, suffix string, created time.Time) *corev1.Pod {
	p := runningPodOf(job, suffix, created)
	p.Status.Phase, p.Status.PodIP = corev1.PodPending, ""
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	return p
}

func TestResolveStreamableRequests(t *testing.T) {
	const id = "query-abc123"
	now := time.Now()
	name28 := druid.JobNames(id, "")[0].Name
	job := peonJob("druid", name28, id)
	// Druid 25-27 named an MSQ worker by its stripped ID alone, so two tasks
	// collide: worker1_10 and worker11_0 both become worker110.
	const old = "query-xyz_worker1_10"
	name25 := druid.JobNames(old, "")[1].Name
	oldJob := peonJob("druid", name25, old)
	// A Job of the same name as the task's, but of another task (its pods
	// carry the other task.id).
	impostor := peonJob("druid", name28, "someone-else")
	earlier := peonJob("druid", name28, id)
	earlier.UID = "uid-earlier"
	tests := []struct {
		name   string
		taskID string
		objs   []runtime.Object
		want   []string
		phase  druid.Phase
		stand  bool // the Job is a stand-in built from the pod
		pods   int
	}{
		{"running pod: one LIST, no Job read", id,
			[]runtime.Object{job, runningPodOf(job, "-abcde", now)},
			[]string{"list pods"}, druid.Running, true, 1},
		{"pod of an earlier Job of the same name is not counted", id,
			[]runtime.Object{job, runningPodOf(job, "-abcde", now), runningPodOf(earlier, "-zzzzz", now.Add(-time.Hour))},
			[]string{"list pods"}, druid.Running, true, 1},
		{"pending pod: the Job tells why; its pods are not listed twice", id,
			[]runtime.Object{job, pendingPodOf(job, "-abcde", now)},
			[]string{"list pods", "get jobs"}, druid.Pending, false, 1},
		{"no pod yet: the Job tells PENDING", id,
			[]runtime.Object{job},
			[]string{"list pods", "get jobs"}, druid.Pending, false, 0},
		{"no Job: NOT_STARTED after the label search", id,
			nil,
			[]string{"list pods", "get jobs", "get jobs", "list jobs"}, druid.NotStarted, false, 0},
		{"pods of another task with the same name are not taken", id,
			[]runtime.Object{impostor, runningPodOf(impostor, "-abcde", now)},
			[]string{"list pods", "get jobs", "get jobs", "list jobs"}, druid.NotStarted, false, 0},
		{"Druid 25-27 name: found after the pod-first miss", old,
			[]runtime.Object{oldJob, runningPodOf(oldJob, "-abcde", now)},
			[]string{"list pods", "get jobs", "get jobs", "list pods"}, druid.Running, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, reqs := countingClient(tt.objs...)
			l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid"}
			r, err := l.ResolveStreamable(context.Background(), tt.taskID, druid.MainContainer)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(*reqs) != fmt.Sprint(tt.want) {
				t.Errorf("requests = %v, want %v", *reqs, tt.want)
			}
			if r.State.Phase != tt.phase || r.JobFromPod != tt.stand || r.PodCount != tt.pods {
				t.Errorf("phase %s, stand-in %v, pods %d; want %s, %v, %d (%s)", r.State.Phase, r.JobFromPod, r.PodCount,
					tt.phase, tt.stand, tt.pods, r.State.Reason)
			}
			if r.Job != nil && (r.Job.Name != job.Name && r.Job.Name != oldJob.Name) {
				t.Errorf("job %s", r.Job.Name)
			}
			if tt.stand && (r.Job.UID != job.UID || !druid.BelongsTo(r.Job, tt.taskID) || r.Pod == nil || r.Pod.Name != job.Name+"-abcde") {
				t.Errorf("stand-in Job %+v, pod %s", r.Job.ObjectMeta, r.Pod.Name)
			}
		})
	}
}

// TestResolveStreamableFailingServer: the first LIST's error is the answer;
// nothing more is asked of a server that fails.
func TestResolveStreamableFailingServer(t *testing.T) {
	c, _ := countingClient()
	var reqs []string
	c.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		reqs = append(reqs, a.GetVerb()+" "+a.GetResource().Resource)
		return true, nil, apierrors.NewServiceUnavailable("etcd is down")
	})
	l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid"}
	_, err := l.ResolveStreamable(context.Background(), "query-abc123", druid.MainContainer)
	if !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
	if len(reqs) != 1 {
		t.Fatalf("requests = %v, want one", reqs)
	}
	c, _ = countingClient()
	c.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("RBAC"))
	})
	l.Client = kubetest.Wrap(c)
	if _, err := l.ResolveStreamable(context.Background(), "query-abc123", druid.MainContainer); !apierrors.IsForbidden(err) {
		t.Fatalf("err = %v", err)
	}
}

// barrier holds every Job GET until a pods LIST has been sent, outside
// the fake clientset (whose reactors run under one lock): a lookup that sends
// them one after the other waits in vain.
type barrier struct {
	kube.Interface
	listed   chan struct{}
	once     sync.Once
	together atomic.Bool
}

type barrierPods struct {
	kube.PodClient
	b *barrier
}

type barrierJobs struct {
	kube.JobClient
	b *barrier
}

func (b *barrier) Pods(ns string) kube.PodClient { return barrierPods{b.Interface.Pods(ns), b} }
func (b *barrier) Jobs(ns string) kube.JobClient { return barrierJobs{b.Interface.Jobs(ns), b} }

func (p barrierPods) List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	p.b.once.Do(func() { close(p.b.listed) })
	return p.PodClient.List(ctx, opts)
}

func (j barrierJobs) Get(ctx context.Context, name string, opts metav1.GetOptions) (*batchv1.Job, error) {
	select {
	case <-j.b.listed:
		j.b.together.Store(true)
	case <-time.After(5 * time.Second):
	}
	return j.JobClient.Get(ctx, name, opts)
}

// TestResolveAlongsideAsksForJobAndPodsAtOnce: the Job GET and the pods LIST
// are in flight together; the pods are then not listed again.
func TestResolveAlongsideAsksForJobAndPodsAtOnce(t *testing.T) {
	const id = "query-abc123"
	job := peonJob("druid", druid.JobNames(id, "")[0].Name, id)
	c, reqs := countingClient(job, runningPodOf(job, "-abcde", time.Now()))
	b := &barrier{Interface: kubetest.Wrap(c), listed: make(chan struct{})}
	l := &Locator{Client: b, Namespace: "druid", ByName: true}
	r, err := l.ResolveAlongside(context.Background(), id, druid.MainContainer)
	if err != nil {
		t.Fatal(err)
	}
	if !b.together.Load() {
		t.Fatal("the Job GET was sent before the pods LIST: they are not concurrent")
	}
	if r.State.Phase != druid.Running || r.JobFromPod || r.Job.UID != job.UID || r.PodCount != 1 {
		t.Fatalf("resolution %s, stand-in %v, pods %d", r.State.Phase, r.JobFromPod, r.PodCount)
	}
	got := map[string]int{}
	for _, q := range *reqs {
		got[q]++
	}
	if got["list pods"] != 1 || got["get jobs"] != 1 || len(*reqs) != 2 {
		t.Fatalf("requests = %v, want one Job GET and one pods LIST", *reqs)
	}
}
