package overlordsim

import (
	"fmt"
	"strings"
)

// The lines of a stock Overlord, built from Apache Druid's format strings.
// Source: apache/druid master @4c0f5240c1 (2026-07-23, 39.0.0-SNAPSHOT) and
// the version matrix of the Kubernetes extension's statements read from its
// history (cuts 34->35 @44526a206a, 35->36 @e57e17029d); paths below are
// relative to extensions-core/kubernetes-overlord-extensions/src/main/java/
// org/apache/druid/k8s/overlord (K8S) or indexing-service/src/main/java/
// org/apache/druid/indexing/overlord (IDX). Lines are only those the
// default INFO root level prints, plus the DEBUG request log when enabled.

// Loggers of the stock lines (log4j's %c is the logger's class name).
const (
	TaskQueueClass       = "org.apache.druid.indexing.overlord.TaskQueue"
	TaskLockboxClass     = "org.apache.druid.indexing.overlord.TaskLockbox"
	TaskMasterClass      = "org.apache.druid.indexing.overlord.TaskMaster"
	CachingClientClass   = "org.apache.druid.k8s.overlord.common.CachingKubernetesPeonClient"
	S3TaskLogsClass      = "org.apache.druid.storage.s3.S3TaskLogs"
	RequestLogLogger     = "org.apache.druid.jetty.RequestLog"
	LeaderSelectorThread = "LeaderSelector[/druid/overlord/_OVERLORD]"
	TaskQueueManager     = "TaskQueue-Manager"
)

// FailedToRunTaskMsg is the errorMsg the task queue stores when the
// runner's future fails (IDX/TaskQueue.java:110 FAILED_TO_RUN_TASK_SEE_OVERLORD_MSG).
const FailedToRunTaskMsg = "Failed to run task. See overlord logs for more details."

// PeonDidNotReportMsg is the errorMsg of a peon that pushed no status.json
// (K8S/KubernetesPeonLifecycle.java:328, 29+).
const PeonDidNotReportMsg = "Peon did not report status successfully."

// Stock builds the lines of a stock Overlord of one Druid release.
type Stock struct {
	// Version is the release (Druid36 if zero).
	Version Version
	// Informer is druid.indexer.runner.useK8sSharedInformers=true (36+):
	// CachingKubernetesPeonClient replaces the waits for the pod and the Job.
	Informer bool
}

func (s Stock) v() Version {
	if s.Version == 0 {
		return Druid36
	}
	return s.Version
}

// K8sTaskID is K8sTaskId.toString() (K8S/common/K8sTaskId.java:71-75).
func K8sTaskID(taskID, job string) string { return "[ " + taskID + ", " + job + "]" }

func rec(level, thread, class, format string, args ...any) Record {
	return Record{level, thread, class, fmt.Sprintf(format, args...)}
}

// Leader is the line of this Overlord becoming the leader: TaskMaster "...I
// have the power!" up to 30, DruidOverlord in 31, and 32+ (#17519)
// IDX/DruidOverlord.java:108 "... I have the power. I am the leader".
func (s Stock) Leader() Record {
	switch v := s.v(); {
	case v <= Druid30:
		return rec("INFO", LeaderSelectorThread, TaskMasterClass, "By the power of Grayskull, I have the power!")
	case v == Druid31:
		return rec("INFO", LeaderSelectorThread, OverlordClass, "By the power of Grayskull, I have the power!")
	}
	return rec("INFO", LeaderSelectorThread, OverlordClass, "By the power of Grayskull, I have the power. I am the leader")
}

