package postmortem

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// The Druid signatures: what the Overlord recorded (errorMsg, the stored
// location) and saved (the task log), in the words of its source
// (druidmsg.go lists them by version).

// placeholderLog is the log the Overlord saves when it could read none
// (KubernetesPeonLifecycle.saveLogs, Druid 29+, apache/druid#15527):
// "Peon for task [%s] did not report any logs. Check k8s metrics and
// events for the pod to see what happened." with the K8sTaskId.
var placeholderLog = regexp.MustCompile(`Peon for task \[.*\] did not report any logs`)

// ran says whether the peon ever ran: the location Druid saved at the end
// has the pod's IP or name (Druid 28+), or the pod is still there with an IP.
func (v *view) ran() (string, bool) {
	if st := v.status; st != nil && (st.Location.Host != "" || st.Location.K8sPodName != "") {
		return fmt.Sprintf("the Overlord saw the peon running at %s:%d, pod %s", msg.OrNone(st.Location.Host), st.Location.Port, msg.OrNone(st.Location.K8sPodName)), true
	}
	if p := v.ev.Pod; p != nil && p.Status.PodIP != "" {
		return fmt.Sprintf("pod %s got IP %s", p.Name, p.Status.PodIP), true
	}
	return "", false
}

// overlordGrep is the command that finds the task's lines in the
// Overlord's log: by the task's ID and its Job's name, since some of
// Druid's lines name only the Job ("Pod for job[%s] launched. Waiting for
// pod to be in running state.", 36+).
func (v *view) overlordGrep() string {
	pats := []string{v.ev.TaskID}
	for _, j := range v.ev.JobNames {
		if j != "" && j != v.ev.TaskID {
			pats = append(pats, j)
		}
	}
	e := ""
	for _, p := range pats {
		e += " -e '" + p + "'"
	}
	return "the Overlord's lines about the task name it or only its Job: kubectl logs OVERLORD_POD | grep -F" + e +
		" (Druid's default log4j2 writes them to a file instead: kubectl exec OVERLORD_POD -- grep -F" + e + " log/overlord.log)"
}

// quote cites the Overlord's errorMsg.
func (v *view) quote(f *Finding) {
	v.cited = true
	f.add("Overlord errorMsg: %s", msg.OneLine(v.status.ErrorMsg))
}

// launchFailed: "Failed to run task" and the peon never ran: the runner's
// future failed before the pod got an IP.
func launchFailed(v *view) *Finding {
	if v.kind != msgFailedToRun {
		return nil
	}
	if _, ok := v.ran(); ok {
		return nil
	}
	f := &Finding{Cause: "the Overlord could not start the peon (\"Failed to run task\"): its pod never got an IP: no pod ready within " +
		"druid.indexer.runner.k8sjobLaunchTimeout (default PT1H), a pod that could not be created (quota, LimitRange, admission), " +
		"a Job that could not be created, or a pod deleted before it ran"}
	v.quote(f)
	f.add("the Overlord never saw the task at a location (no pod IP, no pod name)")
	v.overlordCause(f)
	id, job := v.ev.TaskID, v.jobName()
	f.Fix = []string{
		v.overlordGrep(),
		"the cause is in these lines (by version): \"Task[" + id + "] failed because …\" (35+: no pod appeared, or the Job's events say \"failed to create pods\"), " +
			"\"Task[" + id + "] execution caught an exception\" (35+; 27-34 \"Task [" + id + "] execution caught an exception\") with its stack trace to the last \"Caused by:\": " +
			"fabric8's \"Timed out waiting for [N] milliseconds for [Pod]\" is the launch timeout, \"K8s pod for the task[" + id + "] appeared and disappeared\" a pod gone before it ran; " +
			"with useK8sSharedInformers=true (36+) \"Timed out waiting for pod for job[" + job + "] to be created and ready\"; " +
			"\"Pod for job[" + job + "] launched. Waiting for pod to be in running state.\" (36+) says the pod existed but got no IP",
		"the Job's events, if under an hour old: kubectl get events -n " + v.ev.Namespace + " --field-selector involvedObject.kind=Job,involvedObject.name=" + job,
	}
	return f
}

