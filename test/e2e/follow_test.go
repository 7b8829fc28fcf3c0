//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

func TestFollowPrintsTheLogThenLinesAppendedAfterStart(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-abc123", DruidVersion: "33"}, numbered("a", 0, 3)...)
	p := startPlugin(t, "follow", "query-abc123", "-n", ns)
	p.expect(t, numbered("a", 0, 3)...)
	must(t, task.AppendLog(numbered("a", 3, 2)...))
	p.expect(t, numbered("a", 3, 2)...)
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, time.Minute)
	expectCode(t, r, 0, "following task query-abc123", "task container exited 0 (Completed)")
	if got := strings.Join(numbered("a", 0, 5), "\n") + "\n"; r.stdout != got {
		t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, got)
	}
}

// TestFollowFindsEveryDruidNamingRule: Druid 25-27, 28+, 33+ with a prefix
// passed, and a prefix not passed (found by the label search).
func TestFollowFindsEveryDruidNamingRule(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		version, prefix, flagPrefix, id, rule string
	}{
		{"27", "", "", "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "druid-25-27"},
		{"28", "", "", "compact_wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-06-01T10:11:12.131Z", "druid-28+"},
		{"33", "druid-prod", "druid-prod", "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77", "druid-33+-prefix"},
		{"33", "druid-prod", "", "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker0_0", "label-search"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: tt.id, DruidVersion: tt.version, NamePrefix: tt.prefix}, "hello from "+tt.rule)
			args := []string{"status", tt.id, "-n", ns, "-o", "json"}
			if tt.flagPrefix != "" {
				args = append(args, "--name-prefix", tt.flagPrefix)
			}
			r := plug(t, args...)
			expectCode(t, r, 0)
			var st struct{ JobRule, State, TaskID string }
			must(t, json.Unmarshal([]byte(r.stdout), &st))
			if st.JobRule != tt.rule || st.State != "RUNNING" || st.TaskID != tt.id {
				t.Fatalf("status = %+v, want rule %s RUNNING", st, tt.rule)
			}
		})
	}
}

// TestFollowCostsTwoRequestsBeforeTheFirstLine counts the API requests of
// the happy path on Druid 28+ with --debug: the task's pods (found by the
// Job name's job-name label, verified by their task.id annotation), then the
// log; the Job is not read.
func TestFollowCostsTwoRequestsBeforeTheFirstLine(t *testing.T) {
	ns := newNamespace(t)
	for i := 0; i < 5; i++ { // other peon Jobs in the namespace change nothing
		createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: fmt.Sprintf("index_kafka_other_%d", i), DruidVersion: "33"})
	}
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-count", DruidVersion: "33"}, "first line")
	p := startPlugin(t, "follow", "query-count", "-n", ns, "--debug")
	p.expect(t, "first line")
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, time.Minute)
	expectCode(t, r, 0)
	var before []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "debug: api: ") {
			before = append(before, l)
			if strings.Contains(l, "/log?") {
				break
			}
		}
	}
	var counted []string
	for _, l := range before {
		if !strings.Contains(l, "watch=true") { // the pod watch runs alongside
			counted = append(counted, l)
		}
	}
	if len(counted) != 2 || !strings.Contains(counted[0], "/pods?labelSelector=job-name") || !strings.Contains(counted[1], "/log?") {
		t.Fatalf("requests before the first line = %d:\n%s", len(counted), strings.Join(before, "\n"))
	}
	if strings.Contains(r.stderr, "Authorization") || strings.Contains(r.stderr, "BEGIN") {
		t.Fatalf("--debug printed credentials:\n%s", r.stderr)
	}
}

func TestSameTaskIDInTwoNamespaces(t *testing.T) {
	a, b := newNamespace(t), newNamespace(t)
	const id = "index_parallel_twice_abcdefgh"
	runningTask(t, testbed.TaskSpec{Namespace: a, TaskID: id}, "from "+a)
	tb := runningTask(t, testbed.TaskSpec{Namespace: b, TaskID: id}, "from "+b)
	for _, ns := range []string{a, b} {
		r := plug(t, "status", id, "-n", ns, "-o", "json")
		expectCode(t, r, 0)
		if !strings.Contains(r.stdout, `"namespace": "`+ns+`"`) {
			t.Fatalf("status -n %s:\n%s", ns, r.stdout)
		}
	}
	r := plug(t, "follow", id, "-A")
	expectCode(t, r, 2, "has a Job in 2 namespaces", a, b, "-n")
	must(t, tb.DeleteJob(testCtx(t)))
	must(t, tb.WaitPodGone(testCtx(t)))
	p := startPlugin(t, "follow", id, "-A")
	p.expect(t, "from "+a)
}

