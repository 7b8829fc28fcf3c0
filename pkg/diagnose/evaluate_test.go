package diagnose

import (
	"errors"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func allowed() []Access {
	out := make([]Access, len(Needed))
	for i, a := range Needed {
		a.Allowed = true
		out[i] = a
	}
	return out
}

// scenario builds an observation; mutate adjusts the pod (nil = no pod).
func scenario(podMutate func(*corev1.Pod)) *Observation {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "queryabc123-a231684e224375f80c96f6832225c4a1", Namespace: "druid",
		CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}}
	obs := &Observation{TaskID: "query-abc123", Namespace: "druid", Container: "main", Now: now, Access: allowed(),
		Res: &locate.Resolution{TaskID: "query-abc123", Namespace: "druid", Job: job, Rule: druid.RuleDruid28},
		Log: LogProbe{Tried: true, Bytes: 120, Lines: 3}}
	if podMutate != nil {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "queryabc123-x", Namespace: "druid"},
			Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "main"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.7", ContainerStatuses: []corev1.ContainerStatus{
				{Name: "main", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}
		podMutate(pod)
		obs.Res.Pod, obs.Res.PodCount = pod, 1
	}
	obs.Res.State = druid.StateOf(obs.Res.Job, obs.Res.Pod, "main", now)
	return obs
}

func terminate(code int32, reason string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodSucceeded
		if code != 0 {
			p.Status.Phase = corev1.PodFailed
		}
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: code, Reason: reason, FinishedAt: metav1.NewTime(now.Add(-time.Minute))}}
	}
}

func TestEvaluateChecklist(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "x", errors.New(`User "u" cannot get resource "pods/log"`))
	tests := []struct {
		name     string
		obs      func() *Observation
		statuses string // job pod running container logs permissions terminated overlord overlord-log
		code     int
		contains string
	}{
		{"healthy running task", func() *Observation { return scenario(func(*corev1.Pod) {}) },
			"ok ok ok ok ok ok ok skipped skipped", exitcode.OK, "log stream opened: 3 lines"},
		{"job not found, found in another namespace", func() *Observation {
			o := scenario(nil)
			o.Res = &locate.Resolution{TaskID: o.TaskID, Namespace: "druid", NotFound: &locate.NotFoundError{TaskID: o.TaskID,
				Namespace: "druid", Tried: druid.JobNames(o.TaskID, ""), PeonJobs: 4}}
			o.Elsewhere = []string{"druid-b"}
			return o
		}, "fail skipped skipped skipped skipped ok skipped skipped skipped", exitcode.NotFound, "found in other namespace(s): druid-b"},
		{"lookup refused", func() *Observation {
			o := scenario(nil)
			o.Res, o.ResolveErr = nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "j", errors.New("no"))
			return o
		}, "fail skipped skipped skipped skipped ok skipped skipped skipped", exitcode.Forbidden, "cannot look up"},
		{"job without pod (quota)", func() *Observation {
			o := scenario(nil)
			o.JobEvents = []corev1.Event{{Type: "Warning", Reason: "FailedCreate", Message: "exceeded quota: compute"}}
			return o
		}, "ok fail skipped skipped skipped ok skipped skipped skipped", exitcode.NotRunning, "exceeded quota"},
		{"pending unschedulable", func() *Observation {
			o := scenario(func(p *corev1.Pod) {
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled,
					Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available"}}}
			})
			o.PodEvents = []corev1.Event{{Type: "Warning", Reason: "FailedScheduling", Message: "0/3 nodes are available"}}
			o.Log = LogProbe{Tried: true}
			return o
		}, "ok ok fail ok skipped ok ok skipped skipped", exitcode.NotRunning, "FailedScheduling"},
		{"image pull backoff with an IP", func() *Observation {
			o := scenario(func(p *corev1.Pod) {
				p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}
			})
			o.Log = LogProbe{Tried: true, Err: apierrors.NewBadRequest(`container "main" in pod "x" is waiting to start: trying and failing to pull image`)}
			return o
		}, "ok ok fail ok skipped ok ok skipped skipped", exitcode.NotRunning, "ImagePullBackOff"},
		{"wrong container name", func() *Observation {
			return scenario(func(p *corev1.Pod) {
				p.Spec.Containers[0].Name = "primary"
				p.Status.ContainerStatuses[0].Name = "primary"
			})
		}, "ok ok ok fail skipped ok skipped skipped skipped", exitcode.Misconfigured, `found: primary`},
		{"pods/log forbidden", func() *Observation {
			o := scenario(func(*corev1.Pod) {})
			o.Log.Err = forbidden
			o.Access[6].Allowed = false
			return o
		}, "ok ok ok ok fail fail ok skipped skipped", exitcode.Forbidden, "get pods/log"},
		{"OOMKilled", func() *Observation { return scenario(terminate(137, "OOMKilled")) },
			"ok ok warning ok ok ok fail skipped skipped", exitcode.ContainerFailed, "ran out of memory"},
		{"finished successfully", func() *Observation { return scenario(terminate(0, "Completed")) },
			"ok ok warning ok ok ok ok skipped skipped", exitcode.OK, "finished successfully"},
		{"two pods and an unreviewable permission", func() *Observation {
			o := scenario(func(*corev1.Pod) {})
			o.Res.PodCount = 2
			o.Access[0].Err = errors.New("the server is unhappy")
			return o
		}, "ok warning ok ok ok warning ok skipped skipped", exitcode.OK, "the newest is used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Evaluate(tt.obs())
			var got []string
			var text strings.Builder
			for _, c := range rep.Checks {
				got = append(got, string(c.Status))
				text.WriteString(c.Message + " " + strings.Join(c.Evidence, " ") + " " + c.Hint + "\n")
				if c.Status != OK && c.Status != Skipped && c.Hint == "" && c.Status == Fail {
					t.Errorf("failed check %s has no hint", c.ID)
				}
			}
			if strings.Join(got, " ") != tt.statuses {
				t.Fatalf("statuses = %s, want %s\n%s", strings.Join(got, " "), tt.statuses, text.String())
			}
			if rep.ExitCode() != tt.code {
				t.Fatalf("exit code = %d, want %d", rep.ExitCode(), tt.code)
			}
			if !strings.Contains(text.String(), tt.contains) {
				t.Fatalf("report does not mention %q:\n%s", tt.contains, text.String())
			}
		})
	}
}