// RunnerStarted are the lines of the runner's start on the leader
// (K8S/KubernetesTaskRunner.java:401-460; "Locating"/"Located" 32+, 28-31
// "Loaded %,d tasks from previous run") and of the task queue's management
// (IDX/TaskQueue.java:365).
func (s Stock) RunnerStarted(active int) []Record {
	var out []Record
	if s.v() >= 28 {
		out = append(out, rec("INFO", LeaderSelectorThread, RunnerClass, "Starting K8sTaskRunner..."))
	}
	if s.v() >= Druid32 {
		out = append(out,
			rec("INFO", LeaderSelectorThread, RunnerClass, "Locating [%s] active tasks.", commas(active)),
			rec("INFO", LeaderSelectorThread, RunnerClass, "Located [%s] active tasks.", commas(active)),
			rec("INFO", LeaderSelectorThread, RunnerClass, "Started cleanup executor for jobs older than %s...", "P2D"))
	} else if s.v() >= 28 {
		out = append(out, rec("INFO", LeaderSelectorThread, RunnerClass, "Loaded %s tasks from previous run", commas(active)))
	}
	return append(out, rec("INFO", TaskQueueManager, TaskQueueClass, "Beginning management in [%s].", "PT1M"))
}

// Submitted are the lines of a task's submission (IDX/TaskLockbox.java:1205
// on the submitter's thread) and of the queue handing it to the runner
// (IDX/TaskQueue.java:466): the runner has a work item, NOT_STARTED.
func (s Stock) Submitted(submitter, taskID string) []Record {
	return []Record{
		rec("INFO", submitter, TaskLockboxClass, "Adding task[%s] to activeTasks", taskID),
		rec("INFO", TaskQueueManager, TaskQueueClass, "Asking taskRunner to run task[%s]", taskID),
	}
}

// JobSubmitted are the lines of the lifecycle turning PENDING: the Job is
// created (K8S/common/KubernetesPeonClient.java:89,91, 34+; 27-33
// "Successfully submitted job: %s ... waiting for job to launch").
func (s Stock) JobSubmitted(thread, taskID, job string) []Record {
	if s.v() < Druid34 {
		return []Record{rec("INFO", thread, PeonClientClass, "Successfully submitted job: %s ... waiting for job to launch", job)}
	}
	return []Record{
		rec("INFO", thread, PeonClientClass, "Submitting job[%s] for task[%s].", job, taskID),
		rec("INFO", thread, PeonClientClass, "Submitted job[%s] for task[%s]. Waiting for POD to launch.", job, taskID),
	}
}

// PodLaunched is the line of the direct client seeing the Job's pod
// (KubernetesPeonClient.java:122, 36+; 35 names the task too; none before
// 35 nor with shared informers).
func (s Stock) PodLaunched(thread, taskID, job string) []Record {
	switch {
	case s.Informer && s.v() >= Druid36, s.v() < Druid35:
		return nil
	case s.v() == Druid35:
		return []Record{rec("INFO", thread, PeonClientClass, "Pod for job[%s] launched for task[%s]. Waiting for pod to be in running state.", job, taskID)}
	}
	return []Record{rec("INFO", thread, PeonClientClass, "Pod for job[%s] launched. Waiting for pod to be in running state.", job)}
}

// PodRunning is the line after which the lifecycle is RUNNING: the direct
// client saw the pod's IP (KubernetesPeonClient.java:98, "state[%s]" 36+,
// "state [%s]" 35; phase at that instant), or the informer client saw phase
// Running/Succeeded/Failed (CachingKubernetesPeonClient.java:179, 36+).
// Before 35 nothing is printed.
func (s Stock) PodRunning(thread, taskID, job, pod, phase string) []Record {
	switch {
	case s.Informer && s.v() >= Druid36:
		return []Record{rec("INFO", thread, CachingClientClass, "Pod[%s] for job[%s] is now in Running/Complete state", pod, job)}
	case s.v() == Druid35:
		return []Record{rec("INFO", thread, PeonClientClass, "Pod for job[%s] is in state [%s] for task[%s].", job, phase, taskID)}
	case s.v() >= Druid36:
		return []Record{rec("INFO", thread, PeonClientClass, "Pod for job[%s] is in state[%s] for task[%s].", job, phase, taskID)}
	}
	return nil
}

