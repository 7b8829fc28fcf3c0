package overlordsim

import (
	"fmt"
	"time"
)

// The Overlord classes that log the live-log flow.
const (
	RunnerClass     = "org.apache.druid.k8s.overlord.KubernetesTaskRunner"
	WorkItemClass   = "org.apache.druid.k8s.overlord.KubernetesWorkItem"
	LifecycleClass  = "org.apache.druid.k8s.overlord.KubernetesPeonLifecycle"
	PeonClientClass = "org.apache.druid.k8s.overlord.common.KubernetesPeonClient"
	OverlordClass   = "org.apache.druid.indexing.overlord.DruidOverlord"
)

// Flow is how an instrumented Overlord's live-log request ends.
type Flow int

// The success flow and the five failures of the diagnostics guide.
const (
	Streamed    Flow = iota // every layer passes; the log stream is returned
	NoWorkItem              // the task runner has no work item for the task
	NoLifecycle             // queued: the work item has no peon lifecycle
	NotRunning              // the lifecycle is PENDING
	WatchError              // the Kubernetes API refused the log watch
	WatchNull               // the client returned a null LogWatch
)

// Record is one log line before its timestamp is set.
type Record struct {
	Level, Thread, Class, Message string
}

// RequestRecords are the lines an instrumented Overlord logs on thread for
// one GET /task/{id}/log of taskID (whose Job is job, in namespace ns).
func RequestRecords(thread, taskID, job, ns string, f Flow) []Record {
	var out []Record
	add := func(level, class, format string, args ...any) {
		out = append(out, Record{level, thread, class, fmt.Sprintf(format, args...)})
	}
	add("INFO", RunnerClass, "📺 [STREAM] API request to stream logs for task [%s] (offset=0)", taskID)
	if f == NoWorkItem {
		add("WARN", RunnerClass, "⚠️  [STREAM] No work item found for task [%s] - task may not exist", taskID)
		add("WARN", RunnerClass, "⚠️  [STREAM] No log stream available for task [%s]", taskID)
		return out
	}
	add("INFO", RunnerClass, "📺 [STREAM] Found work item for task [%s], delegating to streamTaskLogs()", taskID)
	add("INFO", WorkItemClass, "📺 [WORKITEM] streamTaskLogs() called for task [%s]", taskID)
	fail := func() []Record {
		add("WARN", WorkItemClass, "⚠️  [WORKITEM] Peon lifecycle returned no log stream for task [%s]", taskID)
		add("WARN", RunnerClass, "⚠️  [STREAM] No log stream available for task [%s]", taskID)
		return out
	}
	if f == NoLifecycle {
		add("WARN", WorkItemClass, "📺 [WORKITEM] No peon lifecycle available for task [%s] - task may not have started yet", taskID)
		add("WARN", RunnerClass, "⚠️  [STREAM] No log stream available for task [%s]", taskID)
		return out
	}
	add("INFO", WorkItemClass, "📺 [WORKITEM] Peon lifecycle exists for task [%s], delegating to streamLogs()", taskID)
	add("INFO", LifecycleClass, "📺 [LIFECYCLE] streamLogs() called for task [%s]", taskID)
	if f == NotRunning {
		add("INFO", LifecycleClass, "📺 [LIFECYCLE] Current task state: PENDING")
		add("WARN", LifecycleClass, "⚠️  [LIFECYCLE] Task [%s] is not in RUNNING state (state=PENDING), cannot stream logs", taskID)
		return fail()
	}
	add("INFO", LifecycleClass, "📺 [LIFECYCLE] Current task state: RUNNING")
	add("INFO", LifecycleClass, "📺 [LIFECYCLE] Task [%s] is RUNNING, requesting LogWatch from Kubernetes client", taskID)
	add("INFO", PeonClientClass, "📺 [K8S-CLIENT] getPeonLogWatcher() called for task [%s] (K8s job: %s)", taskID, job)
	add("INFO", PeonClientClass, "📺 [K8S-CLIENT] Namespace: %s, Container: main", ns)
	add("INFO", PeonClientClass, "📺 [K8S-CLIENT] Calling Kubernetes API .watchLog() for job [%s]", job)
	switch f {
	case WatchError:
		add("ERROR", PeonClientClass, "❌ [K8S-CLIENT] Error watching logs from task [%s] (job: %s): Pod not found", taskID, job)
		return fail()
	case WatchNull:
		add("WARN", PeonClientClass, "⚠️  [K8S-CLIENT] Kubernetes API returned null LogWatch for job [%s]", job)
		return fail()
	}
	add("INFO", PeonClientClass, "✅ [K8S-CLIENT] Successfully created LogWatch for job [%s]", job)
	add("INFO", LifecycleClass, "✅ [LIFECYCLE] Successfully obtained LogWatch for task [%s], returning output stream", taskID)
	add("INFO", WorkItemClass, "✅ [WORKITEM] Peon lifecycle returned log stream for task [%s]", taskID)
	add("INFO", RunnerClass, "✅ [STREAM] Successfully obtained log stream for task [%s]", taskID)
	return out
}

// TransitionRecords are the lines of taskID's lifecycle becoming RUNNING,
// on a task runner thread.
func TransitionRecords(thread, taskID string) []Record {
	return []Record{
		{"INFO", thread, LifecycleClass, "📊 [LIFECYCLE] Current state before join: PENDING"},
		{"INFO", thread, LifecycleClass, fmt.Sprintf("🔄 [LIFECYCLE] Transitioning task [%s] to RUNNING state", taskID)},
		{"INFO", thread, LifecycleClass, fmt.Sprintf("✅ [LIFECYCLE] Task [%s] now in RUNNING state - logs should be streamable", taskID)},
	}
}

// LeaderRecord is the line of an Overlord becoming the leader.
func LeaderRecord() Record {
	return Record{"INFO", "LeaderSelector[/druid/overlord/_OVERLORD]", OverlordClass, "By the power of Grayskull, I have the power!"}
}

// StockRecords are lines an Overlord without the instrumentation logs
// about a task whose live log could not be read.
func StockRecords(thread, taskID, job string) []Record {
	return []Record{
		{"INFO", "k8s-task-runner-0", PeonClientClass, "Successfully submitted job: " + job + " ... waiting for job to launch"},
		{"ERROR", thread, PeonClientClass, fmt.Sprintf("Error streaming logs from task: [ %s, %s]", taskID, job)},
	}
}

// Interleave merges sequences round-robin, keeping each one's order, as
// concurrent threads write one log.
func Interleave(seqs ...[]Record) []Record {
	var out []Record
	for i := 0; ; i++ {
		more := false
		for _, s := range seqs {
			if i < len(s) {
				out = append(out, s[i])
				more = true
			}
		}
		if !more {
			return out
		}
	}
}

// Render writes records with Druid's pattern %d{ISO8601} %p [%t] %c - %m,
// one millisecond apart from start.
func Render(start time.Time, recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		t := start.Add(time.Duration(i) * time.Millisecond).UTC()
		out[i] = fmt.Sprintf("%s,%03d %s [%s] %s - %s", t.Format("2006-01-02T15:04:05"), t.Nanosecond()/1e6, r.Level, r.Thread, r.Class, r.Message)
	}
	return out
}
