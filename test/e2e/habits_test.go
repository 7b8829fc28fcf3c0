//go:build e2e

package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestWhatPeoplePasteFindsTheTask: a bare task ID, -f, pod/NAME,
// job/NAME, a plain pod or Job name, an Overlord API URL and a web-console
// URL all reach the same task; stderr says what was resolved.
func TestWhatPeoplePasteFindsTheTask(t *testing.T) {
	ns := newNamespace(t)
	const id = "compact_wiki_2024-01-01T00:00:00.000Z_x"
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, DruidVersion: "33"}, "the compaction's log")
	pod := task.PodName()
	must(t, task.Succeed(testCtx(t)))
	escaped := url.PathEscape(id)
	tests := []struct {
		name string
		args []string
		note string
	}{
		{"a bare task ID with -f", []string{id, "-n", ns, "-f", "--no-follow"}, ""},
		{"pod/NAME", []string{"status", "pod/" + pod, "-n", ns}, "pod " + ns + "/" + pod + " is task " + id},
		{"job/NAME", []string{"status", "job/" + task.JobName, "-n", ns}, "Job " + ns + "/" + task.JobName + " is task " + id},
		{"a plain pod name", []string{"status", pod, "-n", ns}, "pod " + ns + "/" + pod + " is task " + id},
		{"a plain Job name", []string{"status", task.JobName, "-n", ns}, "Job " + ns + "/" + task.JobName + " is task " + id},
		{"an Overlord API URL", []string{"status", "https://overlord.druid:8281/druid/indexer/v1/task/" + escaped + "/status", "-n", ns}, "from the Overlord API URL"},
		{"a web-console URL", []string{"status", "http://router:8888/unified-console.html#tasks/task_id=" + escaped, "-n", ns}, "from the web-console URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := plug(t, tt.args...)
			expectCode(t, r, 0, tt.note)
			if !strings.Contains(r.stdout, id) && !strings.Contains(r.stdout, "the compaction's log") {
				t.Fatalf("stdout does not show the task:\n%s", r.stdout)
			}
		})
	}
}

// TestAStoppedTaskNamesNoFollowWhichPrintsItsLog: follow refuses a
// finished task (the RUNNING rule) and names --no-follow, which prints the
// pod's log and exits with the container's outcome; check agrees on the
// code, also for an OOMKilled task that left no log.
func TestAStoppedTaskNamesNoFollowWhichPrintsItsLog(t *testing.T) {
	ns := newNamespace(t)
	ok := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_ok_abcdefgh"}, "ok 1", "ok 2")
	must(t, ok.Succeed(testCtx(t)))
	r := plug(t, "follow", "index_ok_abcdefgh", "-n", ns)
	expectCode(t, r, 4, "STOPPED, not RUNNING", "--no-follow", "--overlord URL (or --overlord-service auto)")
	r = plug(t, "follow", "index_ok_abcdefgh", "-n", ns, "--no-follow")
	expectCode(t, r, 0, "exited 0")
	if r.stdout != "ok 1\nok 2\n" {
		t.Fatalf("stdout %q", r.stdout)
	}

	oom := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_oom_abcdefgh"})
	must(t, oom.OOMKill(testCtx(t)))
	r = plug(t, "follow", "index_oom_abcdefgh", "-n", ns, "--no-follow")
	expectCode(t, r, 6, "OOMKilled")
	r = plug(t, "check", "index_oom_abcdefgh", "-n", ns)
	expectCode(t, r, 6)
	if !strings.Contains(r.stdout, "[FAIL] terminated") {
		t.Fatalf("check into a pipe prints [FAIL] for grep:\n%s", r.stdout)
	}
}

// TestFollowJSONLinesForJq: -o json gives one object per line.
func TestFollowJSONLinesForJq(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-json"}, `a "quoted" line`, "second")
	p := startPlugin(t, "follow", "query-json", "-n", ns, "-o", "json")
	var first struct{ Task, Pod, Container, Timestamp, Message string }
	select {
	case l := <-p.lines:
		must(t, json.Unmarshal([]byte(l), &first))
	case <-time.After(30 * time.Second):
		t.Fatal("no JSON line")
	}
	if first.Task != "query-json" || first.Pod != task.PodName() || first.Container != "main" ||
		first.Message != `a "quoted" line` || !strings.HasSuffix(first.Timestamp, "Z") {
		t.Fatalf("first line %+v", first)
	}
	must(t, task.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)
}

// TestTheOverlordThatRefusesIsNamed: wrong Druid credentials are exit 5
// naming that Overlord, not "task not found".
func TestTheOverlordThatRefusesIsNamed(t *testing.T) {
	ns := newNamespace(t)
	must(t, bed.EnsureNamespace(testCtx(t), ns))
	sim := overlordsim.New(overlordsim.Config{BasicUser: "admin", BasicPassword: "right"})
	u := overlordsim.Serve(t, sim)
	res := plugEnv(t, []string{"DRUID_OVERLORD_USER=admin", "DRUID_OVERLORD_PASSWORD=wrong"},
		"follow", "index_gone_abcdefgh", "-n", ns, "--overlord", u)
	expectCode(t, res, 5, "the Overlord "+u, "refused the credentials")
}

// TestCompletionFromTheCluster: -n completes namespaces and -c the task's
// containers, through the API.
func TestCompletionFromTheCluster(t *testing.T) {
	ns := newNamespace(t)
	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-complete", Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"})
	r := plug(t, "__complete", "follow", "-n", "")
	expectCode(t, r, 0)
	if !strings.Contains(r.stdout, ns+"\n") {
		t.Fatalf("-n completion lacks %s:\n%s", ns, r.stdout)
	}
	r = plug(t, "__complete", "follow", "query-complete", "-n", ns, "-c", "")
	expectCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "primary\n") {
		t.Fatalf("-c completion:\n%s", r.stdout)
	}
}
