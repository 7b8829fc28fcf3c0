package postmortem

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// TestStockDruidFailures: every errorMsg a stock Overlord stores for a
// Kubernetes-runner task (Druid 25-39), with what is left of the task
// after Druid deleted its Job, gets its own signature and cause.
func TestStockDruidFailures(t *testing.T) {
	tests := []struct {
		name      string
		ev        func() *Evidence
		signature string
		verdict   string     // the verdict contains it
		evidence  string     // the primary finding's evidence contains it
		fix       string     // the fix contains it
		causes    []string   // the ranked causes' IDs, the first ones, in order ("" = no ranking)
		top       Likelihood // the first cause's likelihood
	}{
		{"29+: peon killed, Job gone, log cut mid-task: most likely OOMKilled", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking))
		}, "peon-no-status", "most likely", "ends mid-task", "debugJobs=true", []string{"oom-killed"}, Likely},

		{"29+: a retry's WARN and stack trace before the cut is no crash", func() *Evidence {
			retry := []string{
				"2026-11-26T21:14:20,300 WARN [task-runner-0-priority-0] org.apache.druid.java.util.common.RetryUtils - Retrying (6 of 10) in 4,112ms.",
				"java.io.IOException: Connection reset by peer",
				"\tat sun.nio.ch.SocketDispatcher.read0(Native Method)",
			}
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(retry, peonWorking))
		}, "peon-no-status", "most likely", "ends mid-task", "debugJobs=true", []string{"oom-killed"}, Likely},

		{"29+: the pod kept (debugJobs=true) exited 0: the peon ended normally, status not written", func() *Evidence {
			return evidence(nil, peonPod("Succeeded", terminated(0, "Completed")), stockFailed(stock29NoStatus, ranAt))
		}, "peon-no-status", "status.json", "exited 0", "druid.indexer.logs", []string{"status-not-pushed"}, Likely},

		{"29+: the saved log ends in an OutOfMemoryError", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking, peonHeapOOM))
		}, "heap-oom", "Java heap", "OutOfMemoryError", "-Xmx", []string{"heap-oom"}, Confirmed},

		{"29+: nothing at all is left: say so and how to keep evidence", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt))
		}, "peon-no-status", "nothing left says which", "no Job, no pod", "--event-ttl", []string{"oom-killed"}, Possible},

		{"27-28: the older text of the same failure", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock27NoStatus, ranAt), storedLogOf(peonWorking))
		}, "peon-no-status", "most likely", stock27NoStatus, "debugJobs=true", []string{"oom-killed"}, Likely},

		{"29+: placeholder log: the pod was gone when the Job ended", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLog(stock29Placeholder))
		}, "peon-no-status", "pod was gone", "did not report any logs", "debugJobs=true", []string{"evicted", "node-lost", "peon-deleted"}, Likely},

		{"29+: the peon got SIGTERM (graceful stop lines): its pod or Job was deleted", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking, peonGracefulStop))
		}, "peon-stopped", "SIGTERM", "Starting graceful shutdown of task[", "kubectl get events", []string{"peon-deleted"}, Likely},

		{"29+: node lost: the pod's events remain", func() *Evidence {
			ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLog(stock29Placeholder))
			ev.PodEvents = []corev1.Event{
				event("Pod", podName, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready"),
				event("Pod", podName, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod druid/"+podName),
			}
			return ev
		}, "node-lost", "node", "NodeNotReady", "kubectl describe node", []string{"node-lost"}, Confirmed},

		{"29+: the Job's events remain: BackoffLimitExceeded says the pod failed, not a deleted Job", func() *Evidence {
			ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking))
			ev.JobEvents = []corev1.Event{event("Job", jobName, corev1.EventTypeWarning, "BackoffLimitExceeded", "Job has reached the specified backoff limit")}
			return ev
		}, "peon-no-status", "most likely", "BackoffLimitExceeded", "memory", []string{"oom-killed"}, Likely},

		{"29+: the Overlord's log says the Job failed on its deadline", func() *Evidence {
			ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLog(stock29Placeholder))
			ev.OverlordLines = []string{ovl36JobFailedDeadline, ovl36NoStatusPushed}
			return ev
		}, "deadline-exceeded", "activeDeadlineSeconds", "reason=DeadlineExceeded", "maxTaskDuration", []string{"deadline-exceeded"}, Confirmed},

		{"29+: the Overlord's log says the Job vanished: deleted while it ran", func() *Evidence {
			ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLog(stock29Placeholder))
			ev.OverlordLines = []string{ovl36JobNotFound, ovl36NoStatusPushed}
			return ev
		}, "peon-deleted", "deleted", "was not found", "debugJobs", []string{"peon-deleted"}, Confirmed},

		{"29+: the Overlord's log says the Job failed (BackoffLimitExceeded), log cut: OOM first", func() *Evidence {
			ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking))
			ev.OverlordLines = []string{ovl36JobFailedBackoff}
			return ev
		}, "peon-no-status", "most likely", "failed=1", "memory", []string{"oom-killed"}, Likely},

		{"29+: the peon finished FAILED but could not push its status", func() *Evidence {
			lines := append([]string{}, peonSuccessTail...)
			lines[2] = `  "status" : "FAILED",`
			return evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLog(lines...))
		}, "status-not-pushed", "task-log storage", `"status" : "FAILED"`, "druid.indexer.logs", []string{"status-not-pushed"}, Confirmed},

		{"27+: status.json there but unreadable", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock27LoadStatus, ranAt), storedLogOf(peonWorking))
		}, "status-unreadable", "could not read", "status.json", "Failed to load task status for task [", nil, ""},

		{"all: Failed to run task, the pod never got an IP: never launched", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockFailedToRun, neverRan))
		}, "launch-failed", "could not start the peon", "no pod IP", "Timed out waiting for [", nil, ""},

		{"all: Failed to run task, stored location has the pod: it ran, then the runner failed", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockFailedToRun, ranAt), storedLogOf(peonWorking))
		}, "failed-after-start", "after the peon started", podName, "execution caught an exception", nil, ""},

		{"all: shut down by a user", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockUserShutdown, ranAt), storedLogOf(peonWorking, peonGracefulStop))
		}, "shutdown-by-user", "shut down", stockUserShutdown, "/shutdown", nil, ""},

		{"recent: lock not reacquired by a new leader", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockLockReacquire, ranAt))
		}, "lock-reacquire-failed", "leader", stockLockReacquire, "I am the leader", nil, ""},

		{"recent: isReady threw", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockNotReady, neverRan))
		}, "task-not-ready", "taskLockPosse", "waiting for task to be ready", "Exception thrown during isReady for task: " + taskID, nil, ""},

		{"26: the Job disappeared before completion", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock26JobDisappeared, neverRan), storedLogOf(peonWorking))
		}, "job-disappeared", "deleted", stock26JobDisappeared, "debugJobs", []string{"peon-deleted"}, Confirmed},

		{"26: Task failed: the Job failed", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock26TaskFailed, neverRan), storedLogOf(peonWorking))
		}, "job-failed", "Druid 25/26", stock26TaskFailed, "memory", []string{"oom-killed"}, Likely},

		{"25: Task failed %s (literal): the Job failed", func() *Evidence {
			return evidence(nil, nil, stockFailed(stock25TaskFailed, neverRan), storedLogOf(peonWorking))
		}, "job-failed", "Druid 25/26", stock25TaskFailed, "memory", []string{"oom-killed"}, Likely},

		{"all: the task's own message, with the stored log's last lines", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockTaskOwn, ranAt), storedLogOf(peonWorking))
		}, "task-error", "ParseException", "Persisted rows[20,000]", "follow", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Diagnose(tt.ev(), 20)
			if rep.Signature != tt.signature || rep.Outcome != Failed || rep.ExitCode != exitcode.ContainerFailed || !rep.Known {
				t.Fatalf("signature %q outcome %s exit %d known %v, want %q failed 6 known\nverdict: %s\nfindings: %+v",
					rep.Signature, rep.Outcome, rep.ExitCode, rep.Known, tt.signature, rep.Verdict, rep.Findings)
			}
			if !strings.Contains(rep.Verdict, tt.verdict) || strings.Contains(rep.Verdict, "\n") {
				t.Errorf("verdict %q lacks %q", rep.Verdict, tt.verdict)
			}
			f := rep.Findings[0]
			if !strings.Contains(strings.Join(f.Evidence, "\n"), tt.evidence) {
				t.Errorf("evidence lacks %q:\n%s", tt.evidence, strings.Join(f.Evidence, "\n"))
			}
			if !strings.Contains(strings.Join(f.Fix, "\n"), tt.fix) {
				t.Errorf("fix lacks %q:\n%s", tt.fix, strings.Join(f.Fix, "\n"))
			}
			var ids []string
			for _, c := range rep.Causes {
				ids = append(ids, c.ID)
				if c.ExitCode != exitcode.ContainerFailed || c.Cause == "" || len(c.Evidence) == 0 || (c.Likelihood != RuledOut && len(c.Fix) == 0) {
					t.Errorf("cause %+v lacks its exit code, cause, evidence or fix", c)
				}
			}
			switch {
			case tt.causes == nil && len(rep.Causes) > 0:
				t.Errorf("causes %v, want none", ids)
			case tt.causes != nil && (len(ids) < len(tt.causes) || strings.Join(ids[:len(tt.causes)], ",") != strings.Join(tt.causes, ",")):
				t.Errorf("causes %v, want them to start %v", ids, tt.causes)
			case tt.causes != nil && rep.Causes[0].Likelihood != tt.top:
				t.Errorf("first cause %s is %s, want %s", ids[0], rep.Causes[0].Likelihood, tt.top)
			}
		})
	}
}

