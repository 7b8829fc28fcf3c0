//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

func TestFinishedTaskLogComesFromTheOverlord(t *testing.T) {
	ns := newNamespace(t)
	sim := overlordsim.New(overlordsim.Config{})
	url := overlordsim.Serve(t, sim)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_parallel_done_abcdefgh"}, "live line")
	must(t, task.Succeed(testCtx(t)))
	must(t, task.DeleteJob(testCtx(t)))
	must(t, task.WaitPodGone(testCtx(t)))
	sim.Put(overlordsim.NewTask("index_parallel_done_abcdefgh", "index_parallel", "wikipedia", time.Now()))
	sim.Finish("index_parallel_done_abcdefgh", "SUCCESS", "", 90*time.Second)
	sim.SetLog("index_parallel_done_abcdefgh", []byte("stored 1\nstored 2\nstored 3\nFinished peon task\n"))

	r := plug(t, "follow", "index_parallel_done_abcdefgh", "-n", ns, "--overlord", url)
	expectCode(t, r, 0, "finished with SUCCESS per the Overlord", "deep storage")
	if r.stdout != "stored 1\nstored 2\nstored 3\nFinished peon task\n" {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	r = plug(t, "follow", "index_parallel_done_abcdefgh", "-n", ns, "--overlord", url, "--tail", "2")
	expectCode(t, r, 0)
	if r.stdout != "stored 3\nFinished peon task\n" {
		t.Fatalf("--tail 2 stdout:\n%s", r.stdout)
	}
	sim.Finish("index_parallel_done_abcdefgh", "FAILED", "Peon did not report status successfully.", time.Minute)
	r = plug(t, "follow", "index_parallel_done_abcdefgh", "-n", ns, "--overlord", url)
	expectCode(t, r, 6, "FAILED per the Overlord: Peon did not report status successfully.")
	// Without an Overlord, the RUNNING-only rule stands.
	expectCode(t, plug(t, "follow", "index_parallel_done_abcdefgh", "-n", ns), 3)
}

func TestQueuedPerOverlordThenWaitStreams(t *testing.T) {
	ns := newNamespace(t)
	must(t, bed.EnsureNamespace(testCtx(t), ns))
	sim := overlordsim.New(overlordsim.Config{})
	url := overlordsim.Serve(t, sim)
	const id = "query-queued-1"
	sim.Put(overlordsim.NewTask(id, "query_controller", "wikipedia", time.Now()))
	r := plug(t, "follow", id, "-n", ns, "--overlord", url)
	expectCode(t, r, 4, "is queued", "runnerStatusCode PENDING", "--wait")
	p := startPlugin(t, "follow", id, "-n", ns, "--overlord", url, "--wait", "--timeout", "2m")
	p.expectStderr(t, "is NOT_STARTED")
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, "controller up")
	sim.Start(id, "10.0.0.9", task.PodName())
	p.expect(t, "controller up")
	must(t, task.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)
}

func TestCheckAsksTheOverlord(t *testing.T) {
	ns := newNamespace(t)
	sim := overlordsim.New(overlordsim.Config{BasicUser: "druid", BasicPassword: "s3cret-pw"})
	url := overlordsim.Serve(t, sim)
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-known"}, "x")
	sim.Put(overlordsim.NewTask("query-known", "query_controller", "wikipedia", time.Now()))
	sim.Start("query-known", "10.0.0.7", "")
	sim.SetLog("query-known", []byte("x\n")) // the live log a real Overlord streams from the pod
	credFile := t.TempDir() + "/overlord-credentials"
	must(t, writeFile(credFile, "druid:s3cret-pw\n"))

	rep, r := checkJSON(t, "query-known", "-n", ns, "--overlord", url, "--overlord-credentials-file", credFile)
	expectCode(t, r, 0)
	if got := findCheck(t, rep, "overlord"); !strings.Contains(got, "RUNNING on 10.0.0.7") {
		t.Fatalf("overlord check: %s", got)
	}
	rep, r = checkJSON(t, "query-unknown-to-all", "-n", ns, "--overlord", url, "--overlord-credentials-file", credFile)
	expectCode(t, r, 3)
	if got := findCheck(t, rep, "overlord"); !strings.Contains(got, "never heard of this task") {
		t.Fatalf("overlord check: %s", got)
	}
	_, r = checkJSON(t, "query-known", "-n", ns, "--overlord", url)
	if got := findCheck(t, rep, "overlord"); got == "" || r.code != 5 {
		t.Fatalf("without credentials: exit %d, %s", r.code, r.stdout)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, "s3cret-pw") {
			t.Fatal("the Overlord password was printed")
		}
	}
}