// JobFailed is the WARN of a Job that ended without success
// (KubernetesPeonClient.java:149 36+ "Task[%s] failed with status[%s]",
// 27-35 "Task %s failed with status %s", with the K8sTaskId; informer
// CachingKubernetesPeonClient.java:244). jobStatus is fabric8's
// JobStatus.toString().
func (s Stock) JobFailed(thread, taskID, job, jobStatus string) Record {
	switch {
	case s.Informer && s.v() >= Druid36:
		return rec("WARN", thread, CachingClientClass, "K8s job[%s] failed with status %s", job, jobStatus)
	case s.v() >= Druid36:
		return rec("WARN", thread, PeonClientClass, "Task[%s] failed with status[%s]", K8sTaskID(taskID, job), jobStatus)
	}
	return rec("WARN", thread, PeonClientClass, "Task %s failed with status %s", K8sTaskID(taskID, job), jobStatus)
}

// JobSucceeded is the informer client's line of a Job that succeeded
// (CachingKubernetesPeonClient.java:241); the direct client prints none.
func (s Stock) JobSucceeded(thread, job string) []Record {
	if s.Informer && s.v() >= Druid36 {
		return []Record{rec("INFO", thread, CachingClientClass, "K8s job[%s] completed successfully", job)}
	}
	return nil
}

// JobNotFound is the line of a Job that vanished while RUNNING (deleted by
// hand or by a shutdown): KubernetesPeonClient.java:143 (36+ "task[%s]",
// 27-35 "task [%s]"), informer CachingKubernetesPeonClient.java:94 (WARN).
func (s Stock) JobNotFound(thread, taskID, job string) Record {
	switch {
	case s.Informer && s.v() >= Druid36:
		return rec("WARN", thread, CachingClientClass, "K8s Job[%s] was not found. It can happen if the task was canceled", job)
	case s.v() >= Druid36:
		return rec("INFO", thread, PeonClientClass, "K8s job for the task[%s] was not found. It can happen if the task was canceled", K8sTaskID(taskID, job))
	}
	return rec("INFO", thread, PeonClientClass, "K8s job for the task [%s] was not found. It can happen if the task was canceled", K8sTaskID(taskID, job))
}

// DidNotPush is the line of a peon that left no status.json in task-log
// storage (KubernetesPeonLifecycle.java:324, 29+).
func (s Stock) DidNotPush(thread, taskID, job string) []Record {
	if s.v() < 29 {
		return nil
	}
	return []Record{rec("INFO", thread, LifecycleClass,
		"Peon for task [%s] did not push its task status. Check k8s logs and events for the pod to see what happened.", K8sTaskID(taskID, job))}
}

// NoLogsPlaceholder is the text saveLogs() uploads as the task log when it
// could watch no log (KubernetesPeonLifecycle.java, 29+ #15527).
func NoLogsPlaceholder(taskID, job string) string {
	return fmt.Sprintf("Peon for task [%s] did not report any logs. Check k8s metrics and events for the pod to see what happened.", K8sTaskID(taskID, job))
}

// LogPushed is S3TaskLogs.pushTaskLog's line at the end of join()
// (extensions-core/s3-extensions/.../S3TaskLogs.java:166): the temporary
// file and the key prefix/ID/log.
func (s Stock) LogPushed(thread, taskID, tmpSuffix, prefix string) Record {
	return rec("INFO", thread, S3TaskLogsClass, "Pushing task log %s to: %s", "var/tmp/"+taskID+tmpSuffix+"log", prefix+"/"+taskID+"/log")
}

// TaskStatusString is TaskStatus.toString().
func TaskStatusString(taskID, statusCode string, duration int64, errorMsg string) string {
	e := "null"
	if errorMsg != "" {
		e = errorMsg
	}
	return fmt.Sprintf("TaskStatus{id=%s, status=%s, duration=%d, errorMsg=%s}", taskID, statusCode, duration, e)
}