// TestHintsNameOnlyWhatDruidPrints: every grep hint and quoted Overlord
// line in a fix is a string stock Druid prints (log-statements.md), and a
// hint to grep the Overlord's log names the Job as well as the task: some
// of Druid's lines name only the Job.
func TestHintsNameOnlyWhatDruidPrints(t *testing.T) {
	never := []string{"Timeout waiting for pod", "[STREAM]", "[WORKITEM]", "[LIFECYCLE]", "[K8S-CLIENT]", "Current task state", "Transitioning task"}
	for _, msg := range []string{stock29NoStatus, stock27NoStatus, stock27LoadStatus, stockFailedToRun, stockUserShutdown, stockLockReacquire,
		stockNotReady, stock26JobDisappeared, stock26TaskFailed, stock25TaskFailed, stockTaskOwn} {
		for _, loc := range []struct {
			name string
			ev   func(string) *Evidence
		}{
			{"never ran", func(m string) *Evidence { return evidence(nil, nil, stockFailed(m, neverRan)) }},
			{"ran", func(m string) *Evidence { return evidence(nil, nil, stockFailed(m, ranAt), storedLogOf(peonWorking)) }},
		} {
			rep := Diagnose(loc.ev(msg), 20)
			var text []string
			for _, f := range rep.Findings {
				text = append(text, f.Fix...)
			}
			for _, c := range rep.Causes {
				text = append(text, c.Fix...)
			}
			all := strings.Join(text, "\n")
			for _, n := range never {
				if strings.Contains(all, n) {
					t.Errorf("%q (%s): a fix names %q, which Druid never prints:\n%s", msg, loc.name, n, all)
				}
			}
			for _, l := range text {
				if strings.Contains(l, "| grep") && !strings.Contains(l, jobName) {
					t.Errorf("%q (%s): a grep of the Overlord's log without the Job's name: %s", msg, loc.name, l)
				}
			}
		}
	}
}
