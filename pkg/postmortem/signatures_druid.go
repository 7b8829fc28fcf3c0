package postmortem

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// The Druid signatures: what the Overlord recorded (errorMsg) and saved
// (the task log), in the words of its source.

const (
	// errNoStatus is KubernetesPeonLifecycle's errorMsg when the peon's
	// status.json is not in task-log storage (Druid 29+; 27/28 said "task
	// status not found").
	errNoStatus = "Peon did not report status successfully"
	// errFailedToRun is TaskQueue.FAILED_TO_RUN_TASK_SEE_OVERLORD_MSG: the
	// runner's future failed (no pod ready within k8sjobLaunchTimeout, a
	// pod that "appeared and disappeared", a Job that could not be made).
	errFailedToRun = "Failed to run task. See overlord logs for more details."
)

// placeholderLog is the log the Overlord saves when it could read none
// (KubernetesPeonLifecycle.saveLogs, apache/druid#15527).
var placeholderLog = regexp.MustCompile(`Peon for task \[.*\] did not report any logs`)

// launchFailed: the Overlord's runner failed before the peon ran.
func launchFailed(v *view) *Finding {
	st := v.status
	if st == nil || !strings.Contains(st.ErrorMsg, strings.TrimSuffix(errFailedToRun, " See overlord logs for more details.")) {
		return nil
	}
	if v.ev.Pod != nil && v.ev.Pod.Status.PodIP != "" {
		return nil // the pod ran: this is not a launch failure
	}
	v.cited = true
	f := &Finding{Cause: "the Overlord could not start the peon: most likely no pod got an IP within druid.indexer.runner.k8sjobLaunchTimeout (default PT1H)"}
	f.add("Overlord errorMsg: %s", msg.OneLine(st.ErrorMsg))
	if st.Location.Host == "" {
		f.add("the Overlord never saw the task at a location (no pod IP)")
	}
	f.Fix = []string{
		"the Overlord's log says why (\"Failed to run task\", \"Timeout waiting for pod\", \"appeared and disappeared\"): kubectl logs -n NS OVERLORD_POD | grep " + v.ev.TaskID,
		"the Job's events, if under an hour old: kubectl get events -n " + v.ev.Namespace + " --field-selector involvedObject.kind=Job",
	}
	return f
}

// statusNotPushed: the peon logged SUCCESS, but the Overlord found no
// status.json in task-log storage: task-log storage is not configured on
// the peon (apache/druid#17848).
func statusNotPushed(v *view) *Finding {
	st := v.status
	if st == nil || !noStatusMsg(st.ErrorMsg) {
		return nil
	}
	success := ""
	for i, l := range v.lines {
		if !strings.Contains(l, "Task completed with status:") {
			continue
		}
		for _, next := range v.lines[i:min(i+6, len(v.lines))] {
			if strings.Contains(next, `"status" : "SUCCESS"`) || strings.Contains(next, `"status":"SUCCESS"`) {
				success = strings.TrimSpace(next)
			}
		}
	}
	if success == "" {
		return nil
	}
	v.cited = true
	f := &Finding{Cause: "the peon finished with SUCCESS, but its status never reached task-log storage, so the Overlord recorded FAILED (" + msg.OneLine(st.ErrorMsg) + ")"}
	f.add("the peon's log: Task completed with status: … %s", success)
	if line, ok := v.lineWith("Finished peon task"); ok {
		f.add("the peon's log: %s", shorten(line, 200))
	}
	f.add("Overlord errorMsg: %s", msg.OneLine(st.ErrorMsg))
	f.Fix = []string{
		"configure task-log storage on the peon as on the Overlord: the same druid.indexer.logs.* (type, bucket or directory, prefix, credentials) in the peon's runtime properties",
		"the Overlord reads the task's status from status.json in task-log storage, which the peon writes at its end",
	}
	return f
}

// noLogs: the Overlord saved only its placeholder: it could read no log
// from container "main" when the task ended (apache/druid#15527).
func noLogs(v *view) *Finding {
	var line string
	for _, l := range v.ev.Logs {
		if l.Source != FromOverlord {
			continue
		}
		for _, s := range l.Lines() {
			if placeholderLog.MatchString(s) {
				line = s
			}
		}
	}
	if line == "" {
		return nil
	}
	f := &Finding{Cause: "Druid saved no log of the peon, only its placeholder (\"did not report any logs\"): " +
		"when the task ended the Overlord could not read container main's log (pod evicted or deleted, or no container named main)"}
	f.add("saved log: %s", shorten(line, 300))
	if st := v.status; st != nil && noStatusMsg(st.ErrorMsg) {
		v.cited = true
		f.add("Overlord errorMsg: %s", msg.OneLine(st.ErrorMsg))
	}
	pod := "POD"
	if st := v.status; st != nil && st.Location.K8sPodName != "" {
		pod = st.Location.K8sPodName
	}
	f.Fix = []string{
		"the cause is in Kubernetes: the pod's events (kept about an hour): kubectl get events -n " + v.ev.Namespace + " --field-selector involvedObject.name=" + pod,
		"and the node's metrics at that time (memory, disk pressure)",
	}
	return f
}

// taskFailed: the Overlord says FAILED with an errorMsg that no other
// finding quoted: its words are the lead.
func taskFailed(v *view) *Finding {
	st := v.status
	if st == nil || st.Phase() != overlord.PhaseFailed || v.cited {
		return nil
	}
	f := &Finding{Cause: "the Overlord says FAILED: " + orText(msg.OneLine(st.ErrorMsg), "(no errorMsg)")}
	f.add("Overlord statusCode FAILED after %s, errorMsg: %s", time.Duration(st.Duration)*time.Millisecond, orText(msg.OneLine(st.ErrorMsg), "(none)"))
	if t := v.term; t != nil && t.ExitCode == 0 {
		f.Cause += fmt.Sprintf(" (its container %s exited 0: the task failed inside Druid, not its container)", v.name)
		f.add("container %s exited 0", v.name)
	}
	f.Fix = []string{"the task's log says why, from its first ERROR: kubectl druid-logs follow " + v.ev.TaskID + " --overlord URL"}
	return f
}

func noStatusMsg(s string) bool {
	return strings.Contains(s, errNoStatus) || strings.Contains(s, "task status not found")
}