// failedAfterStart: "Failed to run task" although the peon ran: the
// runner's future failed in join(), while it waited for the Job.
func failedAfterStart(v *view) *Finding {
	if v.kind != msgFailedToRun {
		return nil
	}
	where, ok := v.ran()
	if !ok {
		return nil
	}
	f := &Finding{Cause: "the Overlord's runner failed after the peon started (\"Failed to run task\"): its wait for the Job to end threw " +
		"(a Kubernetes API error, the Job or pod gone mid-wait), so Druid recorded no status of the peon's own"}
	v.quote(f)
	f.add("%s: the pod got an IP, so the launch succeeded", where)
	if p := v.peonEnd(); p.read {
		f.add("the peon's log ends: %s", shorten(p.last, 300))
	}
	v.overlordCause(f)
	id := v.ev.TaskID
	f.Fix = []string{
		v.overlordGrep(),
		"the cause is the stack trace under \"Task[" + id + "] execution caught an exception\" (35+; 27-34 \"Task [" + id + "] execution caught an exception\") " +
			"and TaskQueue's \"Failed to run task: {exceptionType=…, exceptionMessage=…}\": read it to the last \"Caused by:\"",
		"the peon's own end is in its saved log: kubectl druid-logs follow " + id + " --overlord URL",
	}
	return f
}

// overlordCause quotes, from the Overlord's lines, why the runner failed:
// KubernetesTaskRunner's "Task[%s] failed because %s" (35+), or "Task[%s]
// execution caught an exception" (35+; 27-34 "Task [%s] …") and the
// root cause of its stack trace (the last "Caused by:").
func (v *view) overlordCause(f *Finding) {
	lines := v.ev.OverlordLines
	for i, l := range lines {
		switch {
		case strings.Contains(l, "] failed because "):
			f.add("the Overlord's log: %s", shorten(l, 400))
			return
		case strings.Contains(l, "execution caught an exception"):
			f.add("the Overlord's log: %s", shorten(l, 300))
			root := ""
			for _, t := range lines[i+1:] {
				if logLinePrefix.MatchString(t) {
					break
				}
				if strings.HasPrefix(strings.TrimSpace(t), "Caused by:") || (root == "" && javaException.MatchString(t) && !strings.HasPrefix(strings.TrimSpace(t), "at ")) {
					root = strings.TrimSpace(t)
				}
			}
			if root != "" {
				f.add("its root cause: %s", shorten(root, 400))
				f.Cause += "; the Overlord's log says: " + shorten(root, 200)
			}
			return
		}
	}
}

// taskNotReady: isReady() threw (TaskQueue): no Job was made.
func taskNotReady(v *view) *Finding {
	if v.kind != msgNotReady {
		return nil
	}
	inner := strings.TrimPrefix(v.status.ErrorMsg, errNotReadyPrefix)
	if i := strings.LastIndex(inner, errNotReadySuffix); i >= 0 {
		inner = inner[:i]
	}
	f := &Finding{Cause: "the task never became ready to run (its locks could not be acquired): " + shorten(inner, 200)}
	v.quote(f)
	f.add("no Job was made: the Overlord fails a task whose isReady() throws before it reaches the runner")
	f.Fix = []string{
		"TaskQueue's WARN \"Exception thrown during isReady for task: " + v.ev.TaskID + "\" has the stack trace: " + v.overlordGrep(),
		"a lock conflict means another task holds the interval: kubectl druid-logs list, or the console's Tasks view, for the same dataSource",
	}
	return f
}

