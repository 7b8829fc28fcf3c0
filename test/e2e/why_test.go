//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// whyReport is `why -o json` as a script reads it.
type whyReport struct {
	TaskID, Namespace, Outcome, Verdict, Signature string
	Known                                          bool
	Fix                                            []string
	Findings                                       []struct {
		Signature, Cause string
		Evidence         []string
	}
	Causes []struct {
		ID, Cause, Likelihood string
		ExitCode              int
	}
	ExitCode int
}

func (r whyReport) signatures() string {
	var s []string
	for _, f := range r.Findings {
		s = append(s, f.Signature)
	}
	return strings.Join(s, ",")
}

// whyJSON runs why -o json and returns the report and the run.
func whyJSON(t *testing.T, args ...string) (whyReport, result) {
	t.Helper()
	r := plug(t, append([]string{"why", "-o", "json"}, args...)...)
	var rep whyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("why -o json printed no JSON (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return rep, r
}

// placeholder is the log Druid saves when it could read none (KubernetesPeonLifecycle).
func placeholder(id, job string) string {
	return "Peon for task [[ " + id + ", " + job + "]] did not report any logs. Check k8s metrics and events for the pod to see what happened.\n"
}

// overlordFor serves a simulated Overlord that knows the task, finished with statusCode and
// errorMsg, its pod at podName, and saved log.
func overlordFor(t *testing.T, id, podName, statusCode, errorMsg, log string) string {
	sim := overlordsim.New(overlordsim.Config{})
	sim.Put(overlordsim.NewTask(id, "index_kafka", "wikipedia", time.Now().Add(-10*time.Minute)))
	sim.Start(id, "10.244.9.9", podName)
	sim.Finish(id, statusCode, errorMsg, 9*time.Minute)
	if log != "" {
		sim.SetLog(id, []byte(log))
	}
	return overlordsim.Serve(t, sim)
}

const peonNoStatus = "Peon did not report status successfully."

func TestWhy(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name      string
		setup     func(t *testing.T) (taskID string, extra []string)
		code      int
		signature string
		verdict   string // the verdict starts with it
		also      string // a later finding
	}{
		{"an OOMKilled peon", func(t *testing.T) (string, []string) {
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_kafka_oom_abcdefgh"}, numbered("Appenderator", 0, 30)...)
			must(t, task.OOMKill(testCtx(t)))
			return "index_kafka_oom_abcdefgh", nil
		}, 6, "oom-killed", "FAILED: container main was OOMKilled (exit 137)", ""},

		{"an evicted peon that pushed neither status nor log", func(t *testing.T) (string, []string) {
			const id = "index_kafka_evicted_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, numbered("Appenderator", 0, 5)...)
			must(t, task.Evict(testCtx(t)))
			return id, []string{"--overlord", overlordFor(t, id, task.PodName(), overlordsim.Failed, peonNoStatus, placeholder(id, task.JobName))}
		}, 6, "evicted", "FAILED: the pod was evicted: The node was low on resource: memory; it pushed neither its status nor its log", "no-logs"},

		{"an evicted peon whose Job and pod are gone: the events remain", func(t *testing.T) (string, []string) {
			const id = "index_kafka_evictgone_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id})
			must(t, task.Evict(testCtx(t)))
			url := overlordFor(t, id, task.PodName(), overlordsim.Failed, peonNoStatus, placeholder(id, task.JobName))
			must(t, task.DeleteJob(testCtx(t)))
			must(t, task.WaitPodGone(testCtx(t)))
			return id, []string{"--overlord", url}
		}, 6, "evicted", "FAILED: the pod was evicted", "no-logs"},

		{"a pod that never scheduled", func(t *testing.T) (string, []string) {
			task := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-never-scheduled", Unschedulable: true})
			waitUnschedulable(t, task)
			return "query-never-scheduled", nil
		}, 4, "never-scheduled", "PENDING: nothing has failed yet, but the pod was never scheduled", ""},

		{"a Job past its activeDeadlineSeconds (the real Job controller)", func(t *testing.T) (string, []string) {
			task, err := bed.CreateTaskWith(testCtx(t), testbed.TaskSpec{Namespace: ns, TaskID: "compact_wiki_deadline_abcdefgh"},
				func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr(int64(3)) })
			must(t, err)
			_, err = task.WaitJobFailed(testCtx(t), "DeadlineExceeded", time.Minute)
			must(t, err)
			return "compact_wiki_deadline_abcdefgh", nil
		}, 6, "deadline-exceeded", "FAILED: the Job ran longer than its activeDeadlineSeconds (3 s)", ""},

		{"the placeholder log, through the Overlord", func(t *testing.T) (string, []string) {
			const id = "index_parallel_placeholder_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			job := testbed.JobName("33", "", id)
			return id, []string{"--overlord", overlordFor(t, id, job[:58]+"abcde", overlordsim.Failed, peonNoStatus, placeholder(id, job))}
		}, 6, "peon-no-status", "FAILED: the peon stopped without pushing its status, and its pod was gone before Druid could read its log", "no-logs"},

		{"a template without main", func(t *testing.T) (string, []string) {
			const id = "query-template-primary"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"}, "peon line")
			must(t, task.Succeed(testCtx(t)))
			return id, []string{"--overlord", overlordFor(t, id, task.PodName(), overlordsim.Success, "", placeholder(id, task.JobName))}
		}, 7, "no-main-container", `SUCCEEDED, but misconfigured: the pod has no container named "main" (it has primary)`, "no-logs"},

		{"a peon that logged SUCCESS but pushed no status", func(t *testing.T) (string, []string) {
			const id = "index_kafka_nostatus_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			log := "2026-12-02T05:10:00,101 INFO [task-runner-0-priority-0] org.apache.druid.indexing.worker.executor.ExecutorLifecycle - Task completed with status: {\n" +
				"  \"id\" : \"" + id + "\",\n  \"status\" : \"SUCCESS\",\n  \"duration\" : 2314000,\n  \"errorMsg\" : null\n}\n" +
				"2026-12-02T05:10:00,412 INFO [main] org.apache.druid.cli.CliPeon - Finished peon task\n"
			return id, []string{"--overlord", overlordFor(t, id, "", overlordsim.Failed, peonNoStatus, log)}
		}, 6, "status-not-pushed", "FAILED: the peon finished with SUCCESS, but its status never reached task-log storage", ""},

		{"an image that cannot be pulled", func(t *testing.T) (string, []string) {
			task := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-badimage-why", Image: "apache/druid:nope"})
			must(t, task.SetWaiting(testCtx(t), "ImagePullBackOff", `Back-off pulling image "apache/druid:nope"`))
			return "query-badimage-why", nil
		}, 4, "image-pull", "PENDING: nothing has failed yet, but the image apache/druid:nope of container main cannot be pulled", ""},

		{"a crash with an exception in the log", func(t *testing.T) (string, []string) {
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_crash_abcdefgh"},
				"2026-12-02T05:10:00,001 ERROR [main] org.apache.druid.cli.CliPeon - Error when starting up.  Failing.",
				"org.apache.druid.java.util.common.ISE: Unknown type[kafkaa]")
			must(t, task.Fail(testCtx(t), 1))
			return "index_crash_abcdefgh", nil
		}, 6, "container-error", "FAILED: container main exited 1 (Error): org.apache.druid.java.util.common.ISE: Unknown type[kafkaa] (no known failure signature matched)", ""},

		{"a success", func(t *testing.T) (string, []string) {
			const id = "index_parallel_ok_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, "Finished peon task")
			must(t, task.Succeed(testCtx(t)))
			return id, []string{"--overlord", overlordFor(t, id, task.PodName(), overlordsim.Success, "", "Finished peon task\n")}
		}, 0, "", "SUCCEEDED: the Overlord reports SUCCESS after 9m0s; container main exited 0", ""},

		{"a task still running", func(t *testing.T) (string, []string) {
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-still-running"}, "working")
			return "query-still-running", nil
		}, 4, "", "RUNNING: nothing has failed yet: pod ", ""},

		{"a task nobody knows", func(t *testing.T) (string, []string) {
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return "query-nobody-knows", nil
		}, 3, "", "UNKNOWN: nothing is known of task query-nobody-knows: no Job in namespace " + ns, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, extra := tt.setup(t)
			args := append([]string{id, "-n", ns}, extra...)
			rep, r := whyJSON(t, args...)
			expectCode(t, r, tt.code)
			if rep.Signature != tt.signature || !strings.HasPrefix(rep.Verdict, tt.verdict) || rep.ExitCode != tt.code {
				t.Fatalf("signature %q verdict %q exitCode %d, want %q, a verdict starting %q\n%s", rep.Signature, rep.Verdict, rep.ExitCode, tt.signature, tt.verdict, r.stdout)
			}
			if tt.also != "" && !strings.Contains(rep.signatures(), tt.also) {
				t.Fatalf("findings %s lack %s", rep.signatures(), tt.also)
			}
			text := plug(t, append([]string{"why"}, args...)...)
			expectCode(t, text, tt.code)
			first, _, _ := strings.Cut(text.stdout, "\n")
			if first != rep.Verdict {
				t.Fatalf("the text's first line is not the verdict:\n%s", text.stdout)
			}
			ev, fix := strings.Index(text.stdout, "\nEvidence:\n"), strings.Index(text.stdout, "\nFix:\n")
			if ev < 0 || (tt.signature != "" && fix < ev) {
				t.Fatalf("want the verdict, then the evidence, then the fix:\n%s", text.stdout)
			}
			t.Logf("%s\n%s", strings.Join(append([]string{"kubectl druid-logs why"}, args...), " "), text.stdout)
		})
	}
}