// Received is the task queue's line when the runner's future completed
// (IDX/TaskQueue.java:792), on the runner thread, after the log was saved.
func (s Stock) Received(thread, taskID, statusCode string) Record {
	return rec("INFO", thread, TaskQueueClass, "Received status[%s] for task[%s].", statusCode, taskID)
}

// Completed are the lines of TaskQueue.notifyStatus on an OnComplete
// thread: the lock box, the runner's shutdown (KubernetesTaskRunner.java:348)
// and the stored status (TaskQueue.java:1097, 769); CleanedUp follows.
func (s Stock) Completed(thread, taskID, status string, ms int64) []Record {
	return []Record{
		rec("INFO", thread, TaskLockboxClass, "Removing task[%s] from activeTasks", taskID),
		rec("INFO", thread, RunnerClass, "Shutdown [%s] because [%s]", taskID, "notified status change from task"),
		rec("INFO", thread, TaskQueueClass, "Completed task[%s] with status[%s] in [%d]ms.", taskID, status, ms),
		rec("INFO", thread, TaskQueueClass, "Completed notifyStatus for task[%s] with status[%s]", taskID, status),
	}
}

// CleanedUp is the runner's shutdown deleting the Job
// (KubernetesPeonClient.java:164 "job[%s]" 36+, "job: %s" 28-35, "task: %s"
// 27), finding none (:166, "K8s job[%s] does not exist" 36+, "K8s job does
// not exist: %s" 28-35), or keeping it (:170, debugJobs=true).
func (s Stock) CleanedUp(thread, taskID, job string, debugJobs, exists bool) Record {
	k := K8sTaskID(taskID, job)
	v := s.v()
	switch {
	case debugJobs && v >= Druid36:
		return rec("INFO", thread, PeonClientClass, "Not cleaning up job[%s] due to flag: debugJobs=true", k)
	case debugJobs && v >= 28:
		return rec("INFO", thread, PeonClientClass, "Not cleaning up job %s due to flag: debugJobs=true", k)
	case debugJobs:
		return rec("INFO", thread, PeonClientClass, "Not cleaning up task %s due to flag: debugJobs=true", k)
	case !exists && v >= Druid36:
		return rec("INFO", thread, PeonClientClass, "K8s job[%s] does not exist", k)
	case !exists && v >= 28:
		return rec("INFO", thread, PeonClientClass, "K8s job does not exist: %s", k)
	case !exists:
		return rec("INFO", thread, PeonClientClass, "K8s task does not exist: %s", k)
	case v >= Druid36:
		return rec("INFO", thread, PeonClientClass, "Cleaned up k8s job[%s]", k)
	case v >= 28:
		return rec("INFO", thread, PeonClientClass, "Cleaned up k8s job: %s", k)
	}
	return rec("INFO", thread, PeonClientClass, "Cleaned up k8s task: %s", k)
}

// LaunchTimedOutInformer is the informer client's WARN when no pod got
// Running within k8sjobLaunchTimeout (CachingKubernetesPeonClient.java:213).
func (s Stock) LaunchTimedOutInformer(thread, job string) Record {
	return rec("WARN", thread, CachingClientClass, "Timed out waiting for pod for job[%s] to be created and ready", job)
}

// Java exception classes of the failures the stand-in plays.
const (
	ResourceNotFoundException = "org.apache.druid.k8s.overlord.common.KubernetesResourceNotFoundException"
	DruidException            = "org.apache.druid.error.DruidException"
	ClientException           = "io.fabric8.kubernetes.client.KubernetesClientException"
	ClientTimeoutException    = "io.fabric8.kubernetes.client.KubernetesClientTimeoutException"
)

