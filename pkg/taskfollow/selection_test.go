package taskfollow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

func wikiTask(c *cluster, id string) *task {
	return c.newTaskWith("druid", id, map[string]string{druid.TaskDataSourceAnnotation: "wiki", druid.TaskTypeAnnotation: "index_kafka"})
}

// TestSelectionFollowsADatasourceAsTasksComeAndGo: a supervisor's tasks,
// one after another; each line once with its task's label; another
// datasource's task is left alone; --until-done ends with the last.
func TestSelectionFollowsADatasourceAsTasksComeAndGo(t *testing.T) {
	c := newCluster(t)
	first := wikiTask(c, "index_kafka_wiki_a").run().log("a reading")
	c.newTaskWith("druid", "index_kafka_other_x", map[string]string{druid.TaskDataSourceAnnotation: "other"}).run().log("not wiki")
	var o output
	cfg := c.config("druid", &o)
	cfg.Notify = o.notify
	done := make(chan struct{})
	var res *GroupResult
	var err error
	go func() {
		res, err = FollowSelected(c.ctx(), cfg, TaskSelector{DataSource: "wiki"}, "druid",
			SelectOptions{UntilDone: true, SkipFinished: true, MaxStreams: 5}, nil)
		close(done)
	}()
	o.waitFor(t, "[index_kafka_wiki_a] a reading")
	second := wikiTask(c, "index_kafka_wiki_b").run().log("b takes over")
	o.waitFor(t, "[index_kafka_wiki_b] b takes over")
	first.log("a handing off").exit(0, "Completed")
	second.log("b done").exit(0, "Completed")
	<-done
	if err != nil || len(res.Members) != 2 {
		t.Fatalf("FollowSelected = %+v, %v", res, err)
	}
	for _, want := range []string{"[index_kafka_wiki_a] a reading", "[index_kafka_wiki_a] a handing off", "[index_kafka_wiki_b] b takes over", "[index_kafka_wiki_b] b done"} {
		if strings.Count(o.stdout(), want+"\n") != 1 {
			t.Fatalf("stdout should have %q once:\n%s", want, o.stdout())
		}
	}
	if strings.Contains(o.stdout(), "not wiki") {
		t.Fatalf("another datasource's task was followed:\n%s", o.stdout())
	}
}

// TestASelectionOverMaxStreamsIsRefused, as kubectl logs refuses a
// selector beyond --max-log-requests.
func TestASelectionOverMaxStreamsIsRefused(t *testing.T) {
	c := newCluster(t)
	for _, id := range []string{"index_kafka_wiki_a", "index_kafka_wiki_b", "index_kafka_wiki_c"} {
		wikiTask(c, id).run()
	}
	var o output
	_, err := FollowSelected(c.ctx(), c.config("druid", &o), TaskSelector{DataSource: "wiki"}, "druid",
		SelectOptions{MaxStreams: 2, SkipFinished: true}, nil)
	var tm *TooManyError
	if !errors.As(err, &tm) || tm.Selected != 3 || tm.Max != 2 {
		t.Fatalf("FollowSelected = %v, want TooManyError 3 > 2", err)
	}
}