// TestCheckPointsAtWhy: a failed task's check names the why command, in its text and its JSON.
func TestCheckPointsAtWhy(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-check-why"}, "line")
	must(t, task.OOMKill(testCtx(t)))
	rep, r := checkJSON(t, "query-check-why", "-n", ns)
	expectCode(t, r, 6)
	if got := findCheck(t, rep, "terminated"); !strings.Contains(got, "why it failed, and the fix: kubectl druid-logs why query-check-why -n "+ns) {
		t.Fatalf("terminated check: %s", got)
	}
	text := plug(t, "check", "query-check-why", "-n", ns, "--no-emoji")
	if !strings.Contains(text.stdout, "kubectl druid-logs why query-check-why -n "+ns) {
		t.Fatalf("text report:\n%s", text.stdout)
	}
}

// waitUnschedulable waits until the scheduler has marked the pod Unschedulable.
func waitUnschedulable(t *testing.T, task *testbed.Task) {
	t.Helper()
	must(t, testbed.WaitFor(testCtx(t), 30*time.Second, "FailedScheduling", func(ctx context.Context) (bool, error) {
		p, err := task.Pod(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Reason == "Unschedulable" {
				return true, nil
			}
		}
		return false, nil
	}))
}

// Stock Druid's words for the why stories below (apache/druid master @4c0f5240c1 unless another
// version is named; log-statements.md §7 lists them).
const (
	// TaskQueue.FAILED_TO_RUN_TASK_SEE_OVERLORD_MSG, every version.
	stockFailedToRun = "Failed to run task. See overlord logs for more details."
	// OverlordResource.doShutdown, every version.
	stockUserShutdown = "Shutdown request from user"
	// TaskQueue.start, recent versions.
	stockLockReacquire = "Shutting down forcefully as task failed to reacquire lock while becoming leader"
	// KubernetesPeonLifecycle.getTaskStatus, Druid 27-28.
	stock27NoStatus = "task status not found"
)