// TestOverlordThroughTheServiceProxy asks the Overlord through the API
// server's service proxy with the user's kube credentials. Everything here
// must stay on loopback, and kube-apiserver rejects loopback endpoint
// addresses ("may not be in the loopback range", proved below), so the
// Service has no endpoint: the test proves the request goes through the
// proxy and that the proxy's refusal is reported as such, not as an
// unknown task.
func TestOverlordThroughTheServiceProxy(t *testing.T) {
	ns := newNamespace(t)
	must(t, bed.EnsureNamespace(testCtx(t), ns))
	ctx := testCtx(t)
	cs := bed.Clientset()
	_, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "druid-overlord"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 8081}}}}, metav1.CreateOptions{})
	must(t, err)
	ready, port := true, int32(8081)
	_, err = cs.DiscoveryV1().EndpointSlices(ns).Create(ctx, &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "druid-overlord-1", Labels: map[string]string{discoveryv1.LabelServiceName: "druid-overlord"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"127.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: &port}},
	}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("expected the API server to refuse a loopback endpoint, got %v", err)
	}
	rep, r := checkJSON(t, "query-via-proxy", "-n", ns, "--overlord-service", "druid-overlord:8081")
	got := findCheck(t, rep, "overlord")
	t.Logf("overlord through the service proxy: exit %d: %s", r.code, got)
	if !strings.Contains(got, "/api/v1/namespaces/"+ns+"/services/druid-overlord:8081/proxy/") || !strings.Contains(got, "cannot ask the Overlord") {
		t.Fatalf("the request did not go through the service proxy: %s", got)
	}
	if strings.Contains(got, "never heard") {
		t.Fatalf("a proxy refusal must not read as an unknown task: %s", got)
	}
	rep, _ = checkJSON(t, "query-via-proxy", "-n", ns, "--overlord-service", "auto")
	if got := findCheck(t, rep, "overlord"); !strings.Contains(got, "/services/druid-overlord:8081/proxy/") {
		t.Fatalf("--overlord-service auto did not find the Service: %s", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestListShowsFiftyTasksInMixedStates runs list against 50 peon tasks.
func TestListShowsFiftyTasksInMixedStates(t *testing.T) {
	ns := newNamespace(t)
	ctx := testCtx(t)
	want := map[string]string{}
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("index_kafka_wiki_%02d_abcdefgh", i)
		spec := testbed.TaskSpec{Namespace: ns, TaskID: id}
		switch i % 5 {
		case 0: // PENDING: pod without IP
			task := createTask(t, spec)
			_, err := task.Pod(ctx)
			must(t, err)
			want[id] = "PENDING"
		case 1, 2:
			runningTask(t, spec)
			want[id] = "RUNNING"
		case 3:
			task := runningTask(t, spec)
			must(t, task.Succeed(ctx))
			want[id] = "STOPPED"
		case 4:
			task := runningTask(t, spec)
			must(t, task.OOMKill(ctx))
			want[id] = "STOPPED"
		}
	}
	r := plug(t, "list", "-n", ns, "-o", "json")
	expectCode(t, r, 0)
	var out struct {
		Items []map[string]any `json:"items"`
	}
	must(t, json.Unmarshal([]byte(r.stdout), &out))
	if len(out.Items) != 50 {
		t.Fatalf("list shows %d tasks, want 50", len(out.Items))
	}
	for _, it := range out.Items {
		b, _ := json.Marshal(it)
		id, _ := it["taskId"].(string)
		if w, ok := want[id]; !ok || !strings.Contains(string(b), `"`+w+`"`) {
			t.Fatalf("row %s, want state %s", b, w)
		}
	}
	table := plug(t, "list", "-n", ns)
	expectCode(t, table, 0)
	if lines := strings.Count(table.stdout, "\n"); lines != 51 || !strings.HasPrefix(table.stdout, "TASK ID") {
		t.Fatalf("table has %d lines:\n%s", lines, table.stdout)
	}
}