func TestPendingIsRefusedThenWaitStreams(t *testing.T) {
	ns := newNamespace(t)
	task := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_pending_abcdefgh"})
	_, err := task.Pod(testCtx(t))
	must(t, err)
	r := plug(t, "follow", "index_pending_abcdefgh", "-n", ns)
	expectCode(t, r, 4, "is PENDING, not RUNNING", "--wait", "kubectl druid-logs check index_pending_abcdefgh")
	if r.stdout != "" {
		t.Fatalf("stdout must stay empty: %q", r.stdout)
	}
	p := startPlugin(t, "follow", "index_pending_abcdefgh", "-n", ns, "--wait", "--timeout", "2m")
	p.expectStderr(t, "waiting: task index_pending_abcdefgh is PENDING")
	must(t, task.SetRunning(testCtx(t)))
	must(t, task.AppendLog("started at last"))
	p.expect(t, "started at last")
	must(t, task.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)
}

func TestWaitForATaskWhoseJobDoesNotExistYet(t *testing.T) {
	ns := newNamespace(t)
	must(t, bed.EnsureNamespace(testCtx(t), ns))
	p := startPlugin(t, "follow", "query-later", "-n", ns, "--wait", "--timeout", "2m")
	p.expectStderr(t, "is NOT_STARTED")
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-later"}, "here now")
	p.expect(t, "here now")
	must(t, task.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)
}

func TestWaitTimesOut(t *testing.T) {
	ns := newNamespace(t)
	createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_stuck_abcdefgh", Unschedulable: true})
	r := plug(t, "follow", "index_stuck_abcdefgh", "-n", ns, "--wait", "--timeout", "3s")
	expectCode(t, r, 4, "gave up waiting after 3s", "PENDING")
}

func TestUnknownTaskExits3(t *testing.T) {
	ns := newNamespace(t)
	createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_kafka_someone_else"})
	r := plug(t, "follow", "query-does-not-exist", "-n", ns)
	expectCode(t, r, 3, `task "query-does-not-exist" not found`, "Tried Job names", "1 Druid peon Jobs", "--wait")
}

func TestFinishedTaskWithJobDeleted(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-finished"}, "done soon")
	must(t, task.Succeed(testCtx(t)))
	r := plug(t, "follow", "query-finished", "-n", ns)
	expectCode(t, r, 4, "is STOPPED", "main terminated: Completed, exit 0", "follow query-finished -n "+ns+" --no-follow")
	must(t, task.DeleteJob(testCtx(t)))
	must(t, task.WaitPodGone(testCtx(t)))
	r = plug(t, "follow", "query-finished", "-n", ns)
	expectCode(t, r, 3, "the Overlord deleted its Job", "kubectl druid-logs follow query-finished --overlord URL (or --overlord-service auto)")
}

func TestContainerMainMissingExits7(t *testing.T) {
	ns := newNamespace(t)
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-primary", Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"}, "in primary")
	r := plug(t, "follow", "query-primary", "-n", ns)
	expectCode(t, r, 7, `has no container "main" (containers: primary)`, `named "main"`)
	p := startPlugin(t, "follow", "query-primary", "-n", ns, "-c", "primary")
	p.expect(t, "in primary")
}

func TestOOMKilledWhileFollowingExits6(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_oom_abcdefgh"}, "allocating")
	p := startPlugin(t, "follow", "index_oom_abcdefgh", "-n", ns)
	p.expect(t, "allocating")
	must(t, task.AppendLog("java.lang.OutOfMemoryError: Java heap space"))
	p.expect(t, "java.lang.OutOfMemoryError: Java heap space")
	must(t, task.OOMKill(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 6, "OOMKilled, exit 137", "kubectl druid-logs check index_oom_abcdefgh")
}

func TestUserWithoutPodsLogPermissionExits5(t *testing.T) {
	ns := newNamespace(t)
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-secret"}, "you may not read this")
	kc, err := bed.UserKubeconfig(testCtx(t), "no-logs-"+ns, ns, []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	})
	must(t, err)
	r := plug(t, "--kubeconfig", kc, "follow", "query-secret", "-n", ns)
	expectCode(t, r, 5, "permission denied", `"pods/log"`, "no-logs-"+ns)
	if r.stdout != "" {
		t.Fatalf("stdout: %q", r.stdout)
	}
}