// stockPeonLog is the end of a Kafka peon's log at work (StreamAppenderator, Druid 29+), cut
// mid-task as a SIGKILL leaves it.
const stockPeonLog = "2026-12-02T05:09:58,120 INFO [task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - " +
	"Flushed in-memory data for segment[wikipedia_2026-12-02T05:00:00.000Z_2026-12-02T06:00:00.000Z_2026-12-02T04:59:58.123Z] spill[3] to disk in [412] ms (20,000 rows).\n" +
	"2026-12-02T05:10:00,001 INFO [task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Persisted rows[20,000] and (estimated) bytes[9,876,543]\n"

// forgottenTaskOverlord serves a stand-in Overlord that knows the task as a stock one answers for a
// failed task it has forgotten: FAILED with errorMsg, runnerStatusCode WAITING, duration -1 (a
// failed Job has no completionTime), and the location saved at the end: the pod's IP and name
// when podName is set (the peon ran), TaskLocation.unknown() when it is "" (it never did).
func forgottenTaskOverlord(t *testing.T, id, podName, errorMsg, log string) string {
	sim := overlordsim.New(overlordsim.Config{Version: overlordsim.Druid35})
	sim.Put(overlordsim.NewTask(id, "index_kafka", "wikipedia", time.Now().Add(-10*time.Minute)))
	if podName != "" {
		sim.Start(id, "10.244.9.9", podName)
	}
	sim.Finish(id, overlordsim.Failed, errorMsg, -time.Millisecond)
	if log != "" {
		sim.SetLog(id, []byte(log))
	}
	return overlordsim.Serve(t, sim)
}

