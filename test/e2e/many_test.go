//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestFollowADatasourceAsASupervisorRollsItsTasks: `follow --datasource`
// runs while a Kafka-like supervisor starts its tasks one generation after
// another (the next one while the last hands off); every task joins, every
// line is printed once with its task's label, and --until-done ends with
// the last task.
func TestFollowADatasourceAsASupervisorRollsItsTasks(t *testing.T) {
	ns := newNamespace(t)
	ds := "wiki_" + strings.ReplaceAll(ns, "-", "_")
	sup, err := bed.StartSupervisor(testCtx(t), testbed.SupervisorSpec{
		Task:        testbed.TaskSpec{Namespace: ns, DataSource: ds, Adapter: testbed.AdapterCustomTemplate},
		Generations: 3, TaskCount: 2, Lines: 4, LineEvery: 200 * time.Millisecond, Handoff: 2 * time.Second, Manual: true,
	})
	must(t, err)
	// Another datasource's task runs beside it and must not be followed.
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_kafka_other_x", DataSource: "other", Adapter: testbed.AdapterCustomTemplate}, "not this one")
	p := startPlugin(t, "follow", "--datasource", ds, "-n", ns, "--until-done")
	for g := 0; g < 3; g++ {
		// Let the plugin pick the generation's tasks up, then roll: the
		// next generation starts while this one hands off.
		for i := 0; i < 2; i++ {
			select {
			case task := <-sup.Started():
				p.expectStderr(t, "["+task.Spec.TaskID+"] following pod")
			case <-time.After(time.Minute):
				t.Fatalf("generation %d did not start", g)
			}
		}
		sup.Roll()
	}
	must(t, sup.Wait())
	r := p.wait(t, 2*time.Minute)
	expectCode(t, r, 0, "6 task(s) followed, 0 failed")
	for _, task := range sup.Tasks() {
		for _, l := range sup.Lines(task) {
			if want := "[" + task.Spec.TaskID + "] " + l + "\n"; strings.Count(r.stdout, want) != 1 {
				t.Fatalf("stdout should have %q once:\n%s", want, r.stdout)
			}
		}
	}
	if strings.Contains(r.stdout, "not this one") {
		t.Fatalf("another datasource's task was followed:\n%s", r.stdout)
	}
}

// TestSeveralClusters: Druid's multik8s runner put a task in cluster-b;
// list, status and follow search both contexts at once, and the Overlord's
// context.tags.k8s_cluster names the cluster directly. With cluster-b's API
// server down, list says so and still lists cluster-a.
func TestSeveralClusters(t *testing.T) {
	clusters, err := bed.Clusters(testCtx(t), 2)
	must(t, err)
	a, b := clusters[0], clusters[1]
	must(t, a.EnsureNamespace(testCtx(t), a.Namespace()))
	must(t, b.EnsureNamespace(testCtx(t), b.Namespace()))
	suffix := strings.ReplaceAll(newNamespace(t), "-", "_")
	inA := "index_kafka_east_" + suffix
	inB := "index_kafka_west_" + suffix
	ta, err := a.CreateTask(testCtx(t), testbed.TaskSpec{Namespace: a.Namespace(), TaskID: inA})
	must(t, err)
	must(t, ta.SetRunning(testCtx(t)))
	must(t, ta.AppendLog("east line"))
	tb, err := b.CreateTask(testCtx(t), testbed.TaskSpec{Namespace: b.Namespace(), TaskID: inB})
	must(t, err)
	must(t, tb.SetRunning(testCtx(t)))
	must(t, tb.AppendLog("west line"))
	kc := bed.MultiKubeconfig()

	r := plug(t, "--kubeconfig", kc, "list", "--all-contexts")
	expectCode(t, r, 0)
	for _, want := range []string{"CONTEXT", a.Context(), b.Context(), inA, inB} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("list --all-contexts lacks %q:\n%s", want, r.stdout)
		}
	}
	r = plug(t, "--kubeconfig", kc, "status", inB, "--context", a.Context()+","+b.Context(), "-o", "json")
	expectCode(t, r, 0, "found in context "+b.Context())
	if !strings.Contains(r.stdout, `"context": "`+b.Context()+`"`) {
		t.Fatalf("status:\n%s", r.stdout)
	}
	p := startPlugin(t, "--kubeconfig", kc, "follow", inB, "--all-contexts")
	p.expect(t, "west line")
	must(t, tb.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)

	// The Overlord knows the cluster: no search.
	sim := overlordsim.New(overlordsim.Config{})
	sim.Put(overlordsim.NewTask(inA, "index_kafka", "east", time.Now()))
	sim.SetPayload(inA, []byte(`{"type":"index_kafka","id":"`+inA+`","context":{"tags":{"k8s_cluster":"`+a.Context()+`"}}}`))
	p = startPlugin(t, "--kubeconfig", kc, "follow", inA, "--all-contexts", "--overlord", overlordsim.Serve(t, sim))
	p.expect(t, "east line")
	p.expectStderr(t, "runs in cluster "+a.Context()+" per the Overlord")
	must(t, ta.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)

	// A cluster that is down is said and skipped.
	must(t, b.StopAPIServer(testCtx(t)))
	t.Cleanup(func() { _ = b.StartAPIServer(testCtx(t)) })
	r = plug(t, "--kubeconfig", kc, "list", "--all-contexts")
	expectCode(t, r, 0, "context "+b.Context()+" skipped")
	if !strings.Contains(r.stdout, inA) {
		t.Fatalf("list lost the cluster that is up:\n%s", r.stdout)
	}
}