// launchFrames are the frames of a failure in the runner's launch, as the
// stack of KubernetesTaskRunner.doTask shows them (line numbers of @4c0f5240c1).
var launchFrames = []string{
	"org.apache.druid.k8s.overlord.common.KubernetesPeonClient.launchPeonJobAndWaitForStart(KubernetesPeonClient.java:96)",
	"org.apache.druid.k8s.overlord.KubernetesPeonLifecycle.run(KubernetesPeonLifecycle.java:150)",
	"org.apache.druid.k8s.overlord.KubernetesTaskRunner.doTask(KubernetesTaskRunner.java:284)",
	"org.apache.druid.k8s.overlord.KubernetesTaskRunner.lambda$run$2(KubernetesTaskRunner.java:255)",
	"com.google.common.util.concurrent.TrustedListenableFutureTask$TrustedFutureInterruptibleTask.runInterruptibly(TrustedListenableFutureTask.java:131)",
	"java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
	"java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:635)",
	"java.lang.Thread.run(Thread.java:840)",
}

// stack renders "Class: message" and its frames as log4j prints a
// Throwable after the message, then each cause ("Caused by: ...").
func stack(head string, frames []string, causes ...string) string {
	var b strings.Builder
	b.WriteString(head)
	for _, f := range frames {
		b.WriteString("\n\tat " + f)
	}
	for _, c := range causes {
		b.WriteString("\nCaused by: " + c + "\n\t... 8 more")
	}
	return b.String()
}

// LaunchFailure describes why the runner's future failed before RUNNING.
type LaunchFailure struct {
	// Exception and Message are the thrown exception; Causes are the
	// "Class: message" of its causes, outermost first.
	Exception, Message string
	Causes             []string
	// NotFound: KubernetesResourceNotFoundException, logged without stack
	// by "Task[%s] failed because %s" (35+, #18351); else "execution caught
	// an exception" with the stack.
	NotFound bool
}

// QuotaFailure is the fail-fast of a Job whose pods the quota refuses
// (35+: the Job's FailedCreate event, KubernetesPeonClient "Job[%s] failed
// to create pods. Message[%s]").
func QuotaFailure(job, event string) LaunchFailure {
	return LaunchFailure{Exception: ResourceNotFoundException, NotFound: true,
		Message: fmt.Sprintf("Job[%s] failed to create pods. Message[%s]", job, event)}
}

// LaunchTimeout is the failure of a pod without IP after k8sjobLaunchTimeout.
func LaunchTimeout(pod string, ms int64) LaunchFailure {
	return LaunchFailure{Exception: DruidException, Message: fmt.Sprintf("Error when waiting for pod[%s] to start", pod),
		Causes: []string{fmt.Sprintf("%s: Timed out waiting for [%d] milliseconds for [Pod] with name:[%s] in namespace [druid].", ClientTimeoutException, ms, pod)}}
}

// LaunchFailed are the lines of a launch failure: the lifecycle's INFO
// (KubernetesPeonLifecycle.java:158), the runner's ERROR
// (KubernetesTaskRunner.java:295 / :301; 27-34 "Task [%s] ..."), and the
// task queue's alert (TaskQueue.java:800, EmittingLogger "%s: %s" with the
// alert's data map, then the stack).
func (s Stock) LaunchFailed(thread, taskID, typ, dataSource string, f LaunchFailure) []Record {
	head := f.Exception + ": " + f.Message
	out := []Record{rec("INFO", thread, LifecycleClass, "Failed to run task: %s", taskID)}
	switch {
	case f.NotFound && s.v() >= Druid35:
		out = append(out, rec("ERROR", thread, RunnerClass, "Task[%s] failed because %s", taskID, f.Message))
	case s.v() >= Druid35:
		out = append(out, rec("ERROR", thread, RunnerClass, "Task[%s] execution caught an exception\n%s", taskID, stack(head, launchFrames, f.Causes...)))
	default:
		out = append(out, rec("ERROR", thread, RunnerClass, "Task [%s] execution caught an exception\n%s", taskID, stack(head, launchFrames, f.Causes...)))
	}
	alert := fmt.Sprintf("{exceptionType=%s, exceptionMessage=%s, class=%s, task=%s, type=%s, dataSource=%s}",
		f.Exception, f.Message, TaskQueueClass, taskID, typ, dataSource)
	out = append(out, rec("ERROR", thread, TaskQueueClass, "Failed to run task: %s\n%s", alert, stack(head, launchFrames, f.Causes...)))
	return out
}

