package taskfollow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

// TestAFollowThatMayNotWatchPodsEndsWithTheContainer is issue 21's defect
// 3: the API refuses to watch pods (RBAC without the watch verb: 403; a
// proxy that refuses watches: 405) while LIST is allowed. One task, a
// group and a selection all end with the containers' outcome, polling the
// pods instead, and say so once.
func TestAFollowThatMayNotWatchPodsEndsWithTheContainer(t *testing.T) {
	refusals := []struct {
		name string
		err  error
	}{
		{"403", apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
			errors.New(`User "viewer" cannot watch resource "pods" in API group "" in the namespace "druid"`))},
		{"405", apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods"}, "watch")},
	}
	follows := []struct {
		name  string
		tasks []string // the first one is followed by ID
		run   func(ctx context.Context, cfg Config) error
	}{
		{"one task", []string{"query-a"}, func(ctx context.Context, cfg Config) error {
			_, err := Follow(ctx, cfg, "query-a")
			return err
		}},
		{"a group", []string{ctrl, ctrl + "-worker0_0"}, func(ctx context.Context, cfg Config) error {
			res, err := FollowGroup(ctx, cfg, ctrl, nil)
			return groupErr(res, err)
		}},
		{"a selection", []string{"index_kafka_wiki_a", "index_kafka_wiki_b"}, func(ctx context.Context, cfg Config) error {
			res, err := FollowSelected(ctx, cfg, TaskSelector{}, "druid", SelectOptions{UntilDone: true, SkipFinished: true}, nil)
			return groupErr(res, err)
		}},
	}
	for _, rf := range refusals {
		for _, fw := range follows {
			t.Run(rf.name+" "+fw.name, func(t *testing.T) {
				c := newCluster(t)
				c.cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) { return true, nil, rf.err })
				var tasks []*task
				for _, id := range fw.tasks {
					tasks = append(tasks, c.newTask("druid", id, "").run().log(id+" running"))
				}
				var o output
				cfg := c.config("druid", &o)
				cfg.Notify = o.notify
				cfg.PollEvery = 10 * time.Millisecond
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- fw.run(ctx, cfg) }()
				for _, tk := range tasks {
					o.waitFor(t, tk.id+" running\n")
				}
				for _, tk := range tasks {
					tk.log(tk.id+" done").exit(0, "Completed")
				}
				if err := <-done; err != nil {
					t.Fatalf("follow = %v, want the containers' exit 0\nstderr:\n%s", err, o.stderr())
				}
				for _, tk := range tasks {
					if strings.Count(o.stdout(), tk.id+" done\n") != 1 {
						t.Fatalf("stdout should end each log once:\n%s", o.stdout())
					}
				}
				if n := strings.Count(o.stderr(), "polling"); n != 1 {
					t.Fatalf("stderr says %d times that it polls, want once:\n%s", n, o.stderr())
				}
			})
		}
	}
}

// groupErr is a multi-task follow's first member error, or its own.
func groupErr(res *GroupResult, err error) error {
	if err != nil || res == nil {
		return err
	}
	for _, m := range res.Members {
		if m.Err != nil {
			return m.Err
		}
	}
	return nil
}
