package postmortem

import (
	"regexp"
	"strings"
)

// The errorMsg values a stock Overlord stores for a Kubernetes-runner task,
// by Druid version. Sources: apache/druid master @4c0f5240c1 (39.0.0-SNAPSHOT)
// unless another version is named; extensions-core/kubernetes-overlord-extensions
// for the runner's, indexing-service for TaskQueue's and OverlordResource's.
const (
	// KubernetesPeonLifecycle.getTaskStatus:328, Druid 29+ (#15527): the Job
	// ended or vanished and status.json is not in task-log storage.
	errNoStatus = "Peon did not report status successfully."
	// The same, Druid 27-28.
	errNoStatus27 = "task status not found"
	// KubernetesPeonLifecycle.getTaskStatus:333-336, Druid 27+: "error
	// loading status: %s" with the IOException's message.
	errLoadStatus = "error loading status: "
	// TaskQueue.FAILED_TO_RUN_TASK_SEE_OVERLORD_MSG (:110), every version:
	// the runner's future failed.
	errFailedToRun = "Failed to run task. See overlord logs for more details."
	// OverlordResource.doShutdown / shutdownTasksForDataSource (:382, :402).
	errUserShutdown = "Shutdown request from user"
	// TaskQueue.start (:232-233): a new leader could not reacquire its lock.
	errLockReacquire = "Shutting down forcefully as task failed to reacquire lock while becoming leader"
	// TaskQueue (:451-461): "Encountered error[%s] while waiting for task to
	// be ready. See Overlord logs for more details." (isReady() threw).
	errNotReadyPrefix, errNotReadySuffix = "Encountered error[", "] while waiting for task to be ready."
	// KubernetesTaskRunner, Druid 26: "K8s Job for task disappeared before
	// completion: " + K8sTaskId ("[ id, job]").
	errJobDisappeared26 = "K8s Job for task disappeared before completion: "
	// KubernetesTaskRunner, Druid 26: "Task failed: " + K8sTaskId.
	errTaskFailed26 = "Task failed: [ "
	// KubernetesTaskRunner, Druid 25: the format's "%s" printed as is.
	errTaskFailed25 = "Task failed %s: [ "
)

// msgKind is what an errorMsg says happened.
type msgKind int

// The kinds of errorMsg.
const (
	msgNone msgKind = iota
	// msgNoStatus: the peon left no status (29+, 27-28).
	msgNoStatus
	msgLoadStatus
	msgFailedToRun
	msgUserShutdown
	msgLockReacquire
	msgNotReady
	// msgJobDisappeared: Druid 26's vanished Job.
	msgJobDisappeared
	// msgJobFailed: Druid 25/26's failed Job.
	msgJobFailed
	// msgOwn: anything else is the task's own words, from its status.json.
	msgOwn
)

// kindOf classifies an errorMsg.
func kindOf(s string) msgKind {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return msgNone
	case strings.HasPrefix(s, strings.TrimSuffix(errNoStatus, ".")) || s == errNoStatus27:
		return msgNoStatus
	case strings.HasPrefix(s, errLoadStatus):
		return msgLoadStatus
	case strings.HasPrefix(s, strings.TrimSuffix(errFailedToRun, " for more details.")):
		return msgFailedToRun
	case s == errUserShutdown:
		return msgUserShutdown
	case strings.HasPrefix(s, errLockReacquire):
		return msgLockReacquire
	case strings.HasPrefix(s, errNotReadyPrefix) && strings.Contains(s, errNotReadySuffix):
		return msgNotReady
	case strings.HasPrefix(s, errJobDisappeared26):
		return msgJobDisappeared
	case strings.HasPrefix(s, errTaskFailed26), strings.HasPrefix(s, errTaskFailed25):
		return msgJobFailed
	}
	return msgOwn
}

// killed says whether the errorMsg is one a killed peon leaves: no status
// (27+), or Druid 25/26's failed or vanished Job.
func (k msgKind) killed() bool {
	return k == msgNoStatus || k == msgJobDisappeared || k == msgJobFailed
}

// The peon's own log (Druid's log4j2 pattern "%d{ISO8601} %p [%t] %c - %m%n").
const (
	// ExecutorLifecycle: the task finished, whatever its status.
	peonCompleted = "Task completed with status:"
	// CliPeon: the peon's normal end.
	peonFinished = "Finished peon task"
)

// peonStopLines are what a peon logs when it gets SIGTERM: its lifecycle
// stops the task (SingleTaskBackgroundRunner.stop "Starting graceful
// shutdown of task[%s].", SeekableStreamIndexTaskRunner "Stopping
// forcefully (status: [%s])" / "Stopping gracefully (status: [%s])").
var peonStopLines = []string{"Starting graceful shutdown of task[", "Stopping forcefully (status: [", "Stopping gracefully (status: ["}

