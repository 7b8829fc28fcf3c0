//go:build e2e

package testbed

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// druidPattern is a line of %d{ISO8601} %p [%t] %c - %m (first line of a record).
var druidPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} (INFO|WARN|ERROR|DEBUG) \[.+\] [\w.$]+ - `)

// overlordLines are the messages of the stand-in pod's log (CRI prefix and Druid's prefix cut).
func overlordLines(t *testing.T, so *StockOverlord) []string {
	t.Helper()
	b, err := os.ReadFile(so.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(l, " ", 4) // stamp stdout F text
		if len(parts) == 4 {
			out = append(out, parts[3])
		}
	}
	return out
}

func hasInOrder(t *testing.T, lines []string, want ...string) {
	t.Helper()
	i := 0
	for _, l := range lines {
		for i < len(want) && strings.Contains(l, want[i]) {
			_, l, _ = strings.Cut(l, want[i])
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("the Overlord's log lacks %q (in order):\n%s", want[i], strings.Join(lines, "\n"))
	}
}

func getURL(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func startStock(t *testing.T, spec StockOverlordSpec) *StockOverlord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	so, err := bed.StartStockOverlord(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		so.Stop()
		if err := so.Err(); err != nil {
			t.Errorf("stand-in: %v", err)
		}
	})
	return so
}

// TestStockOverlordRunsATaskLikeDruid: submission, Job, pod IP -> RUNNING
// (live log from the pod), end -> log saved, SUCCESS, Job deleted, and
// every line of the pod's log in Druid's pattern.
func TestStockOverlordRunsATaskLikeDruid(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	so := startStock(t, StockOverlordSpec{OverlordSpec: OverlordSpec{Namespace: "stock-run"}, RequestLog: true})
	id := "index_kafka_wikipedia_0c4ba27d86f5e1d_kplmqzrd"
	so.Submit(TaskSpec{TaskID: id, Type: "index_kafka"})
	task, err := so.Task(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := so.WaitTask(ctx, id, "PENDING", func(tk overlordsim.Task) bool { return tk.Lifecycle == overlordsim.LifecyclePending }); err != nil {
		t.Fatal(err)
	}
	if err := task.SetRunning(ctx); err != nil {
		t.Fatal(err)
	}
	if err := task.AppendLog("peon line 1"); err != nil {
		t.Fatal(err)
	}
	if err := so.WaitTask(ctx, id, "RUNNING", func(tk overlordsim.Task) bool { return tk.RunnerStatusCode == overlordsim.Running }); err != nil {
		t.Fatal(err)
	}
	code, body := getURL(t, so.URL+overlordsim.BasePath+"/task/"+id+"/log?offset=-8192")
	if code != 200 || !strings.Contains(body, "peon line 1") {
		t.Fatalf("live log: %d %q", code, body)
	}
	if err := task.Succeed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := so.WaitTask(ctx, id, "SUCCESS", func(tk overlordsim.Task) bool { return tk.StatusCode == overlordsim.Success }); err != nil {
		t.Fatal(err)
	}
	if err := task.WaitPodGone(ctx); err != nil {
		t.Fatal(err)
	}
	code, body = getURL(t, so.URL+overlordsim.BasePath+"/task/"+id+"/log")
	if code != 200 || !strings.Contains(body, "peon line 1") {
		t.Fatalf("stored log: %d %q", code, body)
	}
	lines := overlordLines(t, so)
	k := overlordsim.K8sTaskID(id, task.JobName)
	hasInOrder(t, lines, "startup service overlord", "I have the power. I am the leader", "Adding task["+id+"] to activeTasks",
		"Asking taskRunner to run task["+id+"]", "Submitting job["+task.JobName+"] for task["+id+"].",
		"Pod for job["+task.JobName+"] launched.", "Pod for job["+task.JobName+"] is in state[Running] for task["+id+"].",
		" GET "+so.URL+overlordsim.BasePath+"/task/"+id+"/log?offset=-8192 HTTP/1.1 200",
		"Pushing task log var/tmp/"+id, "Received status[SUCCESS] for task["+id+"].", "Removing task["+id+"] from activeTasks",
		"Completed task["+id+"] with status[TaskStatus{id="+id+", status=SUCCESS", "Cleaned up k8s job["+k+"]")
	druid := 0
	for _, l := range lines {
		if druidPattern.MatchString(l) {
			druid++
		}
	}
	if druid < 12 {
		t.Fatalf("%d lines in Druid's pattern:\n%s", druid, strings.Join(lines, "\n"))
	}
}

// TestStockOverlordFailures: the account without pods/log (ERROR, 404),
// informer mode with an IP but phase Pending (PENDING), the quota's
// fail-fast (FAILED), and log4j2 to a file (no Druid line in the pod's log).
func TestStockOverlordFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t.Run("no pods/log", func(t *testing.T) {
		so := startStock(t, StockOverlordSpec{OverlordSpec: OverlordSpec{Namespace: "stock-nolog"}, NoPodsLog: true})
		so.Submit(TaskSpec{TaskID: "query-nolog"})
		task, err := so.Task(ctx, "query-nolog")
		if err != nil {
			t.Fatal(err)
		}
		if err := task.SetRunning(ctx); err != nil {
			t.Fatal(err)
		}
		if err := so.WaitTask(ctx, "query-nolog", "RUNNING", func(tk overlordsim.Task) bool { return tk.RunnerStatusCode == overlordsim.Running }); err != nil {
			t.Fatal(err)
		}
		code, body := getURL(t, so.URL+overlordsim.BasePath+"/task/query-nolog/log")
		if code != 404 || body != overlordsim.LogNotFound35 {
			t.Fatalf("%d %q", code, body)
		}
		hasInOrder(t, overlordLines(t, so), "ERROR [qtp", "Error streaming logs for pod["+task.PodName()+"] associated with task[query-nolog]",
			`cannot get resource "pods/log"`, `system:serviceaccount:stock-nolog:druid-overlord`)
	})
	t.Run("informer, IP but Pending", func(t *testing.T) {
		so := startStock(t, StockOverlordSpec{OverlordSpec: OverlordSpec{Namespace: "stock-informer"}, Informer: true})
		so.Submit(TaskSpec{TaskID: "query-informer"})
		task, err := so.Task(ctx, "query-informer")
		if err != nil {
			t.Fatal(err)
		}
		if err := task.SetIPWhilePending(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // several runner passes: it must stay PENDING
		if tk, _ := so.Sim.Task("query-informer"); tk.RunnerStatusCode != overlordsim.Pending {
			t.Fatalf("informer mode: %+v", tk)
		}
		if err := task.SetRunning(ctx); err != nil {
			t.Fatal(err)
		}
		if err := so.WaitTask(ctx, "query-informer", "RUNNING", func(tk overlordsim.Task) bool { return tk.RunnerStatusCode == overlordsim.Running }); err != nil {
			t.Fatal(err)
		}
		hasInOrder(t, overlordLines(t, so), "Submitted job[", "CachingKubernetesPeonClient - Pod["+task.PodName()+"] for job["+task.JobName+"] is now in Running/Complete state")
	})
	t.Run("quota", func(t *testing.T) {
		so := startStock(t, StockOverlordSpec{OverlordSpec: OverlordSpec{Namespace: "stock-quota"}})
		if err := bed.ZeroPodQuota(ctx, "stock-quota", "druid-tasks"); err != nil {
			t.Fatal(err)
		}
		so.Submit(TaskSpec{TaskID: "query-quota"})
		if err := so.WaitTask(ctx, "query-quota", "FAILED", func(tk overlordsim.Task) bool { return tk.StatusCode == overlordsim.Failed }); err != nil {
			t.Fatal(err)
		}
		hasInOrder(t, overlordLines(t, so), "Failed to run task: query-quota", "ERROR [k8s-task-runner-0] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[query-quota] failed because Job[",
			"exceeded quota: druid-tasks", "Failed to run task: {exceptionType=", "errorMsg="+overlordsim.FailedToRunTaskMsg)
	})
	t.Run("log4j2 to a file", func(t *testing.T) {
		so := startStock(t, StockOverlordSpec{OverlordSpec: OverlordSpec{Namespace: "stock-file"}, FileLog: true})
		so.Submit(TaskSpec{TaskID: "query-file"})
		if _, err := so.Task(ctx, "query-file"); err != nil {
			t.Fatal(err)
		}
		for _, l := range overlordLines(t, so) {
			if druidPattern.MatchString(l) {
				t.Fatalf("a Druid line in the pod's log: %q", l)
			}
		}
		if f := strings.Join(so.FileLog(), "\n"); !strings.Contains(f, "Submitting job[") {
			t.Fatalf("file log:\n%s", f)
		}
	})
}
