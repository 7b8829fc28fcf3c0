package postmortem

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

const (
	evictMsg = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91236Ki. " +
		"Container main was using 3150484Ki, request is 0, has larger consumption of memory. "
)

func TestSignatures(t *testing.T) {
	tests := []struct {
		name      string
		ev        func() *Evidence
		signature string
		outcome   Outcome
		code      int
		verdict   string   // the verdict contains it
		evidence  string   // the primary finding's evidence contains it
		fix       string   // the fix contains it
		also      []string // other findings, in order
	}{
		{"OOMKilled container is the cause, the Job's backoff limit the consequence", func() *Evidence {
			return evidence(peonJob(backoffLimitExceeded), peonPod(corev1.PodFailed, terminated(137, "OOMKilled")), ovl(overlord.StatusFailed, stock29NoStatus),
				podLog("2026-11-26T21:14:29,001 INFO [task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Persisting rows"))
		}, "oom-killed", Failed, exitcode.ContainerFailed, "OOMKilled (exit 137)", "memory limit 2Gi", "-Xmx", []string{"job-failed"}},

		{"Java heap exhausted in the log, the container exited", func() *Evidence {
			return evidence(peonJob(backoffLimitExceeded), peonPod(corev1.PodFailed, terminated(3, "Error")), ovl(overlord.StatusFailed, stock29NoStatus),
				podLog("2026-11-26T21:14:29,001 ERROR [task-runner-0-priority-0] org.apache.druid.indexing.common.task.IndexTask - Encountered exception",
					"java.lang.OutOfMemoryError: Java heap space",
					"Terminating due to java.lang.OutOfMemoryError: Java heap space"))
		}, "heap-oom", Failed, exitcode.ContainerFailed, "Java heap", "java.lang.OutOfMemoryError: Java heap space", "-Xmx", []string{"job-failed"}},

		{"direct memory: the template's flag never reached the peon", func() *Evidence {
			pod := peonPod(corev1.PodFailed, terminated(1, "Error"))
			pod.Spec.Containers[0].Env[1].Value = "-Xmx4g -XX:MaxDirectMemorySize=8g"
			return evidence(peonJob(backoffLimitExceeded), pod, nil,
				podLog("2026-04-28T11:48:31,658 INFO [main] org.apache.druid.query.DruidProcessingConfig - Detected max direct memory size of [2,147,483,648] bytes",
					"1) Not enough direct memory.  Please adjust -XX:MaxDirectMemorySize, druid.processing.buffer.sizeBytes, druid.processing.numThreads, or druid.processing.numMergeBuffers: maxDirectMemory[2,147,483,648], memoryNeeded[4,294,967,296] = druid.processing.buffer.sizeBytes[1,073,741,824] * (druid.processing.numMergeBuffers[2] + druid.processing.numThreads[1] + 1)"))
		}, "direct-memory", Failed, exitcode.ContainerFailed, "direct memory", "-XX:MaxDirectMemorySize=8g", "19385", []string{"job-failed"}},

		{"evicted pod that pushed neither status nor log", func() *Evidence {
			pod := peonPod(corev1.PodFailed, terminated(137, "ContainerStatusUnknown"))
			pod.Status.Reason, pod.Status.Message = "Evicted", evictMsg
			pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "TerminationByKubelet", Message: evictMsg}}
			ev := evidence(peonJob(backoffLimitExceeded), pod, ovl(overlord.StatusFailed, stock29NoStatus), storedLog(placeholder))
			ev.PodEvents = []corev1.Event{event("Pod", podName, corev1.EventTypeWarning, "Evicted", evictMsg)}
			return ev
		}, "evicted", Failed, exitcode.ContainerFailed, "evicted", "low on resource: memory", "requests", []string{"no-logs", "job-failed"}},

		{"evicted pod already deleted: its events still tell", func() *Evidence {
			ev := evidence(nil, nil, ovl(overlord.StatusFailed, stock29NoStatus), storedLog(placeholder))
			ev.PodEvents = []corev1.Event{event("Pod", podName, corev1.EventTypeWarning, "Evicted", evictMsg)}
			ev.PodEvents[0].Source.Host = "node-b"
			return ev
		}, "evicted", Failed, exitcode.ContainerFailed, "evicted", "event Evicted", "kubectl describe node node-b", []string{"no-logs"}},

		{"deadline exceeded: the Job controller killed the pod", func() *Evidence {
			ev := evidence(peonJob(jobCond(batchv1.JobFailureTarget, "DeadlineExceeded", "Job was active longer than specified deadline"),
				jobCond(batchv1.JobFailed, "DeadlineExceeded", "Job was active longer than specified deadline")), nil, nil)
			ev.JobEvents = []corev1.Event{event("Job", jobName, corev1.EventTypeWarning, "DeadlineExceeded", "Job was active longer than specified deadline")}
			return ev
		}, "deadline-exceeded", Failed, exitcode.ContainerFailed, "activeDeadlineSeconds (14400 s = 4h0m0s)", "DeadlineExceeded", "maxTaskDuration", nil},

		{"never scheduled and still pending: nothing failed yet", func() *Evidence {
			pod := peonPod(corev1.PodPending, corev1.ContainerState{})
			pod.Status.PodIP, pod.Spec.NodeName, pod.Status.ContainerStatuses = "", "", nil
			msg := "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
			pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: msg}}
			ev := evidence(peonJob(), pod, nil)
			ev.PodEvents = []corev1.Event{event("Pod", podName, corev1.EventTypeWarning, "FailedScheduling", msg)}
			return ev
		}, "never-scheduled", Pending, exitcode.NotRunning, "nothing has failed yet", "Insufficient memory", "k8sjobLaunchTimeout", nil},

		{"the Overlord gave up launching the pod", func() *Evidence {
			return evidence(nil, nil, stockFailed(stockFailedToRun, neverRan))
		}, "launch-failed", Failed, exitcode.ContainerFailed, "could not start", stockFailedToRun, "14425", nil},

		{"image cannot be pulled", func() *Evidence {
			pod := peonPod(corev1.PodPending, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
				Message: `Back-off pulling image "apache/druid:33.0.0-nope"`}})
			ev := evidence(peonJob(), pod, nil)
			ev.PodEvents = []corev1.Event{event("Pod", podName, corev1.EventTypeWarning, "Failed",
				`Failed to pull image "apache/druid:33.0.0-nope": rpc error: code = NotFound desc = failed to pull and unpack image: not found`)}
			return ev
		}, "image-pull", Running, exitcode.NotRunning, "apache/druid:33.0.0-nope of container main cannot be pulled", "apache/druid:33.0.0-nope", "imagePullSecrets", nil},

		{"template without main: the task succeeded but Druid saved no log", func() *Evidence {
			pod := peonPod(corev1.PodSucceeded, terminated(0, "Completed"))
			pod.Spec.Containers[0].Name, pod.Status.ContainerStatuses[0].Name = "primary", "primary"
			pod.Annotations["task.jobTemplate"], pod.Annotations["task.type"] = "base", "index_kafka"
			return evidence(peonJob(jobCond(batchv1.JobComplete, "", "")), pod, ovl(overlord.StatusSuccess, ""), storedLog(placeholder))
		}, "no-main-container", Succeeded, exitcode.Misconfigured, `no container named "main"`, "primary", "18747", []string{"no-logs"}},

		{"the peon logged SUCCESS but its status never reached task-log storage", func() *Evidence {
			return evidence(nil, nil, ovl(overlord.StatusFailed, stock29NoStatus), storedLog(peonSuccessTail...))
		}, "status-not-pushed", Failed, exitcode.ContainerFailed, "SUCCESS", `"status" : "SUCCESS"`, "druid.indexer.logs", nil},

		{"only the placeholder log is left", func() *Evidence {
			return evidence(nil, nil, ovl(overlord.StatusFailed, stock29NoStatus), storedLog(placeholder))
		}, "peon-no-status", Failed, exitcode.ContainerFailed, "its pod was gone", "did not report any logs", "debugJobs", []string{"no-logs"}},

		{"a crash is an unknown failure with its first error line", func() *Evidence {
			return evidence(peonJob(backoffLimitExceeded), peonPod(corev1.PodFailed, terminated(1, "Error")), nil,
				podLog("2026-11-26T21:14:28,000 INFO [main] org.apache.druid.cli.CliPeon - Starting",
					"2026-11-26T21:14:29,001 ERROR [main] org.apache.druid.cli.CliPeon - Error when starting up.  Failing.",
					"java.lang.IllegalArgumentException: Unknown type[kafkaa]",
					"\tat org.apache.druid.cli.CliPeon.run(CliPeon.java:123)"))
		}, "container-error", Failed, exitcode.ContainerFailed, "exited 1", "IllegalArgumentException", "log", []string{"job-failed"}},

		{"a Job failed whose pod is gone", func() *Evidence {
			return evidence(peonJob(backoffLimitExceeded), nil, nil)
		}, "job-failed", Failed, exitcode.ContainerFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit", "--overlord", nil},

		{"the peon exited 0 but the task failed inside Druid", func() *Evidence {
			return evidence(peonJob(jobCond(batchv1.JobComplete, "", "")), peonPod(corev1.PodSucceeded, terminated(0, "Completed")),
				ovl(overlord.StatusFailed, "java.lang.RuntimeException: org.apache.druid.java.util.common.ISE: Segment publish failed"))
		}, "task-error", Failed, exitcode.ContainerFailed, "Segment publish failed", "exited 0", "log", nil},

		{"success", func() *Evidence {
			return evidence(peonJob(jobCond(batchv1.JobComplete, "", "")), peonPod(corev1.PodSucceeded, terminated(0, "Completed")),
				ovl(overlord.StatusSuccess, ""), podLog(peonSuccessTail...))
		}, "", Succeeded, exitcode.OK, "SUCCEEDED", "", "", nil},

		{"running: nothing failed yet", func() *Evidence {
			return evidence(peonJob(), peonPod(corev1.PodRunning, corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Minute)}}), nil)
		}, "", Running, exitcode.NotRunning, "nothing has failed yet", "", "", nil},

		{"nothing known anywhere", func() *Evidence {
			return evidence(nil, nil, nil)
		}, "", Unknown, exitcode.NotFound, "nothing is known", "", "", nil},

		{"nothing known because the API refused", func() *Evidence {
			ev := evidence(nil, nil, nil)
			ev.Unread = []Unread{{What: WhatJob, Reason: `jobs.batch is forbidden: User "u" cannot list resource "jobs"`, Code: exitcode.Forbidden}}
			return ev
		}, "", Unknown, exitcode.Forbidden, "could not", "", "", nil},

		{"a refused side source does not hide the task: still nothing known", func() *Evidence {
			ev := evidence(nil, nil, nil)
			ev.Unread = []Unread{{What: "events of Job " + jobName, Reason: "events is forbidden", Code: exitcode.Forbidden}}
			return ev
		}, "", Unknown, exitcode.NotFound, "nothing is known", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Diagnose(tt.ev(), 20)
			var also []string
			for _, f := range rep.Findings[min(1, len(rep.Findings)):] {
				also = append(also, f.Signature)
			}
			if rep.Signature != tt.signature || rep.Outcome != tt.outcome || rep.ExitCode != tt.code {
				t.Fatalf("signature %q outcome %s exit %d, want %q %s %d\nverdict: %s\nfindings: %+v",
					rep.Signature, rep.Outcome, rep.ExitCode, tt.signature, tt.outcome, tt.code, rep.Verdict, rep.Findings)
			}
			if !strings.Contains(rep.Verdict, tt.verdict) || strings.Contains(rep.Verdict, "\n") {
				t.Errorf("verdict %q lacks %q (or spans lines)", rep.Verdict, tt.verdict)
			}
			if strings.Join(also, ",") != strings.Join(tt.also, ",") {
				t.Errorf("also matched %v, want %v", also, tt.also)
			}
			if tt.signature == "" {
				return
			}
			f := rep.Findings[0]
			if !strings.Contains(strings.Join(f.Evidence, "\n"), tt.evidence) {
				t.Errorf("evidence lacks %q:\n%s", tt.evidence, strings.Join(f.Evidence, "\n"))
			}
			if !strings.Contains(strings.Join(f.Fix, "\n")+f.Reference, tt.fix) {
				t.Errorf("fix lacks %q: %v %s", tt.fix, f.Fix, f.Reference)
			}
		})
	}
}

func TestTheFirstJavaExceptionIsTheLead(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"java.lang.IllegalArgumentException: Unknown type[kafkaa]", true},
		{"org.apache.druid.java.util.common.ISE: Unknown type[kafkaa]", true},
		{"Caused by: org.apache.druid.java.util.common.IAE: bad interval", true},
		{"java.lang.OutOfMemoryError: Metaspace", true},
		{"2026-11-26T21:14:28,000 INFO [main] org.apache.druid.cli.CliPeon - Starting", false},
		{"INFO org.apache.druid.server.initialization.jetty.JettyServerModule - Starting Jetty Server...", false},
	}
	for _, tt := range tests {
		if got := javaException.MatchString(tt.line); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.line, got, tt.want)
		}
	}
}
