package taskfollow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
)

const ctrl = "query-7d1c2e4f-0b6a-4c1e-9f3a-2b5d8e6f1a90"

func TestGroupSelectorMembership(t *testing.T) {
	job := func(id, groupAnn string) *batchv1.Job {
		j := &batchv1.Job{}
		j.Spec.Template.Annotations = map[string]string{druid.TaskIDAnnotation: id}
		if groupAnn != "" {
			j.Spec.Template.Annotations[druid.TaskGroupIDAnnotation] = groupAnn
		}
		return j
	}
	tests := []struct {
		name      string
		job       *batchv1.Job
		wantOK    bool
		wantLabel string
	}{
		{"the controller", job(ctrl, ""), true, "controller"},
		{"a worker by the MSQ ID pattern", job(ctrl+"-worker1_0", ""), true, "worker1_0"},
		{"a retried worker", job(ctrl+"-worker1_1", ""), true, "worker1_1"},
		{"a worker by its task.group.id", job("custom-worker-a", ctrl), true, "custom-worker-a"},
		{"another query's worker", job("query-other-worker0_0", ""), false, ""},
		{"a Job without task.id", job("", ""), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			label, ok := GroupSelector{Group: ctrl}.Member(tt.job)
			if ok != tt.wantOK || label != tt.wantLabel {
				t.Fatalf("Member = %q, %v; want %q, %v", label, ok, tt.wantLabel, tt.wantOK)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	tests := []struct {
		p                Progress
		wait             bool
		finished, absent bool
	}{
		{Progress{}, false, false, false},
		{Progress{Listed: true}, false, false, true},
		{Progress{Listed: true}, true, false, false},
		{Progress{Listed: true, Seen: 2, Ended: 1}, false, false, false},
		{Progress{Listed: true, Seen: 2, Ended: 2}, false, true, false},
	}
	for _, tt := range tests {
		if tt.p.Finished() != tt.finished || tt.p.NotFound(tt.wait) != tt.absent {
			t.Errorf("%+v wait=%v: Finished %v NotFound %v", tt.p, tt.wait, tt.p.Finished(), tt.p.NotFound(tt.wait))
		}
	}
}

// TestGroupFollowsEveryMemberOnce: a controller, a worker, and a worker
// that starts late and fails; every line once with its label, each
// member's end in the result.
func TestGroupFollowsEveryMemberOnce(t *testing.T) {
	c := newCluster(t)
	controller := c.newTask("druid", ctrl, "").run().log("controller starting")
	w0 := c.newTask("druid", ctrl+"-worker0_0", "").run().log("worker0 reading")
	c.newTask("druid", "query-other", "").run().log("not in the group")
	var o output
	cfg := c.config("druid", &o)
	cfg.Notify = o.notify
	done := make(chan struct{})
	var res *GroupResult
	var err error
	go func() { res, err = FollowGroup(c.ctx(), cfg, ctrl, nil); close(done) }()
	o.waitFor(t, "[worker0_0] worker0 reading")
	w1 := c.newTask("druid", ctrl+"-worker1_0", "").run().log("worker1 late but here")
	o.waitFor(t, "[worker1_0] worker1 late")
	w0.log("worker0 done").exit(0, "Completed")
	w1.log("worker1 about to fail").exit(1, "Error")
	controller.log("controller saw a worker fail").exit(0, "Completed")
	<-done
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[controller] controller starting", "[worker0_0] worker0 reading", "[worker0_0] worker0 done",
		"[worker1_0] worker1 late but here", "[worker1_0] worker1 about to fail", "[controller] controller saw a worker fail"} {
		if strings.Count(o.stdout(), want+"\n") != 1 {
			t.Fatalf("stdout should have %q once:\n%s", want, o.stdout())
		}
	}
	if strings.Contains(o.stdout(), "not in the group") || len(res.Members) != 3 {
		t.Fatalf("members %+v\n%s", res.Members, o.stdout())
	}
	var failed *ContainerFailedError
	if res.Members[2].Label != "worker1_0" || !errors.As(res.Members[2].Err, &failed) || res.Members[0].Err != nil {
		t.Fatalf("members %+v", res.Members)
	}
}

// TestGroupRidesOutAJobWatchOutage is defect 2: the Job LIST and WATCH
// fail for a while (an API server restart); the group keeps its members
// and picks up a worker that started meanwhile.
func TestGroupRidesOutAJobWatchOutage(t *testing.T) {
	c := newCluster(t)
	controller := c.newTask("druid", ctrl, "").run().log("controller up")
	var failing atomic.Bool
	var lists atomic.Int32 // failed LISTs and WATCHes
	c.cs.PrependReactor("list", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if failing.Load() {
			lists.Add(1)
			return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
		}
		return false, nil, nil
	})
	watches := make(chan *watch.FakeWatcher, 10)
	c.cs.PrependWatchReactor("jobs", func(a k8stesting.Action) (bool, watch.Interface, error) {
		if failing.Load() {
			lists.Add(1)
			return true, nil, apierrors.NewServiceUnavailable("apiserver restarting")
		}
		// A watch from a resource version sends what changed since: the
		// fake cannot, so each watch replays the Jobs (members are deduped).
		jobs, err := c.cs.Tracker().List(batchv1.SchemeGroupVersion.WithResource("jobs"),
			batchv1.SchemeGroupVersion.WithKind("Job"), "druid")
		if err != nil {
			return true, nil, err
		}
		items := jobs.(*batchv1.JobList).Items
		w := watch.NewFakeWithChanSize(len(items), false)
		for i := range items {
			w.Add(&items[i])
		}
		watches <- w
		return true, w, nil
	})
	var o output
	cfg := c.config("druid", &o)
	cfg.Notify = o.notify
	done := make(chan error, 1)
	go func() { _, err := FollowGroup(c.ctx(), cfg, ctrl, nil); done <- err }()
	o.waitFor(t, "[controller] controller up")
	first := <-watches
	failing.Store(true)
	first.Stop() // the restart ends the watch; re-listing fails for a while
	for lists.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	w := c.newTask("druid", ctrl+"-worker0_0", "").run().log("worker started during the outage")
	controller.log("controller still streaming")
	o.waitFor(t, "controller still streaming")
	failing.Store(false)
	o.waitFor(t, "[worker0_0] worker started during the outage")
	w.exit(0, "Completed")
	controller.exit(0, "Completed")
	if err := <-done; err != nil {
		t.Fatalf("FollowGroup = %v\n%s", err, o.stderr())
	}
	if !strings.Contains(o.stderr(), "cannot list or watch peon Jobs") || !strings.Contains(o.stderr(), "watching peon Jobs again") {
		t.Fatalf("the outage should be said on stderr:\n%s", o.stderr())
	}
}

// TestGroupAllNamespacesWaitsForItsFirstJob is defect 8: with -A and
// --wait, a group whose Job does not exist yet is waited for.
func TestGroupAllNamespacesWaitsForItsFirstJob(t *testing.T) {
	c := newCluster(t)
	var o output
	cfg := c.config("", &o)
	cfg.Locator.AllNamespaces, cfg.Wait, cfg.Notify = true, true, o.notify
	done := make(chan error, 1)
	go func() { _, err := FollowGroup(c.ctx(), cfg, ctrl, nil); done <- err }()
	o.waitFor(t, "in all namespaces")
	select {
	case err := <-done:
		t.Fatalf("FollowGroup ended at once: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	tk := c.newTask("team-a", ctrl, "").run().log("late controller")
	o.waitFor(t, "[controller] late controller")
	tk.exit(0, "Completed")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestGroupWithoutAnyJobIsNotFound(t *testing.T) {
	c := newCluster(t)
	var o output
	_, err := FollowGroup(c.ctx(), c.config("druid", &o), ctrl, nil)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("FollowGroup = %v, want NotFoundError", err)
	}
}

// TestCancelDuringGroupStart: Ctrl-C while members are being added; no
// race on the WaitGroup (run with -race), no member left behind.
func TestCancelDuringGroupStart(t *testing.T) {
	for i := 0; i < 20; i++ {
		c := newCluster(t)
		for w := 0; w < 8; w++ {
			c.newTask("druid", fmt.Sprintf("%s-worker%d_0", ctrl, w), "").run()
		}
		var o output
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := FollowGroup(ctx, c.config("druid", &o), ctrl+"-worker0_0", nil); done <- err }()
		time.Sleep(time.Duration(i) * 500 * time.Microsecond)
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("FollowGroup = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("FollowGroup did not return after cancel")
		}
	}
}

// TestAMemberThatGivesUpStopsItsPodWatch: a member whose log is refused
// ends at once, and its pod watch is stopped with it.
func TestAMemberThatGivesUpStopsItsPodWatch(t *testing.T) {
	c := newCluster(t)
	c.newTask("druid", ctrl, "").run()
	podWatches := make(chan *watch.FakeWatcher, 10)
	c.cs.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w := watch.NewFake()
		podWatches <- w
		return true, w, nil
	})
	var o output
	cfg := c.config("druid", &o)
	cfg.Open = func(ns, pod string) follow.Opener {
		return func(context.Context, *corev1.PodLogOptions) (io.ReadCloser, error) {
			return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, pod, errors.New("no pods/log"))
		}
	}
	res, err := FollowGroup(c.ctx(), cfg, ctrl, nil)
	if err != nil || len(res.Members) != 1 || !apierrors.IsForbidden(res.Members[0].Err) {
		t.Fatalf("FollowGroup = %+v, %v", res, err)
	}
	for len(podWatches) > 0 {
		if w := <-podWatches; !w.IsStopped() {
			t.Fatal("the member's pod watch is still running")
		}
	}
}
