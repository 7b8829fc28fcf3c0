package postmortem

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
)

// Signature is a known way for a Druid task on Kubernetes to fail, and how
// to recognise it in the evidence.
type Signature struct {
	// ID is stable: scripts match on it.
	ID    string
	Title string
	// Reference is where the failure mode is discussed.
	Reference string
	// Known is false for the generic fallbacks.
	Known bool
	// On lists the outcomes the signature can explain.
	On    []Outcome
	match func(*view) *Finding
}

func (s Signature) applies(o Outcome) bool {
	for _, x := range s.On {
		if x == o {
			return true
		}
	}
	return false
}

// The signatures' IDs that other code refers to.
const (
	sigNoMain = "no-main-container"
)

var (
	failed      = []Outcome{Failed}
	stuck       = []Outcome{Failed, Pending, Running}
	logsMissing = []Outcome{Failed, Succeeded}
	always      = []Outcome{Failed, Succeeded, Pending, Running}
)

// Signatures are matched in this order; the first match is the verdict,
// the others are listed after it. Causes come before their consequences:
// an OOMKilled container before the Job's backoff limit it exhausted.
var Signatures = []Signature{
	{ID: "oom-killed", Title: "container OOMKilled", Known: true, On: failed, match: oomKilled},
	{ID: "evicted", Title: "pod evicted", Reference: "apache/druid#15527", Known: true, On: failed, match: evicted},
	{ID: "deadline-exceeded", Title: "Job deadline exceeded (maxTaskDuration)", Known: true, On: failed, match: deadlineExceeded},
	{ID: "node-lost", Title: "the pod's node was lost", Known: true, On: failed, match: nodeLost},
	{ID: "direct-memory", Title: "out of direct memory", Reference: "apache/druid#19385", Known: true, On: failed, match: directMemory},
	{ID: "heap-oom", Title: "Java heap exhausted", Known: true, On: failed, match: heapOOM},
	{ID: "image-pull", Title: "image cannot be pulled", Known: true, On: stuck, match: imagePull},
	{ID: "never-scheduled", Title: "pod never scheduled", Reference: "apache/druid#14425", Known: true, On: stuck, match: neverScheduled},
	{ID: "launch-failed", Title: "the Overlord could not start the peon", Reference: "apache/druid#14425", Known: true, On: failed, match: launchFailed},
	{ID: "failed-after-start", Title: "the Overlord's runner failed after the peon started", Known: true, On: failed, match: failedAfterStart},
	{ID: "task-not-ready", Title: "the task never became ready (locks)", Known: true, On: failed, match: taskNotReady},
	{ID: "lock-reacquire-failed", Title: "lock lost in a leader change", Known: true, On: failed, match: lockReacquire},
	{ID: "shutdown-by-user", Title: "shut down through the Overlord's API", Known: true, On: failed, match: userShutdown},
	{ID: sigNoMain, Title: `no container named "main"`, Reference: "apache/druid#18747", Known: true, On: always, match: noMainContainer},
	{ID: "status-not-pushed", Title: "peon finished, status not pushed", Reference: "apache/druid#17848", Known: true, On: failed, match: statusNotPushed},
	{ID: "status-unreadable", Title: "the Overlord could not read the peon's status", Known: true, On: failed, match: statusUnreadable},
	{ID: "peon-deleted", Title: "the peon's Job was deleted while it ran", Known: true, On: failed, match: peonDeleted},
	{ID: "peon-stopped", Title: "the peon got SIGTERM while it ran", Known: true, On: failed, match: peonStopped},
	{ID: "job-disappeared", Title: "the Job disappeared (Druid 26)", Known: true, On: failed, match: jobDisappeared},
	{ID: "container-error", Title: "container exited non-zero", On: failed, match: containerError},
	{ID: "peon-no-status", Title: "the peon stopped without pushing its status", Reference: "apache/druid#15527", Known: true, On: failed, match: peonNoStatus},
	{ID: "no-logs", Title: "placeholder log: the peon reported no logs", Reference: "apache/druid#15527", Known: true, On: logsMissing, match: noLogs},
	{ID: "job-failed", Title: "Job failed (BackoffLimitExceeded)", Known: true, On: failed, match: jobFailed},
	{ID: "task-error", Title: "the task itself failed", Known: true, On: failed, match: taskError},
	{ID: "task-failed", Title: "the Overlord says FAILED", On: failed, match: taskFailed},
}

// oomKilled: the kernel killed the container at its memory limit
// (terminated reason OOMKilled, exit 137).
func oomKilled(v *view) *Finding {
	t := v.term
	if t == nil || t.Reason != "OOMKilled" {
		return nil
	}
	limit := memoryLimit(v.spec)
	f := &Finding{Cause: fmt.Sprintf("container %s was OOMKilled (exit %d): the peon used more memory than its limit %s", v.name, t.ExitCode, limit)}
	if limit == "" {
		f.Cause = fmt.Sprintf("container %s was OOMKilled (exit %d): it has no memory limit, so the node itself ran out of memory", v.name, t.ExitCode)
	}
	f.add("container %s terminated: OOMKilled, exit %d%s", v.name, t.ExitCode, finishedAgo(t.FinishedAt.Time, v.ev.Now))
	if limit != "" {
		f.add("memory limit %s", limit)
	}
	if j := jvmOf(v.spec); j.heap > 0 || j.direct > 0 {
		f.add("JVM flags (%s): %s", j.where, j.describe(limit))
	}
	f.Fix = []string{
		"give the peon more memory: raise resources.limits.memory of container " + v.name + " (customTemplateAdapter: in the pod template; " +
			"overlordSingleContainer/overlordMultiContainer: Druid sizes it at 1.2 × (-Xmx + -XX:MaxDirectMemorySize) of druid.indexer.runner.javaOptsArray)",
		"or make the JVM fit under the limit: -Xmx + -XX:MaxDirectMemorySize + about 25% for the JVM itself must stay below it",
	}
	return f
}