// lockReacquire: a new leader could not reacquire the task's lock.
func lockReacquire(v *view) *Finding {
	if v.kind != msgLockReacquire {
		return nil
	}
	f := &Finding{Cause: "the Overlord's leader changed and the new leader could not reacquire the task's lock, so it shut the task down"}
	v.quote(f)
	f.Fix = []string{
		"find the leader change in the new leader's log: \"By the power of Grayskull, I have the power. I am the leader\" (32+; ≤31 \"…I have the power!\"), then its TaskLockbox lines about " + v.ev.TaskID,
		"why the leader changed: the Overlords' restarts (kubectl get pods -l component=overlord) and ZooKeeper or Kubernetes leader-election trouble",
	}
	return f
}

// userShutdown: someone asked Druid to stop the task.
func userShutdown(v *view) *Finding {
	if v.kind != msgUserShutdown {
		return nil
	}
	f := &Finding{Cause: "the task was shut down through the Overlord's API (the console's Shutdown, POST /druid/indexer/v1/task/ID/shutdown, or a datasource's tasks all at once)"}
	v.quote(f)
	if p := v.peonEnd(); p.stopped != "" {
		f.add("the peon's log: %s", shorten(p.stopped, 200))
	}
	f.Fix = []string{
		"nothing failed in the task: find who called /druid/indexer/v1/task/" + v.ev.TaskID + "/shutdown (or /datasources/DS/shutdownAllTasks) in the Overlord's request log " +
			"(logger org.apache.druid.jetty.RequestLog at DEBUG) or your proxy's access log",
	}
	return f
}

// statusNotPushed: the peon logged its end ("Task completed with
// status"), but the Overlord found no status.json in task-log storage:
// the peon cannot write there (apache/druid#17848).
func statusNotPushed(v *view) *Finding {
	if v.kind != msgNoStatus {
		return nil
	}
	p := v.peonEnd()
	if p.completed == "" {
		return nil
	}
	v.cited = true
	st := orText(p.status, "its status")
	f := &Finding{Cause: "the peon finished with " + st + ", but its status never reached task-log storage, so the Overlord recorded FAILED (" + msg.OneLine(v.status.ErrorMsg) + ")"}
	f.add("the peon's log: %s … \"status\" : %q", shorten(p.completed, 200), p.status)
	if line, ok := v.lineWith(peonFinished); ok {
		f.add("the peon's log: %s", shorten(line, 200))
	}
	f.add("Overlord errorMsg: %s", msg.OneLine(v.status.ErrorMsg))
	f.Fix = []string{
		"configure task-log storage on the peon as on the Overlord: the same druid.indexer.logs.* (type, bucket or directory, prefix, credentials) in the peon's runtime properties",
		"the Overlord reads the task's status from status.json in task-log storage, which the peon writes at its end",
	}
	return f
}

// statusUnreadable: status.json is there, but the Overlord could not read it.
func statusUnreadable(v *view) *Finding {
	if v.kind != msgLoadStatus {
		return nil
	}
	f := &Finding{Cause: "the Overlord could not read the peon's status.json from task-log storage: " + shorten(strings.TrimPrefix(v.status.ErrorMsg, errLoadStatus), 200)}
	v.quote(f)
	f.Fix = []string{
		"check the Overlord's druid.indexer.logs.* settings and credentials (and its network path to the store): the peon wrote status.json, the Overlord could not read it",
		"KubernetesPeonLifecycle's ERROR \"Failed to load task status for task [" + v.ev.TaskID + "]\" has the stack trace: " + v.overlordGrep(),
	}
	return f
}

