//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// A drop whose resume point lies in a rotated file (issue 21): while the log server is down the
// task writes enough for the kubelet to rotate its log twice, then a few lines more. The resumed
// request reads only the current file, which begins after the last line printed: the lines of the
// rotated files are gone from the API. The plugin must say so once, with the time range, keep
// following, exit with the container's code, show the gap in -o json, and, with an Overlord,
// print the missing lines from task-log storage after the live end, none twice.

// gapStory is the shared scenario; it returns the lines written before the drop (printed), in the
// rotated files (missing from the API) and in the current file after the rotations.
type gapStory struct {
	task                    *testbed.Task
	p                       *proc
	before, rotated, newest []string
}

func startGapStory(t *testing.T, sim *overlordsim.Sim, ns, id string, args ...string) *gapStory {
	t.Helper()
	s := &gapStory{before: numbered("gap", 0, 20)}
	s.task = runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Type: "index_kafka",
		LogRotation: &kubeletlog.Policy{MaxSize: 64 << 10, MaxFiles: 5}}, s.before...)
	if sim != nil { // the Overlord knows the task as running in its pod
		sim.Put(overlordsim.NewTask(id, "index_kafka", "wikipedia", time.Now()))
		sim.Start(id, "10.0.0.9", s.task.PodName())
	}
	s.p = startPlugin(t, append([]string{"follow", id, "-n", ns}, args...)...)
	if strings.Contains(strings.Join(args, " "), "json") {
		for range s.before { // one JSON object per line
			select {
			case <-s.p.lines:
			case <-time.After(30 * time.Second):
				t.Fatalf("the first lines were not printed\nstderr:\n%s", s.p.errText())
			}
		}
	} else {
		waitPrinted(t, s.p, s.before...)
	}
	must(t, bed.StopLogServer())
	t.Cleanup(func() { _ = bed.StartLogServer() })
	time.Sleep(1100 * time.Millisecond) // the next lines are stamped in a later second than the last printed
	for k := range 2 {
		batch := numbered("gap", 20+k*600, 600) // ~90 KB: over MaxSize
		must(t, s.task.AppendLog(batch...))
		s.rotated = append(s.rotated, batch...)
		waitRotations(t, s.task, k+1)
	}
	time.Sleep(1100 * time.Millisecond)
	s.newest = numbered("gap", 1220, 10)
	must(t, s.task.AppendLog(s.newest...))
	must(t, bed.StartLogServer())
	return s
}

// jsonOutput is -o json's stdout split into log lines (message, backfilled) and events.
type jsonOutput struct {
	messages   []string
	backfilled []string
	events     []map[string]any
}

func parseJSONOutput(t *testing.T, stdout string) jsonOutput {
	t.Helper()
	var out jsonOutput
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		switch {
		case m["event"] != nil:
			out.events = append(out.events, m)
		case m["backfilled"] == true:
			out.backfilled = append(out.backfilled, m["message"].(string))
		default:
			out.messages = append(out.messages, m["message"].(string))
		}
	}
	return out
}

// TestResumeIntoARotatedLogWarnsOfTheGap: without an Overlord the rotated lines cannot come
// back: one warning with the time range, the follow goes on to the end, exit 0 (the
// container's), nothing printed twice; in -o json the gap is an event.
func TestResumeIntoARotatedLogWarnsOfTheGap(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		ns := newNamespace(t)
		s := startGapStory(t, nil, ns, "index_kafka_gap_text_abcdefgh")
		awaitPrinted(t, s.p, 30*time.Second, s.newest...)
		must(t, s.task.Succeed(testCtx(t)))
		r := s.p.wait(t, time.Minute)
		expectCode(t, r, 0)
		if n := strings.Count(r.stderr, "may be missing"); n < 1 || strings.Count(r.stderr, "warning: log lines between") != 1 {
			t.Errorf("want one gap warning on stderr, got:\n%s", r.stderr)
		}
		promised(t, r, append(append([]string{}, s.before...), s.newest...))
	})
	t.Run("json", func(t *testing.T) {
		ns := newNamespace(t)
		s := startGapStory(t, nil, ns, "index_kafka_gap_json_abcdefgh", "-o", "json")
		time.Sleep(3 * time.Second) // the resume; the final comparison judges what was printed
		must(t, s.task.Succeed(testCtx(t)))
		r := s.p.wait(t, time.Minute)
		expectCode(t, r, 0)
		out := parseJSONOutput(t, r.stdout)
		if strings.Join(out.messages, "\n") != strings.Join(append(append([]string{}, s.before...), s.newest...), "\n") {
			t.Errorf("messages: %d, want the %d before the gap and the %d after it, once each", len(out.messages), len(s.before), len(s.newest))
		}
		gaps := 0
		for _, e := range out.events {
			if e["event"] == "gap" && e["from"] != nil && e["to"] != nil {
				gaps++
			}
		}
		if gaps != 1 {
			t.Errorf("want one gap event in -o json, got %v", out.events)
		}
	})
}

// TestRotationGapIsBackfilledFromTaskLogStorage: with an Overlord, Druid's stored log (the whole
// log, as the Overlord's log watcher read it from the start) fills the gap after the live end:
// announced on stderr, every line once, the backfilled ones after the live ones and marked in
// -o json.
func TestRotationGapIsBackfilledFromTaskLogStorage(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			ns := newNamespace(t)
			id := "index_kafka_gap_fill_" + format + "_abcdefgh"
			sim := overlordsim.New(overlordsim.Config{})
			url := overlordsim.Serve(t, sim)
			args := []string{"--overlord", url}
			if format == "json" {
				args = append(args, "-o", "json")
			}
			s := startGapStory(t, sim, ns, id, args...)
			time.Sleep(3 * time.Second) // the resume
			all := append(append(append([]string{}, s.before...), s.rotated...), s.newest...)
			sim.SetLog(id, []byte(strings.Join(all, "\n")+"\n"))
			must(t, s.task.Succeed(testCtx(t)))
			sim.Finish(id, "SUCCESS", "", time.Minute)
			r := s.p.wait(t, 2*time.Minute)
			expectCode(t, r, 0, "lines missing between", "from task-log storage")
			live := append(append([]string{}, s.before...), s.newest...)
			if format == "text" {
				promised(t, r, append(live, s.rotated...))
				return
			}
			out := parseJSONOutput(t, r.stdout)
			if strings.Join(out.messages, "\n") != strings.Join(live, "\n") ||
				strings.Join(out.backfilled, "\n") != strings.Join(s.rotated, "\n") {
				t.Errorf("live %d lines (want %d), backfilled %d (want %d)\nstderr:\n%s", len(out.messages), len(live),
					len(out.backfilled), len(s.rotated), r.stderr)
			}
		})
	}
}