// LogReadFailed is the only line a live-log request prints: the ERROR of a
// pods/log read that threw, on the request's Jetty thread
// (KubernetesPeonClient.java:241 36+ "Error streaming logs for pod[%s]
// associated with task[%s]", 27-35 "Error streaming logs from task: %s"
// with the K8sTaskId), then fabric8's exception for the GET.
func (s Stock) LogReadFailed(thread, taskID, job, namespace, pod string, code int, message string) Record {
	ex := fmt.Sprintf("%s: Failure executing: GET at: https://10.0.0.1:443/api/v1/namespaces/%s/pods/%s/log?container=main. Message: %s. Received status: Status(apiVersion=v1, code=%d, details=null, kind=Status, message=%s, metadata=ListMeta(_continue=null, remainingItemCount=null, resourceVersion=null, selfLink=null, additionalProperties={}), reason=null, status=Failure, additionalProperties={}).",
		ClientException, namespace, pod, message, code, message)
	frames := []string{
		"io.fabric8.kubernetes.client.dsl.internal.OperationSupport.requestFailure(OperationSupport.java:642)",
		"io.fabric8.kubernetes.client.dsl.internal.core.v1.PodOperationsImpl.doGetLog(PodOperationsImpl.java:205)",
		"io.fabric8.kubernetes.client.dsl.internal.core.v1.PodOperationsImpl.getLogInputStream(PodOperationsImpl.java:238)",
		"org.apache.druid.k8s.overlord.common.KubernetesPeonClient.getPeonLogs(KubernetesPeonClient.java:236)",
		"org.apache.druid.k8s.overlord.KubernetesPeonLifecycle.streamLogs(KubernetesPeonLifecycle.java:253)",
		"org.apache.druid.k8s.overlord.KubernetesWorkItem.streamTaskLogs(KubernetesWorkItem.java:92)",
		"org.apache.druid.k8s.overlord.KubernetesTaskRunner.streamTaskLog(KubernetesTaskRunner.java:191)",
		"org.apache.druid.indexing.overlord.http.OverlordResource.doGetLog(OverlordResource.java:786)",
	}
	if s.v() >= Druid36 {
		return rec("ERROR", thread, PeonClientClass, "Error streaming logs for pod[%s] associated with task[%s]\n%s", pod, taskID, stack(ex, frames))
	}
	return rec("ERROR", thread, PeonClientClass, "Error streaming logs from task: %s\n%s", K8sTaskID(taskID, job), stack(ex, frames))
}

// RequestLogRecord is JettyRequestLog's DEBUG line "%s %s %s %s %d":
// remote address, method, full URL, protocol, status
// (server/.../jetty/JettyRequestLog.java:37).
func RequestLogRecord(thread, remote, method, url, proto string, status int) Record {
	return rec("DEBUG", thread, RequestLogLogger, "%s %s %s %s %d", remote, method, url, proto, status)
}

// DockerStartup are the lines the Docker image's druid.sh prints to stdout
// before Java starts (apache/druid:distribution/docker/druid.sh): with the
// image's default log4j2.xml (RoutingAppender -> log/overlord.log) they are
// all `kubectl logs` of an Overlord shows. stamp is `date -Is`.
func DockerStartup(stamp, host string, props [][2]string) []string {
	conf := "/tmp/conf/druid/cluster/master/coordinator-overlord/runtime.properties"
	out := []string{stamp + " startup service overlord", "Setting druid.host=" + host + " in " + conf}
	for _, p := range props {
		out = append(out, "Setting "+p[0]+"="+p[1]+" in "+conf)
	}
	return out
}

// commas formats n as Java's %,d does in the root locale.
func commas(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