// noLogs: the Overlord saved only its placeholder: it could read no log
// from container "main" when the task ended (apache/druid#15527).
func noLogs(v *view) *Finding {
	p := v.peonEnd()
	if p.placeholder == "" {
		return nil
	}
	found := false
	for _, l := range v.ev.Logs {
		if l.Source == FromOverlord && placeholderLog.Match(l.Text) {
			found = true
		}
	}
	if !found {
		return nil
	}
	f := &Finding{Cause: "Druid saved no log of the peon, only its placeholder (\"did not report any logs\"): " +
		"when the task ended the Overlord could not read container main's log (pod evicted or deleted, its node gone, or no container named main)"}
	f.add("saved log: %s", shorten(p.placeholder, 300))
	if v.kind == msgNoStatus {
		v.quote(f)
	}
	f.Fix = []string{
		"the cause is in Kubernetes: the pod's events (kept about an hour): kubectl get events -n " + v.ev.Namespace + " --field-selector involvedObject.name=" + v.podName(),
		"and the node's metrics at that time (memory, disk pressure)",
	}
	return f
}

// taskError: the Overlord's errorMsg is the task's own: it ran, pushed its
// status, and failed inside Druid.
func taskError(v *view) *Finding {
	if v.kind != msgOwn || v.status.Phase() != overlord.PhaseFailed {
		return nil
	}
	f := &Finding{Cause: "the task itself failed: " + shorten(v.status.ErrorMsg, 240)}
	v.quote(f)
	if t := v.term; t != nil && t.ExitCode == 0 {
		f.add("container %s exited 0: the task failed inside Druid, not its container", v.name)
	}
	if line, ok := v.firstError(); ok {
		f.add("the log's first ERROR: %s", shorten(line, 300))
	}
	for _, l := range v.lastLines(5) {
		f.add("log: %s", shorten(l, 300))
	}
	f.Fix = []string{"the task's whole log says why, from its first ERROR: kubectl druid-logs follow " + v.ev.TaskID + " --overlord URL"}
	return f
}

// taskFailed: the Overlord says FAILED and no other finding explained it.
func taskFailed(v *view) *Finding {
	st := v.status
	if st == nil || st.Phase() != overlord.PhaseFailed || v.cited {
		return nil
	}
	f := &Finding{Cause: "the Overlord says FAILED: " + orText(msg.OneLine(st.ErrorMsg), "(no errorMsg)")}
	f.add("Overlord statusCode FAILED%s, errorMsg: %s", after(st.Duration), orText(msg.OneLine(st.ErrorMsg), "(none)"))
	if t := v.term; t != nil && t.ExitCode == 0 {
		f.Cause += fmt.Sprintf(" (its container %s exited 0: the task failed inside Druid, not its container)", v.name)
		f.add("container %s exited 0", v.name)
	}
	f.Fix = []string{"the task's log says why, from its first ERROR: kubectl druid-logs follow " + v.ev.TaskID + " --overlord URL"}
	return f
}

// after formats " after D" for a duration in ms; Druid reports -1 when it
// has none (a failed Job has no completionTime).
func after(ms int64) string {
	if ms < 0 {
		return ""
	}
	return " after " + (time.Duration(ms) * time.Millisecond).String()
}

// firstError is the logs' first ERROR line.
func (v *view) firstError() (string, bool) {
	for _, l := range v.lines {
		if strings.Contains(l, " ERROR [") {
			return strings.TrimSpace(l), true
		}
	}
	return "", false
}

// lastLines are the last n non-empty lines of the last log read (the
// saved one when there is one).
func (v *view) lastLines(n int) []string {
	if len(v.ev.Logs) == 0 {
		return nil
	}
	var out []string
	for _, l := range v.ev.Logs[len(v.ev.Logs)-1].Lines() {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out[max(0, len(out)-n):]
}

// jobName is the task's Job's name, or JOB when unknown.
func (v *view) jobName() string {
	if len(v.ev.JobNames) > 0 {
		return v.ev.JobNames[0]
	}
	return "JOB"
}

// podName is the task's pod's name, or POD when unknown.
func (v *view) podName() string {
	switch {
	case v.ev.Pod != nil:
		return v.ev.Pod.Name
	case v.status != nil && v.status.Location.K8sPodName != "":
		return v.status.Location.K8sPodName
	}
	return "POD"
}
