//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestFollowWithoutTheWatchVerbOnPods is issue 21's defect 3 on the real
// API server: a user whose Role lets them get and list pods but not watch
// them (the README's Role minus `watch pods`) follows one task, a group and
// a datasource. Each follow ends with the containers' outcome, polling the
// pods instead, and says once on stderr that it polls and why.
func TestFollowWithoutTheWatchVerbOnPods(t *testing.T) {
	ns := newNamespace(t)
	kc, err := bed.UserKubeconfig(testCtx(t), "no-watch-pods-"+ns, ns, without("pods", "watch"))
	must(t, err)
	polling := func(t *testing.T, r result) {
		t.Helper()
		if n := strings.Count(r.stderr, "polling them every"); n != 1 {
			t.Fatalf("stderr says %d times that it polls, want once:\n%s", n, r.stderr)
		}
		if !strings.Contains(r.stderr, "cannot watch resource \"pods\"") {
			t.Fatalf("stderr does not say why it polls:\n%s", r.stderr)
		}
	}

	t.Run("one task", func(t *testing.T) {
		ok := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-nowatch-ok"}, "ok starting")
		p := startPlugin(t, "--kubeconfig", kc, "follow", "query-nowatch-ok", "-n", ns)
		p.expect(t, "ok starting")
		must(t, ok.AppendLog("ok done"))
		must(t, ok.Succeed(testCtx(t)))
		p.expect(t, "ok done")
		r := p.wait(t, time.Minute)
		expectCode(t, r, 0, "exited 0")
		polling(t, r)

		oom := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-nowatch-oom"}, "oom starting")
		p = startPlugin(t, "--kubeconfig", kc, "follow", "query-nowatch-oom", "-n", ns)
		p.expect(t, "oom starting")
		must(t, oom.OOMKill(testCtx(t)))
		r = p.wait(t, time.Minute)
		expectCode(t, r, 6, "OOMKilled")
		polling(t, r)
	})

	t.Run("a group", func(t *testing.T) {
		const ctrl = "query-0e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"
		controller := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl, Type: "query_controller"}, "controller starting")
		w0 := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl + "-worker0_0", Type: "query_worker", GroupID: ctrl}, "worker0 reading")
		p := startPlugin(t, "--kubeconfig", kc, "follow", ctrl, "-n", ns, "--workers")
		p.expectStderr(t, "[worker0_0] following pod")
		p.expectStderr(t, "[controller] following pod")
		must(t, w0.AppendLog("worker0 about to fail"))
		must(t, w0.Fail(testCtx(t), 1))
		must(t, controller.AppendLog("controller saw a worker fail"))
		must(t, controller.Succeed(testCtx(t)))
		r := p.wait(t, time.Minute)
		expectCode(t, r, 6, "2 task(s) followed, 1 failed", "worker0_0")
		for _, want := range []string{"[worker0_0] worker0 about to fail", "[controller] controller saw a worker fail"} {
			if strings.Count(r.stdout, want+"\n") != 1 {
				t.Fatalf("stdout should have %q once:\n%s", want, r.stdout)
			}
		}
		polling(t, r)
	})

	t.Run("a datasource", func(t *testing.T) {
		ds := "nowatch_" + strings.ReplaceAll(ns, "-", "_")
		var tasks []*testbed.Task
		for _, id := range []string{"index_kafka_" + ds + "_a", "index_kafka_" + ds + "_b"} {
			tasks = append(tasks, runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, DataSource: ds,
				Adapter: testbed.AdapterCustomTemplate}, id+" reading"))
		}
		p := startPlugin(t, "--kubeconfig", kc, "follow", "--datasource", ds, "-n", ns, "--until-done")
		for _, task := range tasks {
			p.expectStderr(t, "["+task.Spec.TaskID+"] following pod")
		}
		for _, task := range tasks {
			must(t, task.AppendLog(task.Spec.TaskID+" handing off"))
			must(t, task.Succeed(testCtx(t)))
		}
		r := p.wait(t, time.Minute)
		expectCode(t, r, 0, "2 task(s) followed, 0 failed")
		for _, task := range tasks {
			if want := "[" + task.Spec.TaskID + "] " + task.Spec.TaskID + " handing off\n"; strings.Count(r.stdout, want) != 1 {
				t.Fatalf("stdout should have %q once:\n%s", want, r.stdout)
			}
		}
		polling(t, r)
	})
}