// directMemory: Druid refuses to start, or the JVM fails, for want of
// direct memory; when the pod's flags say otherwise than the JVM detected,
// they did not reach it (apache/druid#19385).
func directMemory(v *view) *Finding {
	line, ok := v.lineWith("Not enough direct memory", "OutOfMemoryError: Direct buffer memory", "Cannot reserve", "Cannot allocate direct memory")
	if !ok {
		return nil
	}
	f := &Finding{Cause: "the peon ran out of direct memory: " + shorten(line, 160)}
	f.add("log: %s", shorten(line, 400))
	detected, hasDetected := v.lineWith("Detected max direct memory size of [")
	if hasDetected {
		f.add("log: %s", shorten(detected, 300))
	}
	j := jvmOf(v.spec)
	if j.directFlag != "" {
		got := detectedDirect(detected)
		f.add("the pod sets %s (%s)", j.directFlag, j.where)
		if hasDetected && got > 0 && got != j.direct {
			f.add("but the peon's JVM detected %s: the flag did not reach the JVM", humanBytes(got))
			f.Cause = fmt.Sprintf("the peon ran out of direct memory: the pod sets %s, but the JVM got %s (the flag did not reach the peon)", j.directFlag, humanBytes(got))
		}
	}
	f.Fix = []string{
		"make the flags reach the peon's JVM: peon.sh starts it with JAVA_OPTS (and, with apache/druid#18700, DRUID_MAXDIRECTMEMORYSIZE, DRUID_XMX); " +
			"the peon's log line \"Detected max direct memory size\" shows what it got",
		"size it: -XX:MaxDirectMemorySize ≥ druid.processing.buffer.sizeBytes × (druid.processing.numMergeBuffers + druid.processing.numThreads + 1), and the memory limit above heap + direct",
	}
	return f
}

// heapOOM: the JVM's heap ran out (java.lang.OutOfMemoryError).
func heapOOM(v *view) *Finding {
	line, ok := v.lineWith("OutOfMemoryError: Java heap space", "OutOfMemoryError: GC overhead limit exceeded", "OutOfMemoryError: Requested array size")
	if !ok {
		return nil
	}
	f := &Finding{Cause: "the peon's Java heap ran out: " + shorten(line, 160)}
	f.add("log: %s", shorten(line, 400))
	if t := v.term; t != nil {
		f.add("container %s terminated: %s, exit %d", v.name, orText(t.Reason, "Error"), t.ExitCode)
	}
	if j := jvmOf(v.spec); j.heapFlag != "" {
		f.add("heap: %s (%s)", j.heapFlag, j.where)
	}
	f.Fix = []string{
		"raise -Xmx (JAVA_OPTS in the pod template, or druid.indexer.runner.javaOptsArray) and the container's memory limit with it",
		"or make the task need less heap: lower maxRowsInMemory / maxBytesInMemory in its tuningConfig",
	}
	return f
}

// noMainContainer: Druid reads peon logs only from the container named
// "main" (KubernetesPeonClient); a template naming it otherwise loses the
// live log and the saved one.
func noMainContainer(v *view) *Finding {
	spec := v.ev.podSpec()
	if spec == nil || len(spec.Containers) == 0 {
		return nil
	}
	var names []string
	for _, c := range spec.Containers {
		if c.Name == druid.MainContainer {
			return nil
		}
		names = append(names, c.Name)
	}
	f := &Finding{Cause: fmt.Sprintf("the pod has no container named %q (it has %s): Druid reads the peon's log only from %q, so there is no live log and no saved log",
		druid.MainContainer, strings.Join(names, ", "), druid.MainContainer)}
	f.add("containers: %s", strings.Join(names, ", "))
	tmpl := v.ev.podAnnotations()["task.jobTemplate"]
	if tmpl != "" {
		f.add("pod template (task.jobTemplate): %s", tmpl)
	}
	if _, ok := v.lineWith("did not report any logs"); ok {
		f.add("the Overlord saved only its placeholder log (\"did not report any logs\")")
	}
	where := "the pod template"
	if tmpl != "" {
		where = fmt.Sprintf("pod template %q", tmpl)
	}
	f.Fix = []string{fmt.Sprintf("name the Druid container %q in %s (customTemplateAdapter); Druid reads logs only from it", druid.MainContainer, where)}
	return f
}

// finishedAgo formats " at T (D ago)" for a finish time.
func finishedAgo(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf(" at %s (%s ago)", t.UTC().Format(time.RFC3339), now.Sub(t).Round(time.Second))
}

func (f *Finding) add(format string, args ...any) {
	f.Evidence = append(f.Evidence, fmt.Sprintf(format, args...))
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func shorten(s string, n int) string {
	s = msg.OneLine(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// javaException finds a qualified Java exception or error class.
var javaException = regexp.MustCompile(`\b[a-z][\w$]*(?:\.[\w$]+)*\.(?:[\w$]*(?:Exception|Error)|ISE|IAE|UOE|RE)\b`)
