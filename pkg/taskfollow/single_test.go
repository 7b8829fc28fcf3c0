package taskfollow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

func TestFollowRefusesWhatItCannotStream(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *cluster)
		check func(error) bool
	}{
		{"no Job", func(*cluster) {}, func(err error) bool { var e *NotFoundError; return errors.As(err, &e) }},
		{"a Job without a pod is PENDING", func(c *cluster) { c.newTask("druid", "query-a", "") },
			func(err error) bool {
				var e *NotRunningError
				return errors.As(err, &e) && e.Res.State.Phase == druid.Pending && e.WaitedFor == 0
			}},
		{"a pod without an IP is PENDING", func(c *cluster) { c.newTask("druid", "query-a", "").startPod() },
			func(err error) bool {
				var e *NotRunningError
				return errors.As(err, &e) && e.Res.State.Phase == druid.Pending
			}},
		{"RUNNING with main still waiting is not streamable", func(c *cluster) {
			c.newTask("druid", "query-a", "").startPod().status(func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.2" })
		}, func(err error) bool {
			var e *NotRunningError
			return errors.As(err, &e) && e.Res.State.Phase == druid.Running && e.Res.State.Waiting == "ContainerCreating"
		}},
		{"a stopped task", func(c *cluster) { c.newTask("druid", "query-a", "").run().exit(0, "Completed") },
			func(err error) bool {
				var e *NotRunningError
				return errors.As(err, &e) && e.Res.State.Phase == druid.Stopped
			}},
		{"no container main", func(c *cluster) { c.newTask("druid", "query-a", "").startPod("primary").run() },
			func(err error) bool {
				var e *MissingContainerError
				return errors.As(err, &e) && e.Container == "main" && e.Containers[0] == "primary"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			tt.setup(c)
			var o output
			_, err := Follow(c.ctx(), c.config("druid", &o), "query-a")
			if !tt.check(err) {
				t.Fatalf("Follow = %v (%T)", err, err)
			}
			if o.stdout() != "" {
				t.Fatalf("a refusal printed log lines: %q", o.stdout())
			}
		})
	}
}

// TestHowAFollowEnds is the exit decision, from the pod's final state.
func TestHowAFollowEnds(t *testing.T) {
	tests := []struct {
		name  string
		end   func(tk *task)
		check func(*Result, error) bool
	}{
		{"exit 0", func(tk *task) { tk.exit(0, "Completed") },
			func(r *Result, err error) bool { return err == nil && r.State.Phase == druid.Stopped && r.Lines == 2 }},
		{"exit 1", func(tk *task) { tk.exit(1, "Error") },
			func(_ *Result, err error) bool { var e *ContainerFailedError; return errors.As(err, &e) }},
		{"OOMKilled", func(tk *task) { tk.exit(137, "OOMKilled") },
			func(_ *Result, err error) bool {
				var e *ContainerFailedError
				return errors.As(err, &e) && strings.Contains(e.State.Reason, "OOMKilled")
			}},
		{"pod deleted while running", func(tk *task) {
			tk.kubelet().Terminate()
			_ = tk.c.cs.CoreV1().Pods(tk.pod.Namespace).Delete(tk.c.ctx(), tk.pod.Name, metav1.DeleteOptions{})
		}, func(_ *Result, err error) bool { var e *PodDeletedError; return errors.As(err, &e) }},
		{"pod deleted right after it succeeded", func(tk *task) {
			tk.exit(0, "Completed")
			_ = tk.c.cs.CoreV1().Pods(tk.pod.Namespace).Delete(tk.c.ctx(), tk.pod.Name, metav1.DeleteOptions{})
		}, func(r *Result, err error) bool { return err == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			tk := c.newTask("druid", "query-a", "").run().log("one", "two")
			var o output
			cfg := c.config("druid", &o)
			cfg.Notify = o.notify
			done := make(chan struct{})
			var res *Result
			var err error
			go func() { res, err = Follow(c.ctx(), cfg, "query-a"); close(done) }()
			o.waitFor(t, "two\n")
			tk.awaitPodWatch(t)
			tt.end(tk)
			<-done
			if !tt.check(res, err) {
				t.Fatalf("Follow = %+v, %v\nstderr:\n%s", res, err, o.stderr())
			}
			if o.stdout() != "one\ntwo\n" {
				t.Fatalf("stdout %q", o.stdout())
			}
		})
	}
}