// TestALogReadFailureIsTheVerdictOnlyWhileRunning: a finished container may
// have left no log; its end decides the exit code, as follow's does.
func TestALogReadFailureIsTheVerdictOnlyWhileRunning(t *testing.T) {
	noLog := apierrors.NewBadRequest(`container "main" in pod "queryabc123-x" is terminated`)
	tests := []struct {
		name     string
		pod      func(*corev1.Pod)
		err      error
		wantLogs Status
		wantCode int
	}{
		{"OOMKilled, no log: the container's verdict", terminate(137, "OOMKilled"), noLog, Warning, exitcode.ContainerFailed},
		{"exited 0, log unreadable: a warning", terminate(0, "Completed"), errors.New("stream error"), Warning, exitcode.OK},
		{"running, log unreadable: fails", func(*corev1.Pod) {}, errors.New("stream error"), Fail, exitcode.Error},
		{"finished, log forbidden: still a permission failure",
			terminate(0, "Completed"), apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "p", errors.New("no")), Fail, exitcode.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(tt.pod)
			obs.Log = LogProbe{Tried: true, Err: tt.err}
			rep := Evaluate(obs)
			if c := find(rep, CheckLogs); c.Status != tt.wantLogs || rep.ExitCode() != tt.wantCode {
				t.Fatalf("logs %s, exit %d; want %s, %d", c.Status, rep.ExitCode(), tt.wantLogs, tt.wantCode)
			}
		})
	}
}

func TestLearnedNothing(t *testing.T) {
	refused := errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")
	failedAccess := func() []Access {
		out := make([]Access, len(Needed))
		for i, a := range Needed {
			a.Err = refused
			out[i] = a
		}
		return out
	}
	tests := []struct {
		name string
		obs  Observation
		want bool
	}{
		{"unreachable: lookup and reviews failed", Observation{ResolveErr: refused, Access: failedAccess()}, true},
		{"RBAC refused the Job but the reviews answered", Observation{ResolveErr: refused, Access: allowed()}, false},
		{"found", Observation{Access: failedAccess()}, false},
	}
	for _, tt := range tests {
		if got := LearnedNothing(&tt.obs); got != tt.want {
			t.Errorf("%s: LearnedNothing = %v", tt.name, got)
		}
	}
}

func find(rep *Report, id string) Check {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	return Check{}
}

// TestLogsWarnsWhenTheStartOfTheLogWasRotatedAway: a first line written
// well after the container started means the kubelet rotated the start of
// the log away; the logs step says so and points to task-log storage.
func TestLogsWarnsWhenTheStartOfTheLogWasRotatedAway(t *testing.T) {
	started := now.Add(-3 * time.Hour)
	tests := []struct {
		name  string
		start logstart.Start
		want  Status
	}{
		{"first line 2s after the start", logstart.Start{Container: "main", Started: started, First: started.Add(2 * time.Second)}, OK},
		{"first line within the slack", logstart.Start{Container: "main", Started: started, First: started.Add(logstart.Slack)}, OK},
		{"first line 2h after the start: rotated", logstart.Start{Container: "main", Started: started, First: started.Add(2 * time.Hour)}, Warning},
		{"empty log", logstart.Start{Container: "main", Started: started}, OK},
		{"start not read", logstart.Start{}, OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(func(*corev1.Pod) {})
			obs.LogStart = tt.start
			rep := Evaluate(obs)
			c := find(rep, CheckLogs)
			if c.Status != tt.want || rep.ExitCode() != exitcode.OK {
				t.Fatalf("logs %s (%s), exit %d; want %s, 0", c.Status, c.Message, rep.ExitCode(), tt.want)
			}
			if tt.want != Warning {
				return
			}
			text := c.Message + "\n" + strings.Join(c.Evidence, "\n") + "\n" + c.Hint
			for _, w := range []string{"rotated away", "2h0m0s after container main started", "/druid/indexer/v1/task/query-abc123/log",
				"kubectl druid-logs follow query-abc123 -n druid --overlord URL"} {
				if !strings.Contains(text, w) {
					t.Errorf("logs check lacks %q:\n%s", w, text)
				}
			}
		})
	}
}