// The Overlord's own lines about a Job, by version (KubernetesPeonClient;
// CachingKubernetesPeonClient with useK8sSharedInformers=true, 36+).
var (
	// 36+ WARN "Task[%s] failed with status[%s]", 27-35 "Task %s failed
	// with status %s", informer "K8s job[%s] failed with status %s"; the
	// status is fabric8's JobStatus.toString().
	ovlJobFailed = regexp.MustCompile(`failed with status\[?JobStatus\(`)
	// 36+ INFO "K8s job for the task[%s] was not found. It can happen if the
	// task was canceled" (27-35 "task [%s]"), informer WARN "K8s Job[%s] was
	// not found. ...".
	ovlJobNotFound = regexp.MustCompile(`K8s (?:job for the task ?|Job)\[.*\] was not found\. It can happen if the task was canceled`)
	// fields of JobStatus.toString() and JobCondition.toString().
	jobStatusField = regexp.MustCompile(`\b(failed|reason|message)=([^,)\]]*)`)
)

// jobStatus is what an Overlord line says of a failed Job.
type jobStatus struct {
	line, failed, reason, message string
}

// overlordJobFailed finds the Overlord's line that the Job failed.
func (v *view) overlordJobFailed() (jobStatus, bool) {
	for _, l := range v.ev.OverlordLines {
		if !ovlJobFailed.MatchString(l) {
			continue
		}
		js := jobStatus{line: strings.TrimSpace(l)}
		for _, m := range jobStatusField.FindAllStringSubmatch(l, -1) {
			switch m[1] {
			case "failed":
				js.failed = orText(js.failed, m[2])
			case "reason":
				js.reason = orText(js.reason, m[2])
			case "message":
				js.message = orText(js.message, m[2])
			}
		}
		return js, true
	}
	return jobStatus{}, false
}

// describe says it in one line.
func (js jobStatus) describe() string {
	s := "the Job failed"
	if js.failed != "" {
		s += ": failed=" + js.failed
	}
	if js.reason != "" {
		s += ", condition Failed reason=" + js.reason
		if js.message != "" {
			s += " (" + js.message + ")"
		}
	}
	return s
}

// overlordJobNotFound finds the Overlord's line that the Job vanished.
func (v *view) overlordJobNotFound() (string, bool) {
	for _, l := range v.ev.OverlordLines {
		if ovlJobNotFound.MatchString(l) {
			return strings.TrimSpace(l), true
		}
	}
	return "", false
}

// peonLog is what the peon's log (the pod's, else the one Druid saved)
// says of its end.
type peonLog struct {
	// read: a log of the peon was read (not only the placeholder).
	read bool
	// placeholder: Druid saved only its "did not report any logs" text.
	placeholder string
	// completed is the "Task completed with status:" line and the status
	// it names; stopped the first graceful-stop line; heapOOM an
	// OutOfMemoryError; crash the first exception line.
	completed, status, stopped, heapOOM, crash string
	// last is the log's last line.
	last string
}

// peonEnd reads how the peon's log ends.
func (v *view) peonEnd() peonLog {
	var p peonLog
	for _, l := range v.ev.Logs {
		for _, s := range l.Lines() {
			if placeholderLog.MatchString(s) {
				p.placeholder = strings.TrimSpace(s)
				continue
			}
			if strings.TrimSpace(s) == "" {
				continue
			}
			p.read, p.last = true, strings.TrimSpace(s)
		}
	}
	level := ""
	for i, l := range v.lines {
		if m := logLinePrefix.FindStringSubmatch(l); m != nil {
			level = m[1]
		}
		switch {
		case strings.Contains(l, peonCompleted) && p.completed == "":
			p.completed = strings.TrimSpace(l)
			for _, next := range v.lines[i:min(i+6, len(v.lines))] {
				if _, st, ok := strings.Cut(next, `"status" : "`); ok {
					p.status, _, _ = strings.Cut(st, `"`)
				} else if _, st, ok := strings.Cut(next, `"status":"`); ok {
					p.status, _, _ = strings.Cut(st, `"`)
				}
			}
		case p.stopped == "" && containsAny(l, peonStopLines...):
			p.stopped = strings.TrimSpace(l)
		case p.heapOOM == "" && strings.Contains(l, "java.lang.OutOfMemoryError"):
			p.heapOOM = strings.TrimSpace(l)
		case p.crash == "" && i >= len(v.lines)-crashTail && (level == "" || level == "ERROR") && javaException.MatchString(l):
			p.crash = strings.TrimSpace(l)
		}
	}
	return p
}

// crashTail is how many of the log's last lines can hold the exception
// that ended the peon: one in an ERROR line or its stack trace, or in a
// line before any log line ("Exception in thread …"); a healthy peon's
// WARN lines often carry exceptions (RetryUtils' "Retrying (%d of %d)").
const crashTail = 30

// logLinePrefix is Druid's "%d{ISO8601} %p [%t]" start of a line.
var logLinePrefix = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} ([A-Z]+) \[`)

// abrupt: the peon's log ends mid-task, with no end of any kind.
func (p peonLog) abrupt() bool {
	return p.read && p.completed == "" && p.stopped == "" && p.heapOOM == "" && p.crash == ""
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
