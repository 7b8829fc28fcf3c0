//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestFollowGroupOfAnMSQQuery follows a controller and two workers, one of
// which starts late and fails: every line appears once with its label, and
// the exit code is the worst member's.
func TestFollowGroupOfAnMSQQuery(t *testing.T) {
	ns := newNamespace(t)
	const ctrl = "query-7d1c2e4f-0b6a-4c1e-9f3a-2b5d8e6f1a90"
	controller := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl, Type: "query_controller"}, "controller starting")
	w0 := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl + "-worker0_0", Type: "query_worker", GroupID: ctrl}, "worker0 reading")
	p := startPlugin(t, "follow", ctrl, "-n", ns, "--workers")
	p.expectStderr(t, "[worker0_0] following pod")
	p.expectStderr(t, "[controller] following pod")
	w1 := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl + "-worker1_0", Type: "query_worker", GroupID: ctrl}, "worker1 late but here")
	p.expectStderr(t, "[worker1_0] following pod")
	must(t, w0.AppendLog("worker0 done"))
	must(t, w0.Succeed(testCtx(t)))
	must(t, w1.AppendLog("worker1 about to fail"))
	must(t, w1.Fail(testCtx(t), 1))
	must(t, controller.AppendLog("controller saw a worker fail"))
	must(t, controller.Succeed(testCtx(t)))
	r := p.wait(t, 2*time.Minute)
	expectCode(t, r, 6, "3 task(s) followed, 1 failed", "worker1_0")
	for _, want := range []string{"[controller] controller starting", "[worker0_0] worker0 reading", "[worker0_0] worker0 done",
		"[worker1_0] worker1 late but here", "[worker1_0] worker1 about to fail", "[controller] controller saw a worker fail"} {
		if strings.Count(r.stdout, want+"\n") != 1 {
			t.Fatalf("stdout should have %q once:\n%s", want, r.stdout)
		}
	}
}
