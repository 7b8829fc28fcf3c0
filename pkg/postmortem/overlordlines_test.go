package postmortem

import (
	"strings"
	"testing"
)

// TestOverlordLinesKeepTheTasksAndItsJobs: a Druid 36 Overlord's log keeps
// the lines naming the task, its K8sTaskId or only its Job.
func TestOverlordLinesKeepTheTasksAndItsJobs(t *testing.T) {
	log := strings.Join([]string{
		"2026-11-26T17:14:20,001 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[" + taskID + "]",
		"2026-11-26T17:14:21,002 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Submitting job[" + jobName + "] for task[" + taskID + "].",
		"2026-11-26T17:14:22,003 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Pod for job[" + jobName + "] launched. Waiting for pod to be in running state.",
		"2026-11-26T17:14:23,004 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[index_kafka_other_abcdefgh]",
		ovl36JobFailedBackoff,
		ovl36NoStatusPushed,
	}, "\n") + "\n"
	got, err := OverlordLines(strings.NewReader(log), taskID, []string{jobName})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || strings.Contains(strings.Join(got, "\n"), "index_kafka_other") {
		t.Fatalf("kept %d lines:\n%s", len(got), strings.Join(got, "\n"))
	}
	ev := evidence(nil, nil, stockFailed(stock29NoStatus, ranAt), storedLogOf(peonWorking))
	ev.OverlordLines = got
	rep := Diagnose(ev, 5)
	if len(rep.Evidence.OverlordLog) != 5 || rep.Causes[0].ID != "oom-killed" || !strings.Contains(strings.Join(rep.Causes[0].Evidence, "\n"), "BackoffLimitExceeded") {
		t.Fatalf("the Overlord's lines are not evidence: %+v", rep.Causes[0])
	}
}

// TestOverlordLinesGiveTheLaunchFailuresRootCause: a launch timeout's
// stack trace is kept under its line, and launch-failed quotes its root cause.
func TestOverlordLinesGiveTheLaunchFailuresRootCause(t *testing.T) {
	got, err := OverlordLines(strings.NewReader(strings.Join(ovl36LaunchTimeout, "\n")), taskID, []string{jobName})
	if err != nil || len(got) != len(ovl36LaunchTimeout)-1 {
		t.Fatalf("%v: kept %d lines:\n%s", err, len(got), strings.Join(got, "\n"))
	}
	ev := evidence(nil, nil, stockFailed(stockFailedToRun, neverRan))
	ev.OverlordLines = got
	rep := Diagnose(ev, 5)
	if rep.Signature != "launch-failed" || !strings.Contains(rep.Verdict, "Timed out waiting for [3600000] milliseconds for [Pod]") ||
		!strings.Contains(strings.Join(rep.Findings[0].Evidence, "\n"), "execution caught an exception") {
		t.Fatalf("%s\n%v", rep.Verdict, rep.Findings[0].Evidence)
	}
}