// podEvent records an event about a pod as a control-plane component does.
func podEvent(t *testing.T, ns, pod, component, typ, reason, message string) {
	t.Helper()
	now := metav1.Now()
	_, err := bed.Clientset().CoreV1().Events(ns).Create(testCtx(t), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod, time.Now().UnixNano())},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod, APIVersion: "v1"},
		Reason:         reason, Message: message, Type: typ, Count: 1, FirstTimestamp: now, LastTimestamp: now,
		Source: corev1.EventSource{Component: component},
	}, metav1.CreateOptions{})
	must(t, err)
}

// TestWhyStockDruid: the failures a stock Overlord records, once Druid has deleted the Job (the
// default, debugJobs=false): each ends in its signature, its cause and exit 6; for a peon that
// left no status, the causes are ranked by what is left.
func TestWhyStockDruid(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name      string
		setup     func(t *testing.T) (taskID string, extra []string)
		signature string
		verdict   string // the verdict starts with it
		cause     string // the first ranked cause, "" when none are ranked
		likely    string // its likelihood
	}{
		{"a killed peon, its Job deleted by Druid, its saved log cut mid-task", func(t *testing.T) (string, []string) {
			const id = "index_kafka_killed_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, strings.Split(strings.TrimSpace(stockPeonLog), "\n")...)
			url := forgottenTaskOverlord(t, id, task.PodName(), peonNoStatus, stockPeonLog)
			must(t, task.DeleteJob(testCtx(t)))
			must(t, task.WaitPodGone(testCtx(t)))
			return id, []string{"--overlord", url}
		}, "peon-no-status", "FAILED: the peon stopped without pushing its status: most likely the kernel killed the peon", "oom-killed", "likely"},

		{"Druid 27-28's text of the same, nothing left but the Overlord", func(t *testing.T) (string, []string) {
			const id = "index_kafka_nothingleft_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, testbed.JobName("28", "", id)[:58]+"x7k2p", stock27NoStatus, "")}
		}, "peon-no-status", "FAILED: the peon stopped without pushing its status, and nothing left says which", "oom-killed", "possible"},

		{"a Job deleted by hand: the Overlord's log says it vanished", func(t *testing.T) (string, []string) {
			const id = "index_kafka_deleted_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, strings.Split(strings.TrimSpace(stockPeonLog), "\n")...)
			url := forgottenTaskOverlord(t, id, task.PodName(), peonNoStatus, placeholder(id, task.JobName))
			must(t, task.DeleteJob(testCtx(t)))
			must(t, task.WaitPodGone(testCtx(t)))
			// KubernetesPeonClient:143 (36+) and KubernetesPeonLifecycle:324 (29+), K8sTaskId "[ id, job]".
			k8sID := "[ " + id + ", " + task.JobName + "]"
			log := "2026-12-02T05:10:02,007 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - K8s job for the task[" + k8sID +
				"] was not found. It can happen if the task was canceled\n" +
				"2026-12-02T05:10:02,120 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.KubernetesPeonLifecycle - Peon for task [" + k8sID +
				"] did not push its task status. Check k8s logs and events for the pod to see what happened.\n" +
				"2026-12-02T05:10:03,000 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[index_kafka_other_abcdefgh]\n"
			path := t.TempDir() + "/overlord.log"
			must(t, writeFile(path, log))
			return id, []string{"--overlord", url, "--overlord-log", path}
		}, "peon-deleted", "FAILED: the peon's Job was deleted while the task ran", "peon-deleted", "confirmed"},

		{"a lost node: the pod's events outlive it", func(t *testing.T) (string, []string) {
			const id = "index_kafka_nodelost_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, "peon line")
			pod := task.PodName()
			podEvent(t, ns, pod, "node-controller", corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
			podEvent(t, ns, pod, "taint-eviction-controller", corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod "+ns+"/"+pod)
			url := forgottenTaskOverlord(t, id, pod, peonNoStatus, placeholder(id, task.JobName))
			must(t, task.DeleteJob(testCtx(t)))
			must(t, task.WaitPodGone(testCtx(t)))
			return id, []string{"--overlord", url}
		}, "node-lost", "FAILED: the pod's node was lost", "node-lost", "confirmed"},

		{"Failed to run task, and the peon never ran", func(t *testing.T) (string, []string) {
			const id = "index_kafka_neverran_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, "", stockFailedToRun, "")}
		}, "launch-failed", "FAILED: the Overlord could not start the peon", "", ""},

		{"Failed to run task after the peon ran", func(t *testing.T) (string, []string) {
			const id = "index_kafka_afterstart_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, testbed.JobName("36", "", id)[:58]+"x7k2p", stockFailedToRun, stockPeonLog)}
		}, "failed-after-start", "FAILED: the Overlord's runner failed after the peon started", "", ""},

		{"shut down by a user", func(t *testing.T) (string, []string) {
			const id = "index_kafka_usershutdown_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, testbed.JobName("36", "", id)[:58]+"x7k2p", stockUserShutdown, stockPeonLog)}
		}, "shutdown-by-user", "FAILED: the task was shut down through the Overlord's API", "", ""},

		{"a lock lost in a leader change", func(t *testing.T) (string, []string) {
			const id = "index_kafka_lockloss_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, testbed.JobName("36", "", id)[:58]+"x7k2p", stockLockReacquire, "")}
		}, "lock-reacquire-failed", "FAILED: the Overlord's leader changed", "", ""},

		{"the task's own error", func(t *testing.T) (string, []string) {
			const id = "index_parallel_ownerror_abcdefgh"
			must(t, bed.EnsureNamespace(testCtx(t), ns))
			own := "java.lang.RuntimeException: org.apache.druid.java.util.common.parsers.ParseException: Unable to parse row [{bad json]"
			return id, []string{"--overlord", forgottenTaskOverlord(t, id, testbed.JobName("36", "", id)[:58]+"x7k2p", own, stockPeonLog)}
		}, "task-error", "FAILED: the task itself failed: java.lang.RuntimeException", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, extra := tt.setup(t)
			args := append([]string{id, "-n", ns}, extra...)
			rep, r := whyJSON(t, args...)
			expectCode(t, r, 6)
			if rep.Signature != tt.signature || !rep.Known || !strings.HasPrefix(rep.Verdict, tt.verdict) || rep.ExitCode != 6 {
				t.Fatalf("signature %q known %v verdict %q exitCode %d, want %q, a verdict starting %q\n%s", rep.Signature, rep.Known, rep.Verdict, rep.ExitCode,
					tt.signature, tt.verdict, r.stdout)
			}
			switch {
			case tt.cause == "" && len(rep.Causes) > 0:
				t.Fatalf("causes ranked for %s:\n%s", tt.signature, r.stdout)
			case tt.cause != "" && (len(rep.Causes) == 0 || rep.Causes[0].ID != tt.cause || rep.Causes[0].Likelihood != tt.likely || rep.Causes[0].ExitCode != 6):
				t.Fatalf("first cause %+v, want %s %s exit 6\n%s", rep.Causes, tt.cause, tt.likely, r.stdout)
			}
			for _, f := range rep.Fix {
				if strings.Contains(f, "Timeout waiting for pod") {
					t.Fatalf("a fix names a line Druid never prints: %s", f)
				}
			}
			text := plug(t, append([]string{"why"}, args...)...)
			expectCode(t, text, 6)
			if first, _, _ := strings.Cut(text.stdout, "\n"); first != rep.Verdict {
				t.Fatalf("the text's first line is not the verdict:\n%s", text.stdout)
			}
			if tt.cause != "" && !strings.Contains(text.stdout, "\nCauses, most likely first") {
				t.Fatalf("the text lacks the ranked causes:\n%s", text.stdout)
			}
			t.Logf("%s\n%s", strings.Join(append([]string{"kubectl druid-logs why"}, args...), " "), text.stdout)
		})
	}
}