func TestWaitThenStream(t *testing.T) {
	c := newCluster(t)
	tk := c.newTask("druid", "query-a", "")
	var o output
	cfg := c.config("druid", &o)
	cfg.Wait, cfg.Notify = true, o.notify
	var states []string
	cfg.Progress = func(s string) { o.notify("%s", s); states = append(states, s) }
	done := make(chan error, 1)
	go func() { _, err := Follow(c.ctx(), cfg, "query-a"); done <- err }()
	o.waitFor(t, "is PENDING")
	tk.startPod()
	tk.run().log("hello")
	o.waitFor(t, "hello\n")
	tk.awaitPodWatch(t)
	tk.exit(0, "Completed")
	if err := <-done; err != nil {
		t.Fatalf("Follow = %v\n%s", err, o.stderr())
	}
}

func TestWaitGivesUpAfterTheTimeout(t *testing.T) {
	c := newCluster(t)
	c.newTask("druid", "query-a", "").startPod()
	var o output
	cfg := c.config("druid", &o)
	cfg.Wait, cfg.Timeout = true, 100*time.Millisecond
	_, err := Follow(c.ctx(), cfg, "query-a")
	var e *NotRunningError
	if !errors.As(err, &e) || e.WaitedFor != 100*time.Millisecond {
		t.Fatalf("Follow = %v, want a NotRunningError after the wait", err)
	}
}

func TestCancelStopsAFollow(t *testing.T) {
	c := newCluster(t)
	c.newTask("druid", "query-a", "").run().log("x")
	var o output
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := Follow(ctx, c.config("druid", &o), "query-a"); done <- err }()
	o.waitFor(t, "x\n")
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not stop on cancel")
	}
}

// TestNoFollowPrintsWhatThePodHas: --no-follow on a finished task whose
// pod still exists prints its log and exits with the container's outcome;
// on a running one it prints the log so far.
func TestNoFollowPrintsWhatThePodHas(t *testing.T) {
	tests := []struct {
		name  string
		end   func(tk *task)
		check func(*Result, error) bool
	}{
		{"finished, exit 0", func(tk *task) { tk.exit(0, "Completed") }, func(r *Result, err error) bool { return err == nil && r.Lines == 2 }},
		{"finished, OOMKilled", func(tk *task) { tk.exit(137, "OOMKilled") },
			func(_ *Result, err error) bool { var e *ContainerFailedError; return errors.As(err, &e) }},
		{"still running", func(*task) {}, func(r *Result, err error) bool { return err == nil && r.State.Phase == druid.Running }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			tk := c.newTask("druid", "query-a", "").run().log("one", "two")
			tt.end(tk)
			var o output
			cfg := c.config("druid", &o)
			cfg.NoFollow = true
			res, err := Follow(c.ctx(), cfg, "query-a")
			if !tt.check(res, err) || o.stdout() != "one\ntwo\n" {
				t.Fatalf("Follow = %+v, %v; stdout %q", res, err, o.stdout())
			}
			if reqs := tk.kubelet().Requests(); len(reqs) != 1 || reqs[0].Follow {
				t.Fatalf("--no-follow makes one read without follow: %+v", reqs)
			}
		})
	}
}

// TestFollowReachesTheLogInTwoRequests: on the happy path the API server is
// asked for the task's pods (by the first candidate Job name, verified by
// the pod's task.id annotation), then for the log; the pod watch runs
// alongside. The Job is not read.
func TestFollowReachesTheLogInTwoRequests(t *testing.T) {
	c := newCluster(t)
	tk := c.newTask("druid", "query-a", "").run().log("one")
	c.cs.ClearActions()
	var o output
	cfg := c.config("druid", &o)
	done := make(chan error, 1)
	go func() { _, err := Follow(c.ctx(), cfg, "query-a"); done <- err }()
	o.waitFor(t, "one\n")
	var before []string
	for _, a := range c.cs.Actions() {
		if a.GetVerb() != "watch" {
			before = append(before, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	if reqs := tk.kubelet().Requests(); len(reqs) == 0 {
		t.Fatal("no log request")
	}
	if fmt.Sprint(before) != "[list pods]" {
		t.Fatalf("API requests besides the log and the watch = %v, want [list pods]", before)
	}
	tk.awaitPodWatch(t)
	tk.exit(0, "Completed")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
