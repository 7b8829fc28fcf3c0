//go:build e2e

package testbed

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestTwoClusters: a second cluster starts on demand, beside the first, with its own API server
// and namespace; one kubeconfig names both; stopping its API server leaves the first one serving.
func TestTwoClusters(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	cs, err := bed.Clusters(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second cluster up in %v", time.Since(start).Round(time.Millisecond))
	a, b := cs[0], cs[1]
	if a != bed.Cluster(0) || b != bed.Cluster(1) || bed.Cluster(2) != nil {
		t.Fatalf("Cluster(i) disagrees with Clusters")
	}
	if a.Name() != "cluster-a" || b.Name() != "cluster-b" || a.Namespace() != "druid-a" || b.Namespace() != "druid-b" {
		t.Fatalf("names %s/%s, namespaces %s/%s", a.Name(), b.Name(), a.Namespace(), b.Namespace())
	}
	if a.RESTConfig().Host == b.RESTConfig().Host {
		t.Fatalf("both clusters at %s", a.RESTConfig().Host)
	}
	mk := bed.MultiKubeconfig()
	kubectl := func(args ...string) (string, error) {
		out, err := exec.Command(bed.Kubectl(), append([]string{"--kubeconfig", mk}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := kubectl("config", "get-contexts", "-o", "name"); err != nil || out != "cluster-a\ncluster-b" {
		t.Fatalf("contexts: %q %v", out, err)
	}

	// The same task in both clusters, each in its context's namespace: two different Jobs.
	id := "index_kafka_multi_" + runID + "_abcdefgh"
	var tasks [2]*Task
	for i, c := range cs {
		task, err := c.CreateTask(ctx, TaskSpec{TaskID: id, Namespace: c.Namespace(), Adapter: AdapterCustomTemplate})
		if err == nil {
			err = task.SetRunning(ctx)
		}
		if err == nil {
			err = task.AppendLog("hello from " + c.Name())
		}
		if err != nil {
			t.Fatal(err)
		}
		if task.Cluster() != c {
			t.Fatal("Task.Cluster")
		}
		tasks[i] = task
	}
	if out, err := kubectl("logs", "job/"+tasks[0].JobName); err != nil || out != "hello from cluster-a" {
		t.Fatalf("current context: %q %v", out, err)
	}
	f := startKubectl(t, mk, "--context", "cluster-b", "logs", "-f", "job/"+tasks[1].JobName)
	f.expect(t, "hello from cluster-b")
	_ = tasks[1].AppendLog("b done")
	if err := tasks[1].Succeed(ctx); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "b done")
	select {
	case err := <-f.done:
		if err != nil {
			t.Fatalf("follow on cluster-b: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow on cluster-b did not end at exit")
	}
	if _, err := b.CreateTask(ctx, TaskSpec{TaskID: "pending_" + runID, Unschedulable: true}); err == nil {
		t.Fatal("Unschedulable accepted on a cluster without scheduler")
	}

	// cluster-b down: refused there, cluster-a unaffected; up again: tasks run there again.
	if err := b.StopAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl("--context", "cluster-b", "get", "pods", "--request-timeout=5s"); err == nil || !strings.Contains(out, "refused") {
		t.Fatalf("cluster-b down: %q %v", out, err)
	}
	if out, err := kubectl("--context", "cluster-a", "get", "pods", "-o", "name"); err != nil || !strings.Contains(out, "pod/"+tasks[0].PodName()) {
		t.Fatalf("cluster-a while cluster-b is down: %q %v", out, err)
	}
	start = time.Now()
	if err := b.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("cluster-b API server back, components watching, in %v", time.Since(start).Round(time.Millisecond))
	again, err := b.CreateTask(ctx, TaskSpec{TaskID: id + "_again", Namespace: b.Namespace()})
	if err == nil {
		err = again.SetRunning(ctx)
	}
	if err == nil {
		err = again.AppendLog("b is back")
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := kubectl("--context", "cluster-b", "logs", again.PodName()); err != nil || out != "b is back" {
		t.Fatalf("cluster-b after restart: %q %v", out, err)
	}
}
