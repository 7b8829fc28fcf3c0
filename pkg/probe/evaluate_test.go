package probe

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

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// The task, Job and pod of the stories: Druid 28+ names (druid-facts.md §1
// vector 2), shapes of apache/druid master @4c0f5240c1 (Druid 36).
const (
	taskID = "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh"
	jobN   = "indexkafkawikipedia5f2c3e1a9ba-56871c80b218bffd8318022717280a33"
	podN   = jobN + "-x7k2p"
	ns     = "druid"
	// Druid's 404 text of GET /task/{id}/log, 35+ (OverlordResource, #18341).
	noLog35 = "No log was found for this task. No logs found for this task. Ensure that the task is running and logging is configured correctly."
)

var now = time.Date(2026, 7, 23, 10, 5, 0, 0, time.UTC)

func status(code overlord.StatusCode, runner overlord.RunnerStatusCode) *overlord.TaskStatusPlus {
	st := &overlord.TaskStatusPlus{ID: taskID, GroupID: taskID, Type: "index_kafka", StatusCode: code, Status: code,
		RunnerStatusCode: runner, Duration: -1, DataSource: "wikipedia", Location: overlord.TaskLocation{Port: -1, TLSPort: -1}}
	if runner == overlord.RunnerRunning {
		st.Location = overlord.TaskLocation{Host: "10.244.1.7", Port: 8100, TLSPort: -1, K8sPodName: podN}
	}
	return st
}

func job() *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: jobN, Namespace: ns, CreationTimestamp: metav1.NewTime(now.Add(-time.Minute)),
		Annotations: map[string]string{"task.id": taskID}}}
}

func pod(mut func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: podN, Namespace: ns},
		Spec:   corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "main"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.1.7"}}
	if mut != nil {
		mut(p)
	}
	return p
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// answers is a leader Overlord reached by --overlord that knows the task
// as st; stories change what they need.
func answers(st *overlord.TaskStatusPlus, mut func(*Answers)) *Answers {
	a := &Answers{TaskID: taskID, Namespace: ns, Container: "main", Now: now,
		Overlord: OverlordAnswers{Where: "http://overlord:8090/druid/indexer/v1", How: "--overlord", IsLeader: yes(),
			LeaderURL: "http://10.244.0.15:8090", Status: st, ListsAsked: true}}
	if st == nil {
		a.Overlord.StatusErr = &overlord.NotFoundError{TaskID: taskID}
	}
	if mut != nil {
		mut(a)
	}
	return a
}

func event(reason, message string) corev1.Event {
	return corev1.Event{Type: corev1.EventTypeWarning, Reason: reason, Message: message, LastTimestamp: metav1.NewTime(now)}
}

