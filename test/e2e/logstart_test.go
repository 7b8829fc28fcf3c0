//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestCheckAndWhyWarnWhenTheLogStartWasRotatedAway: the kubelet rotates a
// running task's log; the current file's first line was written two
// minutes after the container started, so check's logs step warns and
// why's log carries the warning, both pointing to task-log storage. Before
// the rotation neither warns.
func TestCheckAndWhyWarnWhenTheLogStartWasRotatedAway(t *testing.T) {
	ns := newNamespace(t)
	const id = "index_kafka_wikipedia_rotated_start_abcdefgh"
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Type: "index_kafka",
		LogRotation: &kubeletlog.Policy{MaxSize: 64 << 10, MaxFiles: 3}}, numbered("start", 0, 3)...)

	rep, r := checkJSON(t, id, "-n", ns)
	expectCode(t, r, 0)
	if got := findCheck(t, rep, "logs"); strings.Contains(got, "rotated") {
		t.Fatalf("logs before any rotation: %s", got)
	}

	// 1,000 lines are ~120 KB of CRI records: one rotation. The lines after
	// it are stamped two minutes on, as a long task's would be.
	must(t, task.AppendLog(numbered("bulk", 0, 1000)...))
	waitRotations(t, task, 1)
	must(t, task.AppendLogAt(time.Now().Add(2*time.Minute), numbered("after", 0, 3)...))

	rep, r = checkJSON(t, id, "-n", ns)
	expectCode(t, r, 0)
	got := findCheck(t, rep, "logs")
	for _, w := range []string{"the start of the log was rotated away", "after container main started",
		"/druid/indexer/v1/task/" + id + "/log", "kubectl druid-logs follow " + id + " -n " + ns + " --overlord URL"} {
		if !strings.Contains(got, w) {
			t.Errorf("check's logs step lacks %q: %s", w, got)
		}
	}

	// why on the running task: exit 4, the log's row carries the warning.
	w := plug(t, "why", id, "-n", ns, "-o", "json")
	expectCode(t, w, 4)
	var why struct {
		Evidence struct {
			Logs []struct {
				Source  string `json:"source"`
				Rotated string `json:"rotated"`
			} `json:"logs"`
		} `json:"evidence"`
	}
	must(t, json.Unmarshal([]byte(w.stdout), &why))
	if len(why.Evidence.Logs) == 0 || why.Evidence.Logs[0].Source != "pod" ||
		!strings.Contains(why.Evidence.Logs[0].Rotated, "rotated the start of the log away") {
		t.Fatalf("why's logs: %+v\n%s", why.Evidence.Logs, w.stdout)
	}
	text := plug(t, "why", id, "-n", ns)
	if !strings.Contains(text.stdout, "warning: the log's first line was written at") {
		t.Fatalf("why's text lacks the warning:\n%s", text.stdout)
	}
}
