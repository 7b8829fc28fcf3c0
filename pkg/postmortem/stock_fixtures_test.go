package postmortem

import (
	"strings"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// Stock Druid's words, as a post-mortem finds them: the errorMsg values the
// Overlord stores for a Kubernetes-runner task, the logs it saves, and the
// lines its own log prints. Each is copied from Apache Druid's source (the
// class and line at apache/druid master @4c0f5240c1, 39.0.0-SNAPSHOT, unless
// another version is named) and names the Druid versions that print it.

// errorMsg values (TaskStatus.errorMsg in GET /druid/indexer/v1/task/{id}/status).
const (
	// KubernetesPeonLifecycle.getTaskStatus:328, Druid 29+ (#15527): the Job
	// ended or vanished and status.json is not in task-log storage.
	stock29NoStatus = "Peon did not report status successfully."
	// The same, Druid 27-28.
	stock27NoStatus = "task status not found"
	// KubernetesPeonLifecycle.getTaskStatus:333-336, Druid 27+: "error loading
	// status: " + the IOException's message; here S3TaskLogs' IOE "Failed to
	// stream logs from: %s" for the status.json key.
	stock27LoadStatus = "error loading status: Failed to stream logs from: druid/indexing-logs/" + taskID + "/status.json"
	// TaskQueue.FAILED_TO_RUN_TASK_SEE_OVERLORD_MSG (:110), every version:
	// the runner's future failed.
	stockFailedToRun = "Failed to run task. See overlord logs for more details."
	// OverlordResource.doShutdown (:382), every version.
	stockUserShutdown = "Shutdown request from user"
	// TaskQueue.start (:232-233), recent versions.
	stockLockReacquire = "Shutting down forcefully as task failed to reacquire lock while becoming leader"
	// TaskQueue (:451-461), recent versions: isReady() threw; the inner
	// error here is TaskLockbox's for an interval another task holds.
	stockNotReady = "Encountered error[Cannot create a new taskLockPosse for request[LockRequestForNewSegment{lockGranularity=TIME_CHUNK, type=EXCLUSIVE}] " +
		"because existing locks[[TaskLockPosse{taskLock=TimeChunkLock{type=EXCLUSIVE, groupId='index_kafka_wikipedia_x', dataSource='wikipedia'}}]] have same or higher priorities] " +
		"while waiting for task to be ready. See Overlord logs for more details."
)

// k8sTaskID is K8sTaskId.toString() (K8sTaskId.java:71-75): "[ id, job]".
const k8sTaskID = "[ " + taskID + ", " + jobName + "]"

// Druid 25 and 26 (KubernetesTaskRunner, no lifecycle class) took the
// task's status from the Job.
const (
	// Druid 26: the Job vanished while the runner waited for it.
	stock26JobDisappeared = "K8s Job for task disappeared before completion: " + k8sTaskID
	// Druid 26: the Job failed.
	stock26TaskFailed = "Task failed: " + k8sTaskID
	// Druid 25: the Job failed; the "%s" is printed as is.
	stock25TaskFailed = "Task failed %s: " + k8sTaskID
)

// A task's own errorMsg, from the peon's status.json (IndexTask on a parse
// failure: the peon pushed its status, the task itself failed).
const stockTaskOwn = "java.lang.RuntimeException: org.apache.druid.java.util.common.parsers.ParseException: " +
	"Unable to parse row [{bad json] (Path: s3://bucket/wiki.json, Record: 1, Line: 1)"

// stock29Placeholder is the log the Overlord saves when it could read no
// log of the pod (KubernetesPeonLifecycle.saveLogs, Druid 29+, #15527).
const stock29Placeholder = "Peon for task [" + k8sTaskID + "] did not report any logs. Check k8s metrics and events for the pod to see what happened."

// Lines of a peon's own log (Druid 29+; the pattern of Druid's log4j2.xml,
// "%d{ISO8601} %p [%t] %c - %m%n").
var (
	// a Kafka task at work: StreamAppenderator.persistAll.
	peonWorking = []string{
		"2026-11-26T21:14:10,120 INFO [task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Flushed in-memory data for segment[wikipedia_2026-11-26T21:00:00.000Z_2026-11-26T22:00:00.000Z_2026-11-26T20:59:58.123Z] spill[3] to disk in [412] ms (20,000 rows).",
		"2026-11-26T21:14:29,001 INFO [task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Persisted rows[20,000] and (estimated) bytes[9,876,543]",
	}
	// SIGTERM: the peon's lifecycle stops (SingleTaskBackgroundRunner.stop
	// "Starting graceful shutdown of task[%s].", SeekableStreamIndexTaskRunner
	// "Stopping forcefully (status: [%s])").
	peonGracefulStop = []string{
		"2026-11-26T21:14:31,514 INFO [Thread-61] org.apache.druid.indexing.overlord.SingleTaskBackgroundRunner - Starting graceful shutdown of task[" + taskID + "].",
		"2026-11-26T21:14:31,515 INFO [Thread-61] org.apache.druid.indexing.seekablestream.SeekableStreamIndexTaskRunner - Stopping forcefully (status: [READING])",
	}
	// the JVM's heap ran out (-XX:+ExitOnOutOfMemoryError in peon.sh's defaults).
	peonHeapOOM = []string{
		"Terminating due to java.lang.OutOfMemoryError: Java heap space",
	}
)

// storedLogOf is a saved task log made of the given parts.
func storedLogOf(parts ...[]string) Log {
	var lines []string
	for _, p := range parts {
		lines = append(lines, p...)
	}
	return storedLog(lines...)
}

// Lines of the Overlord's own log about the task (Druid 36+; KubernetesPeonClient).
var (
	// KubernetesPeonClient:149 WARN "Task[%s] failed with status[%s]": the Job
	// failed; the second argument is fabric8's JobStatus.toString().
	ovl36JobFailedDeadline = "2026-11-26T21:14:32,007 WARN [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Task[" + k8sTaskID +
		"] failed with status[JobStatus(active=null, completedIndexes=null, completionTime=null, conditions=[JobCondition(lastProbeTime=2026-11-26T21:14:31Z, " +
		"lastTransitionTime=2026-11-26T21:14:31Z, message=Job was active longer than specified deadline, reason=DeadlineExceeded, status=True, type=Failed, " +
		"additionalProperties={})], failed=1, failedIndexes=null, ready=0, startTime=2026-11-26T17:14:30Z, succeeded=null, terminating=0, uncountedTerminatedPods=" +
		"UncountedTerminatedPods(failed=[], succeeded=[], additionalProperties={}), additionalProperties={})]"
	ovl36JobFailedBackoff = strings.NewReplacer("message=Job was active longer than specified deadline, reason=DeadlineExceeded",
		"message=Job has reached the specified backoff limit, reason=BackoffLimitExceeded").Replace(ovl36JobFailedDeadline)
	// KubernetesPeonClient:143 INFO: the Job vanished while the runner waited.
	ovl36JobNotFound = "2026-11-26T21:14:32,007 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - K8s job for the task[" +
		k8sTaskID + "] was not found. It can happen if the task was canceled"
	// KubernetesPeonLifecycle:324 INFO, Druid 29+.
	ovl36NoStatusPushed = "2026-11-26T21:14:32,120 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.KubernetesPeonLifecycle - Peon for task [" + k8sTaskID +
		"] did not push its task status. Check k8s logs and events for the pod to see what happened."
)

// stockFailed is a stock Overlord's answer for a failed task it has
// forgotten (runnerStatusCode WAITING, the location saved at completion;
// a failed Job has no completionTime, so duration -1: JobResponse).
func stockFailed(errorMsg string, loc overlord.TaskLocation) *OverlordEvidence {
	o := ovl(overlord.StatusFailed, errorMsg)
	o.Status.Duration, o.Status.Location = -1, loc
	return o
}

// ranAt is the location of a task whose pod got an IP (Druid 28+: k8sPodName).
var ranAt = overlord.TaskLocation{Host: "10.244.1.7", Port: 8100, TLSPort: -1, K8sPodName: podName}

// neverRan is TaskLocation.unknown(): the pod never got an IP.
var neverRan = overlord.TaskLocation{Port: -1, TLSPort: -1}

// ovl36LaunchTimeout is a Druid 36+ Overlord's account of a launch
// timeout: KubernetesTaskRunner:301 ERROR with the stack trace of
// KubernetesPeonClient's DruidException, caused by fabric8's
// KubernetesClientTimeoutException ("Timed out waiting for [%d]
// milliseconds for [%s] with name:[%s] in namespace [%s].").
var ovl36LaunchTimeout = []string{
	"2026-11-26T18:14:22,001 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Pod for job[" + jobName + "] launched. Waiting for pod to be in running state.",
	"2026-11-26T19:14:22,003 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.KubernetesPeonLifecycle - Failed to run task: " + taskID,
	"2026-11-26T19:14:22,004 ERROR [k8s-task-runner-3] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[" + taskID + "] execution caught an exception",
	"org.apache.druid.error.DruidException: Error when waiting for pod[" + podName + "] to start",
	"\tat org.apache.druid.k8s.overlord.common.KubernetesPeonClient.launchPeonJobAndWaitForStart(KubernetesPeonClient.java:105) ~[?:?]",
	"\tat org.apache.druid.k8s.overlord.KubernetesPeonLifecycle.run(KubernetesPeonLifecycle.java:150) ~[?:?]",
	"Caused by: io.fabric8.kubernetes.client.KubernetesClientTimeoutException: Timed out waiting for [3600000] milliseconds for [Pod] with name:[" + podName + "] in namespace [druid].",
	"\tat io.fabric8.kubernetes.client.dsl.internal.BaseOperation.waitUntilCondition(BaseOperation.java:942) ~[?:?]",
	"2026-11-26T19:14:22,010 INFO [k8s-task-runner-4] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Submitting job[otherjob] for task[index_kafka_other_abcdefgh].",
}