// TestTasksBeyondMaxStreamsWaitForAStream: a task that joins when every
// stream is in use waits for one to end, then is followed from its start.
func TestTasksBeyondMaxStreamsWaitForAStream(t *testing.T) {
	c := newCluster(t)
	first := wikiTask(c, "index_kafka_wiki_a").run().log("a")
	var o output
	cfg := c.config("druid", &o)
	cfg.Notify = o.notify
	done := make(chan error, 1)
	go func() {
		_, err := FollowSelected(c.ctx(), cfg, TaskSelector{DataSource: "wiki"}, "druid",
			SelectOptions{MaxStreams: 1, UntilDone: true, SkipFinished: true}, nil)
		done <- err
	}()
	o.waitFor(t, "[index_kafka_wiki_a] a")
	wikiTask(c, "index_kafka_wiki_b").run().log("b early line")
	o.waitFor(t, "[index_kafka_wiki_b] waits")
	if strings.Contains(o.stdout(), "b early line") {
		t.Fatal("a task over --max-log-requests was streamed")
	}
	first.exit(0, "Completed")
	o.waitFor(t, "[index_kafka_wiki_b] b early line")
	c.tasks(t, "index_kafka_wiki_b").exit(0, "Completed")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestASelectionSkipsFinishedTasksAndRunsUntilCancelled: finished Jobs
// (debugJobs) are history, not followed; without --until-done the follow
// waits for more tasks until cancelled.
func TestASelectionSkipsFinishedTasksAndRunsUntilCancelled(t *testing.T) {
	c := newCluster(t)
	old := wikiTask(c, "index_kafka_wiki_old")
	old.job.Status.Conditions = append(old.job.Status.Conditions, jobComplete())
	if _, err := c.cs.BatchV1().Jobs("druid").UpdateStatus(c.ctx(), old.job, metaUpdate()); err != nil {
		t.Fatal(err)
	}
	wikiTask(c, "index_kafka_wiki_now").run().log("now")
	var o output
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := FollowSelected(ctx, c.config("druid", &o), TaskSelector{DataSource: "wiki"}, "druid",
			SelectOptions{MaxStreams: 1, SkipFinished: true}, nil)
		done <- err
	}()
	o.waitFor(t, "[index_kafka_wiki_now] now")
	c.tasks(t, "index_kafka_wiki_now").exit(0, "Completed")
	select {
	case err := <-done:
		t.Fatalf("without --until-done the follow ended: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("FollowSelected = %v, want context.Canceled", err)
	}
}

// TestRunningMembersShareOnePodWatch: the pods of running members are found
// in one pod LIST and their ends noticed through one pod WATCH, whatever
// their number: no member lists or watches its own pod.
func TestRunningMembersShareOnePodWatch(t *testing.T) {
	c := newCluster(t)
	var tasks []*task
	for _, id := range []string{"index_kafka_wiki_a", "index_kafka_wiki_b", "index_kafka_wiki_c", "index_kafka_wiki_d"} {
		tasks = append(tasks, wikiTask(c, id).run().log(id+" running"))
	}
	c.cs.ClearActions()
	var o output
	cfg := c.config("druid", &o)
	done := make(chan error, 1)
	go func() {
		_, err := FollowSelected(c.ctx(), cfg, TaskSelector{DataSource: "wiki"}, "druid",
			SelectOptions{UntilDone: true, MaxStreams: 5}, nil)
		done <- err
	}()
	for _, tk := range tasks {
		o.waitFor(t, tk.id+" running")
	}
	for _, tk := range tasks {
		tk.exit(0, "Completed")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range c.cs.Actions() {
		if a.GetResource().Resource == "pods" && a.GetSubresource() == "" {
			count[a.GetVerb()]++
		}
	}
	if count["list"] != 1 || count["watch"] != 1 {
		t.Fatalf("pod requests of 4 running members = %v, want one list and one watch", count)
	}
}

// TestPendingMembersJoinThroughTheSharedPodWatch: members whose pods are
// not running yet when the follow starts (a supervisor's tasks being
// scheduled) wait on the shared pod watch and the Job watch, so the
// requests for pods and Jobs are one LIST and one WATCH each, whatever the
// number of tasks (issue 22). Logs are served by the test's kubelets, not
// counted here.
func TestPendingMembersJoinThroughTheSharedPodWatch(t *testing.T) {
	for _, n := range []int{3, 40} {
		t.Run(fmt.Sprint(n, " tasks"), func(t *testing.T) {
			c := newCluster(t)
			var tasks []*task
			for i := range n {
				tasks = append(tasks, wikiTask(c, fmt.Sprintf("index_kafka_wiki_%03d", i)).startPod())
			}
			c.cs.ClearActions()
			var o output
			cfg := c.config("druid", &o)
			cfg.Notify = o.notify
			done := make(chan error, 1)
			go func() {
				_, err := FollowSelected(c.ctx(), cfg, TaskSelector{DataSource: "wiki"}, "druid",
					SelectOptions{UntilDone: true, SkipFinished: true, MaxStreams: n}, nil)
				done <- err
			}()
			for _, tk := range tasks {
				o.waitFor(t, "["+tk.id+"] waiting")
			}
			awaitWatches(t, c, "pods", "jobs") // the fake does not replay a watch from a LIST's version
			for _, tk := range tasks {
				tk.run().log(tk.id + " running")
			}
			for _, tk := range tasks {
				o.waitFor(t, tk.id+" running\n")
			}
			for _, tk := range tasks {
				tk.exit(0, "Completed")
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, a := range c.cs.Actions() {
				if r := a.GetResource().Resource; (r == "pods" || r == "jobs") && a.GetSubresource() == "" &&
					a.GetVerb() != "update" && a.GetVerb() != "create" { // the test's own changes
					count[a.GetVerb()+" "+r]++
				}
			}
			want := map[string]int{"list pods": 1, "watch pods": 1, "list jobs": 1, "watch jobs": 1}
			if fmt.Sprint(count) != fmt.Sprint(want) {
				t.Fatalf("requests of %d pending members = %v, want %v", n, count, want)
			}
		})
	}
}

// awaitWatches waits until a watch of each resource is open.
func awaitWatches(t *testing.T, c *cluster, resources ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range resources {
		for {
			open := false
			for _, a := range c.cs.Actions() {
				open = open || (a.GetVerb() == "watch" && a.GetResource().Resource == r)
			}
			if open {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no watch of %s", r)
			}
			time.Sleep(time.Millisecond)
		}
	}
}
