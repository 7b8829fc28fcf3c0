package postmortem

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// Realistic evidence, shaped as a Druid 33 Overlord (28+: the Job name
// left(strip(id),30)-murmur3 and the location's k8sPodName; 29+: the
// errorMsg "Peon did not report status successfully." and the placeholder
// log), the Job controller and a kubelet leave it. Texts are the upstream
// ones (sources in the signatures' comments and stock_fixtures_test.go,
// which holds the other versions' texts).

const (
	taskID  = "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh"
	jobName = "indexkafkawikipedia5f2c3e1a9ba-56871c80b218bffd8318022717280a33"
	podName = "indexkafkawikipedia5f2c3e1a9ba-56871c80b218bffd83180227172x7k2p"
)

var now = time.Date(2026, 11, 26, 21, 15, 38, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// peonJob is the Job overlordSingleContainer makes, with conditions.
func peonJob(conds ...batchv1.JobCondition) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: jobName, Namespace: "druid", CreationTimestamp: ago(10 * time.Minute),
			Labels:      map[string]string{"druid.k8s.peons": "true"},
			Annotations: map[string]string{"task.id": taskID, "tls.enabled": "false"}},
		Spec: batchv1.JobSpec{BackoffLimit: ptr(int32(0)), ActiveDeadlineSeconds: ptr(int64(14400)),
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"task.id": taskID, "tls.enabled": "false"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{mainSpec()}}}},
		Status: batchv1.JobStatus{Conditions: conds},
	}
	for _, c := range conds {
		if c.Type == batchv1.JobFailed {
			j.Status.Failed = 1
		}
		if c.Type == batchv1.JobComplete {
			j.Status.Succeeded = 1
		}
	}
	if len(conds) == 0 {
		j.Status.Active = 1
	}
	return j
}

func jobCond(typ batchv1.JobConditionType, reason, message string) batchv1.JobCondition {
	return batchv1.JobCondition{Type: typ, Status: corev1.ConditionTrue, Reason: reason, Message: message, LastTransitionTime: ago(time.Minute)}
}

var backoffLimitExceeded = jobCond(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit")

func mainSpec() corev1.Container {
	return corev1.Container{Name: "main", Image: "apache/druid:33.0.0",
		Command: []string{"sh", "-c", "/peon.sh /druid/data/persistent/task 1 --taskId " + taskID},
		Env: []corev1.EnvVar{{Name: "TASK_DIR", Value: "/druid/data/persistent/task"},
			{Name: "JAVA_OPTS", Value: "-Xms1g -Xmx1536m -XX:MaxDirectMemorySize=1g -Duser.timezone=UTC"}},
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")}}}
}

// peonPod is the Job's pod with main in the given state.
func peonPod(phase corev1.PodPhase, state corev1.ContainerState) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: podName, Namespace: "druid", CreationTimestamp: ago(9 * time.Minute),
			Labels: map[string]string{"job-name": jobName}, Annotations: map[string]string{"task.id": taskID, "tls.enabled": "false"}},
		Spec: corev1.PodSpec{NodeName: "node-a", RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{mainSpec()}},
		Status: corev1.PodStatus{Phase: phase, PodIP: "10.244.1.7",
			ContainerStatuses: []corev1.ContainerStatus{{Name: "main", State: state, Image: "apache/druid:33.0.0"}}},
	}
}

func terminated(exit int32, reason string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exit, Reason: reason,
		StartedAt: ago(9 * time.Minute), FinishedAt: ago(time.Minute)}}
}

func event(kind, name, typ, reason, message string) corev1.Event {
	return corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: kind, Name: name}, Type: typ, Reason: reason,
		Message: message, Count: 1, LastTimestamp: ago(time.Minute)}
}

// ovl is a Druid 28+ Overlord's answer for a finished task (runnerStatusCode
// WAITING, as Druid reports tasks its runner forgot; the location saved at
// completion, with k8sPodName). A failed Job has no completionTime, so a
// stock Overlord reports duration -1 for most failures: stockFailed does.
func ovl(code overlord.StatusCode, errorMsg string) *OverlordEvidence {
	return &OverlordEvidence{URL: "http://druid-overlord:8081/druid/indexer/v1", Status: &overlord.TaskStatusPlus{
		ID: taskID, Type: "index_kafka", StatusCode: code, Status: code, RunnerStatusCode: overlord.RunnerWaiting,
		Duration: 540000, DataSource: "wikipedia", ErrorMsg: errorMsg,
		Location: overlord.TaskLocation{Host: "10.244.1.7", Port: 8100, TLSPort: -1, K8sPodName: podName}}}
}

func podLog(lines ...string) Log {
	return textLog(FromPod, "pod druid/"+podName+" container main", lines...)
}

func storedLog(lines ...string) Log {
	return textLog(FromOverlord, "http://druid-overlord:8081/druid/indexer/v1/task/"+taskID+"/log", lines...)
}

func textLog(src LogSource, where string, lines ...string) Log {
	var b []byte
	for _, l := range lines {
		b = append(b, l+"\n"...)
	}
	return Log{Source: src, Where: where, Text: b, Bytes: int64(len(b))}
}

// evidence is a finished task's evidence with the given parts.
func evidence(job *batchv1.Job, pod *corev1.Pod, o *OverlordEvidence, logs ...Log) *Evidence {
	ev := &Evidence{TaskID: taskID, Namespace: "druid", Container: "main", Now: now, Job: job, Pod: pod,
		Overlord: o, Logs: logs, JobNames: []string{jobName}}
	if pod != nil {
		ev.PodCount = 1
	}
	return ev
}

// placeholder is what a Druid 29+ Overlord saves when it could read no log
// (KubernetesPeonLifecycle.saveLogs, K8sTaskId.toString).
const placeholder = "Peon for task [[ " + taskID + ", " + jobName + "]] did not report any logs. " +
	"Check k8s metrics and events for the pod to see what happened."

// peonSuccessTail is the end of a peon's log when its task succeeded
// (ExecutorLifecycle "Task completed with status: %s" with the pretty-printed
// TaskStatus, CliPeon "Finished peon task"; Druid 25+).
var peonSuccessTail = []string{
	"2026-11-26T21:14:30,101 INFO [task-runner-0-priority-0] org.apache.druid.indexing.worker.executor.ExecutorLifecycle - Task completed with status: {",
	`  "id" : "` + taskID + `",`,
	`  "status" : "SUCCESS",`,
	`  "duration" : 538211,`,
	`  "errorMsg" : null,`,
	`  "location" : {`,
	`    "host" : null,`,
	`    "port" : -1,`,
	`    "tlsPort" : -1`,
	`  }`,
	"}",
	"2026-11-26T21:14:30,412 INFO [main] org.apache.druid.cli.CliPeon - Finished peon task",
}

func ptr[T any](v T) *T { return &v }