// TestStreamCutLosesAndRepeatsNothing writes lines while the test kubelet
// cuts every open stream (three times, then five); what was printed must be
// exactly what was written.
func TestStreamCutLosesAndRepeatsNothing(t *testing.T) {
	for _, cuts := range []int{3, 5} {
		t.Run(fmt.Sprint(cuts, " cuts"), func(t *testing.T) {
			ns := newNamespace(t)
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_cut_abcdefgh"}, numbered("cut", 0, 100)...)
			p := startPlugin(t, "follow", "index_cut_abcdefgh", "-n", ns)
			p.expect(t, numbered("cut", 0, 100)...)
			w := &lineWriter{task: task, next: 100, written: numbered("cut", 0, 100)}
			for cut := 0; cut < cuts; cut++ {
				w.write(t, 50)
				must(t, testbed.WaitFor(testCtx(t), 30*time.Second, "an open stream", func(context.Context) (bool, error) {
					n, err := bed.OpenLogStreams()
					return n > 0, err
				}))
				if _, err := bed.CutStreams(); err != nil {
					t.Fatal(err)
				}
				w.write(t, 50) // written while the plugin reconnects
			}
			w.write(t, 10)
			must(t, task.Succeed(testCtx(t)))
			r := p.wait(t, 2*time.Minute)
			expectCode(t, r, 0, "log stream dropped")
			w.compare(t, r.stdout)
		})
	}
}

// lineWriter appends numbered lines to a task's log and remembers them.
type lineWriter struct {
	mu      sync.Mutex
	task    *testbed.Task
	next    int
	written []string
}

func (w *lineWriter) write(t *testing.T, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := numbered("cut", w.next, n)
	must(t, w.task.AppendLog(l...))
	w.written = append(w.written, l...)
	w.next += n
}

// compare fails unless stdout is every written line exactly once, in order.
func (w *lineWriter) compare(t *testing.T, stdout string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if want := strings.Join(w.written, "\n") + "\n"; stdout != want {
		t.Fatalf("printed %d lines, wrote %d; first difference at line %d", strings.Count(stdout, "\n"), len(w.written), firstDiff(stdout, want))
	}
	t.Logf("%d lines written, %d printed, identical", len(w.written), strings.Count(stdout, "\n"))
}

// TestServerThatNeverEndsTheStream: KWOK keeps a follow stream open after
// the container exits; the plugin must still end, with every line.
func TestServerThatNeverEndsTheStream(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-endless", Node: testbed.NodeKWOK}, "kwok one", "kwok two")
	p := startPlugin(t, "follow", "query-endless", "-n", ns)
	p.expect(t, "kwok one", "kwok two")
	must(t, task.AppendLog("kwok three"))
	p.expect(t, "kwok three")
	must(t, task.AppendLog("kwok last words"))
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, time.Minute)
	expectCode(t, r, 0, "exited 0")
	if !strings.HasSuffix(r.stdout, "kwok last words\n") || strings.Count(r.stdout, "kwok three") != 1 {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
}

func firstDiff(a, b string) int {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

// TestDruid27NameCollisionIsNotFollowed: on Druid 25-27, MSQ workers
// "worker1_10" and "worker11_0" get the same Job name; only the task.id
// annotation tells them apart, so the other task's log must never print.
func TestDruid27NameCollisionIsNotFollowed(t *testing.T) {
	ns := newNamespace(t)
	const ctrl = "query-5a7e9c1d-2f4b-4e8a-b6c3-d9e0f1a2b3c4"
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl + "-worker1_10", DruidVersion: "27"}, "I am worker1_10")
	r := plug(t, "follow", ctrl+"-worker11_0", "-n", ns)
	expectCode(t, r, 3, "belongs to another task")
	if r.stdout != "" {
		t.Fatalf("printed another task's log: %q", r.stdout)
	}
}