func TestEvaluateStories(t *testing.T) {
	refused401 := &overlord.HTTPError{Method: "GET", URL: "http://overlord:8090/druid/indexer/v1/task/x/status", StatusCode: 401}
	proxy403 := &overlord.HTTPError{Method: "GET", URL: "https://api/api/v1/namespaces/druid/pods/ov-0:8090/proxy/druid/indexer/v1/isLeader", StatusCode: 403,
		Body: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"ov-0\" is forbidden: User \"dev\" cannot get resource \"pods/proxy\"","reason":"Forbidden","code":403}`}
	dialErr := errors.New(`overlord: GET http://overlord:8090/druid/indexer/v1/task/x/status: dial tcp 10.96.0.10:8090: connect: connection refused`)
	kubeletDown := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 500, Reason: metav1.StatusReasonInternalError,
		Message: `Get "https://node-1:10250/containerLogs/druid/` + podN + `/main?tailLines=5": dial tcp 10.0.0.5:10250: connect: connection refused`}}
	running := status(overlord.StatusRunning, overlord.RunnerRunning)
	pending := status(overlord.StatusRunning, overlord.RunnerPending)
	log200 := &overlord.LogAnswer{Code: 200, Bytes: 8192}
	log404 := &overlord.LogAnswer{Code: 404, Message: noLog35}
	stockTrace := &trace.Result{StockLines: []trace.PodLine{{Pod: "druid/druid-overlord-0",
		Line: "2026-07-23T10:00:07,101 INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Pod for job[" + jobN + "] is in state[Pending] for task[" + taskID + "]."}}}

	tests := []struct {
		name      string
		a         *Answers
		failed    trace.StepID
		code      int
		statuses  string // the five statuses, space-separated
		causeHas  []string
		fixHas    string
		ruleRead  bool
		ruleIsIPs bool
	}{
		{name: "no Overlord found and no log", a: answers(nil, func(a *Answers) {
			a.Overlord = OverlordAnswers{NoneWhy: "no Overlord pod found in namespace druid"}
		}), failed: "request", code: 1, statuses: "unknown unknown unknown unknown unknown",
			causeHas: []string{"no Overlord could be asked", "Kubernetes has no Job"}, fixHas: "--overlord URL"},
		{name: "Overlord unreachable, log evidence only", a: answers(nil, func(a *Answers) {
			a.Overlord.StatusErr, a.Overlord.IsLeader, a.Overlord.LeaderErr = dialErr, nil, dialErr
			a.Kube.Job, a.Kube.Pod = job(), pod(nil)
			a.Logs.Trace = stockTrace
		}), failed: "request", code: 1, statuses: "fail unknown unknown unknown unknown",
			causeHas: []string{"connection refused", "Kubernetes alone says RUNNING", "is in state[Pending]"}},
		{name: "credentials refused", a: answers(nil, func(a *Answers) {
			a.Overlord.StatusErr, a.Overlord.IsLeader, a.Overlord.LeaderErr = refused401, nil, refused401
		}), failed: "request", code: 5, statuses: "fail unknown unknown unknown unknown",
			causeHas: []string{"refused the plugin's credentials", "401 Unauthorized"}, fixHas: "--overlord-credentials-file"},
		{name: "API server refuses the pod proxy", a: answers(nil, func(a *Answers) {
			a.Overlord.StatusErr, a.Overlord.IsLeader, a.Overlord.LeaderErr = proxy403, nil, proxy403
			a.Overlord.Proxied = true
		}), failed: "request", code: 5, statuses: "fail unknown unknown unknown unknown",
			causeHas: []string{"API server refused", "pods/proxy"}, fixHas: "pods/proxy"},
		{name: "not the leader", a: answers(nil, func(a *Answers) {
			a.Overlord.IsLeader, a.Overlord.StatusErr = no(), dialErr
		}), failed: "request", code: 1, statuses: "fail unknown unknown unknown unknown",
			causeHas: []string{"is not the leader", "the leader is http://10.244.0.15:8090"}, fixHas: "--overlord http://10.244.0.15:8090"},
		{name: "unknown task", a: answers(nil, nil), failed: "work-item", code: 3, statuses: "ok fail skipped skipped skipped",
			causeHas: []string{"does not know task", "404"}, fixHas: "kubectl druid-logs list -n druid"},
		{name: "waiting", a: answers(status(overlord.StatusRunning, overlord.RunnerWaiting), func(a *Answers) { a.Overlord.InList = "waitingTasks" }),
			failed: "work-item", code: 4, statuses: "ok fail skipped skipped skipped", causeHas: []string{"WAITING", "locks"}, fixHas: "--wait"},
		{name: "queued behind capacity", a: answers(pending, func(a *Answers) {
			a.Overlord.InList = "pendingTasks"
			a.Overlord.Config = &overlord.RunnerConfig{Type: "k8s", Capacity: "2", Namespace: ns}
		}), failed: "lifecycle", code: 4, statuses: "ok ok fail skipped skipped",
			causeHas: []string{"queued", "druid.indexer.runner.capacity=2"}, fixHas: "raise druid.indexer.runner.capacity", ruleRead: true, ruleIsIPs: true},
		{name: "pending: Job without a pod (quota)", a: answers(pending, func(a *Answers) {
			a.Kube.Job = job()
			a.Kube.JobEvents = []corev1.Event{event("FailedCreate", `Error creating: pods "x" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=8, limited: cpu=8`)}
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", causeHas: []string{"has no pod yet", "exceeded quota"}, fixHas: "kubectl describe job -n druid " + jobN},
		{name: "pending: pod unschedulable", a: answers(pending, func(a *Answers) {
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) {
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled,
					Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available: 3 Insufficient memory."}}}
				p.Spec.NodeName = ""
			})
			a.Kube.PodEvents = []corev1.Event{event("FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.")}
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", causeHas: []string{"cannot be scheduled", "Insufficient memory"}, fixHas: "kubectl describe pod"},
		{name: "pending: no IP yet", a: answers(pending, func(a *Answers) {
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) { p.Status = corev1.PodStatus{Phase: corev1.PodPending} })
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", causeHas: []string{"RUNNING = the pod has an IP", "no IP yet"}},
		{name: "pending: image pull", a: answers(pending, func(a *Answers) {
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) {
				p.Status = corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: "main",
					State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "apache/druid:36.0.1"`}}}}}
			})
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", causeHas: []string{"cannot pull its image", "ImagePullBackOff"}},
		{name: "informer mode: IP but Pending", a: answers(pending, func(a *Answers) {
			a.Overlord.Config = &overlord.RunnerConfig{Type: "k8s", SharedInformers: true}
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodPending
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
					Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}
			})
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", ruleRead: true,
			causeHas: []string{"has IP 10.244.1.7 but phase Pending", "shared informers"}},
		{name: "direct mode: the pod got its IP, the Overlord not yet", a: answers(pending, func(a *Answers) {
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending })
		}), failed: "running", code: 4, statuses: "ok ok ok fail skipped", causeHas: []string{"still reports PENDING", "next poll"}, fixHas: "retry", ruleIsIPs: true},
		{name: "running and served", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log200, job(), pod(nil)
		}), failed: "", code: 0, statuses: "ok ok ok ok ok", causeHas: []string{"serves the task's live log"}},
		{name: "running, 404: no container main", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job = log404, job()
			a.Kube.Pod = pod(func(p *corev1.Pod) { p.Spec.Containers = []corev1.Container{{Name: "druid"}} })
		}), failed: "log-watch", code: 7, statuses: "ok ok ok ok fail", causeHas: []string{`no container "main"`, "found: druid"}, fixHas: "-c druid"},
		{name: "running, 404: Overlord's account may not get pods/log", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Bytes: 300}
			a.Kube.Review = AccessAnswer{ServiceAccount: "druid:druid-overlord", Namespace: ns, Allowed: no()}
		}), failed: "log-watch", code: 5, statuses: "ok ok ok ok fail",
			causeHas: []string{"system:serviceaccount:druid:druid-overlord may not get pods/log"}, fixHas: "--serviceaccount=druid:druid-overlord"},
		{name: "running, 404: kubelet unreachable", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Err: kubeletDown}
			a.Kube.Review = AccessAnswer{ServiceAccount: "druid:druid-overlord", Namespace: ns, Allowed: yes()}
		}), failed: "log-watch", code: 1, statuses: "ok ok ok ok fail", causeHas: []string{"cannot serve the pod's log either", "10250"}, fixHas: "kubectl get node node-1"},
		{name: "running, 404: the plugin may not read pods/log", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, podN, errors.New("RBAC"))}
			a.Kube.Review = AccessAnswer{ServiceAccount: "druid:druid-overlord", Err: errors.New("forbidden: cannot create subjectaccessreviews")}
		}), failed: "log-watch", code: 5, statuses: "ok ok ok ok fail", causeHas: []string{"plugin may not read pods/log"}},
		{name: "running, 404, Kubernetes serves the log: the Overlord's read failed", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Bytes: 512}
			a.Logs.Trace = &trace.Result{StockLines: []trace.PodLine{{Line: "2026-07-23T10:04:00,001 ERROR [qtp1-42] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - " +
				"Error streaming logs for pod[" + podN + "] associated with task[" + taskID + "]"}}}
		}), failed: "log-watch", code: 1, statuses: "ok ok ok ok fail", causeHas: []string{"Error streaming logs for pod[", "could not be checked"}},
		{name: "running, 404: the instrumented log shows the failed step of the Overlord's read", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Bytes: 512}
			a.Kube.Review = AccessAnswer{ServiceAccount: "druid:druid-overlord", Namespace: ns, Allowed: yes()}
			logWatch := trace.StepLogWatch
			a.Logs.Trace = &trace.Result{Markers: true, FailedStep: &logWatch, Steps: []trace.Step{{}, {}, {}, {}, {Status: trace.Fail}},
				Cause: "Pod not found: the Overlord looked in namespace druid-elsewhere"}
		}), failed: "log-watch", code: 1, statuses: "ok ok ok ok fail",
			causeHas: []string{`it answered 404 "` + noLog35 + `"; its log shows step 5 (log-watch) fail: Pod not found: the Overlord looked in namespace druid-elsewhere`}},
		{name: "unreachable, the stock log shows the informer client and a pending task", a: answers(nil, func(a *Answers) {
			a.Overlord.StatusErr, a.Overlord.IsLeader, a.Overlord.LeaderErr = dialErr, nil, dialErr
			a.Kube.Job, a.Kube.Pod = job(), pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending })
			a.Logs.Trace = &trace.Result{Cause: "the Job was submitted, no line says its pod runs", Log: &trace.TaskLog{State: trace.StatePending, Informer: true,
				Submitted: &trace.Fact{Line: "2026-07-23T10:00:05,262 INFO [k8s-task-runner-0] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Submitting job[" + jobN + "] for task[" + taskID + "]."}}}
		}), failed: "request", code: 1, statuses: "fail unknown unknown unknown unknown",
			causeHas: []string{"Kubernetes alone says PENDING", "with shared informers", "by the Overlord's own log the task is pending"}},
		{name: "running, 404: the Overlord's read failed, root cause from its stack trace", a: answers(running, func(a *Answers) {
			a.Overlord.Log, a.Kube.Job, a.Kube.Pod = log404, job(), pod(nil)
			a.Kube.PodLog = PodLogAnswer{Tried: true, Bytes: 512}
			a.Kube.Review = AccessAnswer{ServiceAccount: "druid:druid-overlord", Namespace: ns, Allowed: yes()}
			a.Logs.Trace = &trace.Result{Log: &trace.TaskLog{State: trace.StateRunning, LogReadErrors: []trace.Fact{{
				Line:  "2026-07-23T10:04:00,001 ERROR [qtp1-42] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Error streaming logs for pod[" + podN + "] associated with task[" + taskID + "]",
				Stack: &trace.Incident{RootCause: "java.net.SocketTimeoutException: timeout"}}}}}
		}), failed: "log-watch", code: 1, statuses: "ok ok ok ok fail", causeHas: []string{"Error streaming logs for pod[", "root cause: java.net.SocketTimeoutException: timeout"}},
		{name: "finished SUCCESS", a: answers(status(overlord.StatusSuccess, overlord.RunnerWaiting), func(a *Answers) {
			a.Overlord.Log = &overlord.LogAnswer{Code: 200, Bytes: 8192}
			a.Overlord.Config = &overlord.RunnerConfig{Type: "k8s", LogsType: "s3"}
		}), failed: "work-item", code: 4, statuses: "ok fail skipped skipped skipped", ruleRead: true,
			causeHas: []string{"finished (SUCCESS)", "task-log storage (druid.indexer.logs.type=s3)", "served 8192 bytes"}, fixHas: "kubectl druid-logs follow " + taskID},
		{name: "finished FAILED", a: answers(func() *overlord.TaskStatusPlus {
			st := status(overlord.StatusFailed, overlord.RunnerWaiting)
			st.ErrorMsg = "Peon did not report status successfully."
			return st
		}(), func(a *Answers) { a.Overlord.Log = log404 }), failed: "work-item", code: 4, statuses: "ok fail skipped skipped skipped",
			causeHas: []string{"finished (FAILED)", "answered 404"}, fixHas: "kubectl druid-logs why " + taskID},
		{name: "finished FAILED: quota, by the Overlord's log and the Job's events", a: answers(func() *overlord.TaskStatusPlus {
			st := status(overlord.StatusFailed, overlord.RunnerWaiting)
			st.ErrorMsg = "Failed to run task. See overlord logs for more details."
			return st
		}(), func(a *Answers) {
			a.Overlord.Log = log404
			a.Kube.Job = job()
			a.Kube.JobEvents = []corev1.Event{event("FailedCreate", `Error creating: pods "x" is forbidden: exceeded quota: druid-tasks, requested: pods=1, used: pods=0, limited: pods=0`)}
			// KubernetesTaskRunner.java:295 (Druid 35+), the 36 wording.
			a.Logs.Trace = &trace.Result{Log: &trace.TaskLog{State: trace.StateFinished, Outcome: &trace.Outcome{Status: "FAILED",
				FailedBecause: &trace.Fact{Line: "2026-07-23T10:00:06,101 ERROR [k8s-task-runner-0] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[" + taskID +
					"] failed because Job[" + jobN + "] failed to create pods. Message[Error creating: pods \"x\" is forbidden: exceeded quota: druid-tasks]",
					Value: "Job[" + jobN + "] failed to create pods. Message[Error creating: pods \"x\" is forbidden: exceeded quota: druid-tasks]"}}}}
		}), failed: "work-item", code: 4, statuses: "ok fail skipped skipped skipped",
			causeHas: []string{"finished (FAILED)", "by the Overlord's log: Task[" + taskID + "] failed because Job[", "exceeded quota: druid-tasks]",
				"Job " + jobN + "'s events: FailedCreate: Error creating"}, fixHas: "kubectl druid-logs why " + taskID},
		{name: "finished FAILED: the root cause of the launch's stack trace", a: answers(func() *overlord.TaskStatusPlus {
			st := status(overlord.StatusFailed, overlord.RunnerWaiting)
			st.ErrorMsg = "Failed to run task. See overlord logs for more details."
			return st
		}(), func(a *Answers) {
			a.Overlord.Log = log404
			a.Logs.Trace = &trace.Result{Log: &trace.TaskLog{State: trace.StateFinished, Outcome: &trace.Outcome{Status: "FAILED",
				ExecutionError: &trace.Fact{Line: "2026-07-23T10:00:06,101 ERROR [k8s-task-runner-0] org.apache.druid.k8s.overlord.KubernetesTaskRunner - Task[" + taskID + "] execution caught an exception",
					Stack: &trace.Incident{RootCause: "io.fabric8.kubernetes.client.KubernetesClientTimeoutException: Timed out waiting for [300000] milliseconds for [Pod] with name:[" + podN + "] in namespace [druid]."}}}}}
		}), failed: "work-item", code: 4, statuses: "ok fail skipped skipped skipped",
			causeHas: []string{"by the Overlord's log", "Timed out waiting for [300000] milliseconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate(tt.a)
			var got []string
			for _, s := range d.Steps {
				got = append(got, string(s.Status))
			}
			if d.Failed() != tt.failed || d.ExitCode != tt.code || strings.Join(got, " ") != tt.statuses {
				t.Errorf("failed %q exit %d steps %q; want %q %d %q\ncause: %s", d.Failed(), d.ExitCode, strings.Join(got, " "),
					tt.failed, tt.code, tt.statuses, d.Cause)
			}
			for _, want := range tt.causeHas {
				if !strings.Contains(d.Cause, want) {
					t.Errorf("cause %q lacks %q", d.Cause, want)
				}
			}
			if !strings.Contains(d.Fix, tt.fixHas) {
				t.Errorf("fix %q lacks %q", d.Fix, tt.fixHas)
			}
			if d.RunningRule.Read != tt.ruleRead {
				t.Errorf("rule read = %v, want %v (%s)", d.RunningRule.Read, tt.ruleRead, d.RunningRule)
			}
			for _, s := range d.Steps {
				if s.Status != Skipped && s.Status != Unknown && s.Summary == "" {
					t.Errorf("step %s has no summary", s.ID)
				}
			}
		})
	}
}

func TestOverlordLogNote(t *testing.T) {
	a := answers(nil, func(a *Answers) {
		a.Logs = LogEvidence{Pods: []string{"druid/druid-overlord-0"}, TailLines: 12, DruidLines: 0}
	})
	note := Evaluate(a).OverlordLog
	for _, want := range []string{"no line in Druid's pattern", "log/overlord.log", "DRUID_LOG4J", "kubectl exec -n druid druid-overlord-0 -- tail -n 200 log/overlord.log"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	a.Logs.DruidLines = 12
	if note := Evaluate(a).OverlordLog; strings.Contains(note, "DRUID_LOG4J") {
		t.Errorf("a log with Druid's lines gets the log4j2 advice: %s", note)
	}
}

func TestChooseRule(t *testing.T) {
	forbidden := &overlord.HTTPError{StatusCode: 403}
	tests := []struct {
		name   string
		cfg    *overlord.RunnerConfig
		err    error
		asked  bool
		flag   *bool
		rule   string
		read   bool
		source string
	}{
		{"read: informers", &overlord.RunnerConfig{SharedInformers: true}, nil, true, nil, "pod-phase", true, "useK8sSharedInformers=true"},
		{"read beats the flag", &overlord.RunnerConfig{}, nil, true, yes(), "pod-ip", true, "useK8sSharedInformers=false"},
		{"403: the flag", nil, forbidden, true, yes(), "pod-phase", false, "--shared-informers=true"},
		{"403, no flag: assumed", nil, forbidden, true, nil, "pod-ip", false, "properties are unavailable"},
		{"no Overlord: assumed", nil, nil, false, nil, "pod-ip", false, "no Overlord asked"},
	}
	for _, tt := range tests {
		c := ChooseRule(tt.cfg, tt.err, tt.asked, tt.flag)
		if string(c.Rule) != tt.rule || c.Read != tt.read || !strings.Contains(c.Source, tt.source) {
			t.Errorf("%s: %+v", tt.name, c)
		}
	}
}
