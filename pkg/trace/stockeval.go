package trace

import (
	"fmt"
	"sort"
	"strings"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// stockSteps decides the five steps from a stock log's evidence (no
// instrumented request for the task): which layer the log points at, and
// the exit code from the log alone. It never says "not found": only the
// Overlord's 404 on /task/{id}/status does.
func stockSteps(tl *TaskLog) (steps []Step, failed *StepID, code int) {
	steps = emptySteps()
	set := func(s StepID, st Status, facts ...*Fact) {
		i := s.Number() - 1
		steps[i].Status = st
		var kept []*Fact
		for _, f := range facts {
			if f != nil {
				kept = append(kept, f)
			}
		}
		sort.SliceStable(kept, func(a, b int) bool { return later(kept[b].at, kept[a].at) })
		for _, f := range kept {
			steps[i].Lines = append(steps[i].Lines, f.Line)
		}
	}
	for i := range tl.Requests {
		steps[0].Lines = append(steps[0].Lines, tl.Requests[i].Line)
	}
	if len(tl.Requests) > 0 {
		steps[0].Status = OK
	}
	o := tl.Outcome
	switch tl.State {
	case StateFinished:
		var lines []*Fact
		if o != nil {
			lines = []*Fact{o.Received, o.LaunchFailed, o.FailedBecause, o.ExecutionError, o.JobFailed, o.JobVanished, o.NoStatusPushed, o.LogPushed, o.Completed}
			if o.Alert != nil {
				lines = append(lines, &o.Alert.Fact)
			}
		}
		set(StepWorkItem, Fail, lines...)
	case StateWaiting:
		set(StepWorkItem, Fail, tl.Added)
	case StateQueued, StatePending, StateRunning:
		set(StepWorkItem, OK, tl.Added, tl.Queued)
	}
	switch tl.State {
	case StateQueued:
		set(StepLifecycle, Fail)
	case StatePending, StateRunning:
		set(StepLifecycle, OK, tl.Submitted)
	}
	switch {
	case tl.State == StateRunning:
		set(StepRunning, OK, tl.Running)
	case tl.State == StatePending && runningLogged(tl):
		set(StepRunning, Fail, tl.Launched)
	case tl.State == StatePending:
		set(StepRunning, Missing, tl.Launched)
	}
	if tl.State == StateRunning {
		errLine, served := lastLogRead(tl)
		switch {
		case errLine != nil && (served == nil || later(errLine.at, served.at)):
			set(StepLogWatch, Fail, errLine)
		case served != nil:
			set(StepLogWatch, OK, served)
		}
	}
	for i := range steps {
		if failed != nil {
			steps[i].Status = Skipped
			continue
		}
		if steps[i].Status == Fail {
			s := Steps[i]
			failed = &s
		}
	}
	if failed == nil && steps[4].Status != OK {
		// Nothing failed and nothing shows the live log served: the log
		// stops at the first step after the last one it proves.
		last := -1
		for i := range steps {
			if steps[i].Status == OK {
				last = i
			}
		}
		s := Steps[min(last+1, 4)]
		failed = &s
	}
	return steps, failed, stockExitCode(tl, failed)
}

// stockExitCode is the exit code the log alone gives: 4 when it shows the
// task not RUNNING (finished, waiting, queued, pending), 1 when it cannot
// tell or a log read failed, 5 when the read was refused, 7 when the pod
// has no container main, 0 when it shows the live log served.
func stockExitCode(tl *TaskLog, failed *StepID) int {
	if failed == nil {
		return exitcode.OK
	}
	switch tl.State {
	case StateQueued:
		if tl.Reattached {
			return exitcode.Error
		}
		return exitcode.NotRunning
	case StateFinished, StateWaiting:
		return exitcode.NotRunning
	case StatePending:
		if runningLogged(tl) {
			return exitcode.NotRunning
		}
		return exitcode.Error
	case StateRunning:
		if *failed == StepLogWatch {
			if f, _ := lastLogRead(tl); f != nil {
				switch readFailure(f) {
				case "forbidden":
					return exitcode.Forbidden
				case "no-main":
					return exitcode.Misconfigured
				}
			}
		}
	}
	return exitcode.Error
}

// runningLogged reports whether the log's Druid version prints a line
// when the pod runs (35+: "Pod for job[...] is in state[...]", 36+
// informer "Pod[...] ... is now in Running/Complete state"), so its
// absence means PENDING. 27-34 print none (27-29 "Took task ... ms").
func runningLogged(tl *TaskLog) bool {
	return tl.Launched != nil || tl.versionLo >= 35
}

// lastLogRead returns the newest live-log read error and the newest /log
// request answered 200 after the task began running.
func lastLogRead(tl *TaskLog) (errLine, served *Fact) {
	if n := len(tl.LogReadErrors); n > 0 {
		errLine = &tl.LogReadErrors[n-1]
	}
	for i := len(tl.Requests) - 1; i >= 0; i-- {
		r := &tl.Requests[i]
		if r.Resource == "log" && r.Status == 200 && (tl.Running == nil || later(r.at, tl.Running.at)) {
			served = &r.Fact
			break
		}
	}
	return errLine, served
}

// readFailure classifies a live-log read error by its root cause.
func readFailure(f *Fact) string {
	cause := f.Line
	if f.Stack != nil {
		cause += " " + f.Stack.RootCause
	}
	switch {
	case strings.Contains(cause, "is forbidden") || strings.Contains(cause, "code=403"):
		return "forbidden"
	case strings.Contains(cause, "is not valid for pod"):
		return "no-main"
	case strings.Contains(cause, "is waiting to start"):
		return "waiting"
	case strings.Contains(cause, "not found") || strings.Contains(cause, "code=404"):
		return "gone"
	}
	return ""
}

// rootCause is the root cause of a fact's stack trace, else its line's
// message.
func rootCause(f *Fact) string {
	if f == nil {
		return ""
	}
	rc := Parse(f.Line).Message
	if f.Stack != nil && f.Stack.RootCause != "" {
		rc = f.Stack.RootCause
	}
	// fabric8 repeats the API's Status object after the message.
	if i := strings.Index(rc, " Received status: Status("); i > 0 {
		rc = rc[:i]
	}
	if len(rc) > maxCauseText {
		rc = rc[:maxCauseText] + "..."
	}
	return rc
}

// maxCauseText bounds an exception message quoted in a cause; the whole
// one is in Result.Log.
const maxCauseText = 400

// stockExplain gives the cause and fix of a stock evaluation.
func stockExplain(ctx Context, tl *TaskLog, res *Result, failed *StepID) (cause, fix string) {
	ns := nsFlag(ctx)
	id := ctx.TaskID
	job := orText(tl.Job, ctx.Job)
	pods := strings.Join(res.OverlordPods, ", ")
	switch tl.State {
	case StateNotSeen:
		cause = fmt.Sprintf("not seen: no line of the Overlord's log (%s) %s names task %s or its Job; the log alone cannot "+
			"say whether the Overlord knows it (a mistyped ID, a task of another Overlord or leader, a window that misses it); "+
			"the Overlord decides: GET /druid/indexer/v1/task/%s/status (404 = not found)", orText(pods, "no pod"), ctx.Window, id, id)
		fix = "check the task ID (kubectl druid-logs list" + ns + "), ask the leader Overlord, or widen the window with --since"
		if res.Leader != "" {
			fix += "; the leader in this window is " + res.Leader
		}
		return cause, fix
	case StateRequested:
		return fmt.Sprintf("the request log shows requests for task %s (%s) but no line of its life in the window %s",
				id, requestSummary(tl), ctx.Window),
			"widen the window with --since, or ask the Overlord: GET /druid/indexer/v1/task/" + id + "/status"
	case StateWaiting:
		return fmt.Sprintf("the task was submitted at %s (%s) but not handed to the task runner yet: it waits in the task queue "+
				"(locks, or the queue not managing yet), so there is no work item and no live log", tl.Added.Time, Parse(tl.Added.Line).Message),
			"wait; GET /druid/indexer/v1/waitingTasks lists it"
	case StateQueued:
		if tl.Reattached {
			return fmt.Sprintf("the task queue asked the runner to run task %s at %s, after the runner re-attached the running "+
					"Jobs of a previous leader (\"Locating [N] active tasks.\"): it is queued (no Job yet) or one of those "+
					"running tasks, for which the runner logs nothing; the log alone cannot tell", id, tl.Queued.Time),
				"ask the Overlord (GET /druid/indexer/v1/task/" + id + "/status: runnerStatusCode) or look for its Job: kubectl get jobs" + ns + " -l druid.k8s.peons"
		}
		return fmt.Sprintf("queued: the Overlord handed the task to the Kubernetes runner at %s (\"Asking taskRunner to run task[%s]\")"+
				"%s and no Job was submitted since: its lifecycle is NOT_STARTED, behind the runner's capacity "+
				"(druid.indexer.runner.capacity: every k8s-task-runner thread holds a task), so there is no pod and no live log yet",
				tl.Queued.Time, id, onCluster(tl)),
			"wait for a slot, or raise druid.indexer.runner.capacity; GET /druid/indexer/v1/pendingTasks lists it"
	case StatePending:
		if !runningLogged(tl) {
			return fmt.Sprintf("Job %s was submitted at %s; Druid %s logs no line when the pod starts (27-34 print none; 35+ "+
					"print \"Pod for job[...] is in state[...]\"), so the log cannot tell PENDING from RUNNING", job, tl.Submitted.Time,
					orText(tl.DruidVersions, "27-34")),
				"ask the Overlord (GET /druid/indexer/v1/task/" + id + "/status: runnerStatusCode) or look at the pod: kubectl get pods" + ns + " -l job-name=" + job
		}
		what := "no pod exists yet (quota, admission, or the Job controller has not created it)"
		switch {
		case tl.Informer:
			what = "its pod has not reached phase Running (the informer client, useK8sSharedInformers=true: RUNNING = " +
				"phase Running/Succeeded/Failed): not created, unschedulable, or its containers not started"
		case tl.Launched != nil:
			what = "its pod exists since " + tl.Launched.Time + " but has not started (unschedulable, image pull, or no IP yet)"
		}
		return fmt.Sprintf("PENDING: Job %s was submitted at %s%s and %s; the live log is served only once the pod runs "+
				"(no line says so in the log)", job, tl.Submitted.Time, onCluster(tl), what),
			"kubectl describe pods" + ns + " -l job-name=" + job + " (events: scheduling, quota, image)"
	case StateRunning:
		return runningExplain(ctx, tl, failed, job)
	case StateFinished:
		return finishedExplain(ctx, tl, job)
	}
	return "", ""
}

func runningExplain(ctx Context, tl *TaskLog, failed *StepID, job string) (cause, fix string) {
	id, ns := ctx.TaskID, nsFlag(ctx)
	since := "RUNNING"
	if tl.Running != nil {
		since = fmt.Sprintf("RUNNING since %s (%s)", tl.Running.Time, Parse(tl.Running.Line).Message)
	}
	errLine, served := lastLogRead(tl)
	switch {
	case failed == nil:
		return fmt.Sprintf("the task is %s and the Overlord served its live log at %s (request log: %s)", since, served.Time,
			Parse(served.Line).Message), ""
	case *failed == StepLogWatch && errLine != nil:
		cause = fmt.Sprintf("the task is %s, but the Overlord could not read the pod's log from the Kubernetes API at %s "+
			"(%s): %s", since, errLine.Time, Parse(errLine.Line).Message, rootCause(errLine))
		switch readFailure(errLine) {
		case "waiting":
			cause += "; the container main has not started yet (ContainerCreating, image pull): Druid calls the task RUNNING once the pod has an IP"
			fix = "wait for the container to start: kubectl get pods" + ns + " -l job-name=" + job
		case "forbidden":
			cause += "; the Overlord's service account may not get pods/log"
			fix = "grant the Overlord's service account get on pods/log in the task's namespace (see docs/rbac.md)"
		case "no-main":
			cause += "; the pod has no container main, the only one Druid reads"
			fix = "name the peon's container main in the pod template"
		case "gone":
			cause += "; the pod was gone when the Overlord read it"
			fix = "kubectl druid-logs why " + id + ns
		default:
			fix = "check the kubelet and API server path to the pod: kubectl logs" + ns + " -l job-name=" + job + " -c main --tail 5"
		}
		return cause, fix
	}
	return fmt.Sprintf("the task is %s; stock Druid logs nothing when it serves a live log, and no request-log line "+
			"for /task/%s/log follows (logger org.apache.druid.jetty.RequestLog not at DEBUG, or no request): the log alone "+
			"cannot tell whether the live log is served", since, id),
		"ask the Overlord: GET /druid/indexer/v1/task/" + id + "/log?offset=-8192"
}

func finishedExplain(ctx Context, tl *TaskLog, job string) (cause, fix string) {
	id, ns := ctx.TaskID, nsFlag(ctx)
	o := tl.Outcome
	status := orText(o.Status, "ending")
	var b strings.Builder
	fmt.Fprintf(&b, "finished %s", status)
	if o.Completed != nil {
		fmt.Fprintf(&b, " at %s", o.Completed.Time)
		if o.DurationMs != nil && *o.DurationMs >= 0 {
			fmt.Fprintf(&b, " after %d ms", *o.DurationMs)
		}
	}
	if o.ErrorMsg != "" {
		fmt.Fprintf(&b, " (errorMsg %q)", o.ErrorMsg)
	}
	b.WriteString(": the runner dropped its work item, so the live log is no longer served")
	switch {
	case o.FailedBecause != nil:
		fmt.Fprintf(&b, "; the pod never ran: Task[%s] failed because %s", id, o.FailedBecause.Value)
	case o.ExecutionError != nil || o.Alert != nil || o.LaunchFailed != nil:
		f := o.ExecutionError
		if f == nil && o.Alert != nil {
			f = &o.Alert.Fact
		}
		rc := rootCause(f)
		switch {
		case strings.Contains(rc, "Timed out waiting for") || o.PodWaitTimedOut != nil:
			fmt.Fprintf(&b, "; the pod never started within k8sjobLaunchTimeout: %s", rc)
		case strings.Contains(rc, "appeared and disappeared"):
			fmt.Fprintf(&b, "; the pod never became ready (informer client timeout or the pod vanished): %s", rc)
		case rc != "":
			fmt.Fprintf(&b, "; the runner failed to launch or follow the task: %s", rc)
		}
		if o.Alert != nil {
			fmt.Fprintf(&b, " (alert: exceptionType=%s, exceptionMessage=%s)", o.Alert.ExceptionType, o.Alert.ExceptionMessage)
		}
	}
	if o.JobFailed != nil {
		fmt.Fprintf(&b, "; the Job failed (%s)", orText(o.JobFailureReason, "JobStatus logged"))
	}
	if o.Shutdown != nil && o.Shutdown.Value != "" && o.Shutdown.Value != "notified status change from task" {
		fmt.Fprintf(&b, "; the runner shut it down at %s because [%s]", o.Shutdown.Time, o.Shutdown.Value)
	}
	if o.JobVanished != nil {
		fmt.Fprintf(&b, "; the Job vanished while the task ran at %s (K8s job for the task was not found: deleted by hand, or by someone else)", o.JobVanished.Time)
	}
	if o.NoStatusPushed != nil {
		b.WriteString("; the peon did not push its task status (no status.json): it was killed (OOMKilled, evicted, node lost, Job or pod deleted, deadline) or cannot write task logs")
	}
	launchFailed := o.FailedBecause != nil || o.ExecutionError != nil || o.Alert != nil || o.LaunchFailed != nil
	switch {
	case o.LogPushed != nil:
		fmt.Fprintf(&b, "; its log was pushed to task-log storage at %s: %s, which the Overlord serves now", o.LogPushed.Time, o.LogPushed.Value)
	case launchFailed && tl.Running == nil:
		b.WriteString("; the pod never ran, so no task log was saved")
	default:
		b.WriteString("; no line shows its log pushed to task-log storage")
	}
	if n := tl.LogRequests["200"]; n > 0 {
		fmt.Fprintf(&b, "; request log: %s", requestSummary(tl))
	}
	cause = b.String()
	fix = "read the stored log through the Overlord: kubectl druid-logs follow " + id + ns + " --overlord URL"
	if status != "SUCCESS" {
		fix += "; explain the failure: kubectl druid-logs why " + id + ns
	}
	return cause, fix
}

// onCluster names the multik8s cluster the task was sent to.
func onCluster(tl *TaskLog) string {
	if tl.Cluster == "" {
		return ""
	}
	return " (multik8s cluster " + tl.Cluster + ")"
}

// requestSummary is "/log 200 x2, 404 x1".
func requestSummary(tl *TaskLog) string {
	var parts []string
	for _, code := range []string{"200", "404", "500"} {
		if n := tl.LogRequests[code]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s x%d", code, n))
		}
	}
	var other []string
	for code := range tl.LogRequests {
		if code != "200" && code != "404" && code != "500" {
			other = append(other, code)
		}
	}
	sort.Strings(other)
	for _, code := range other {
		parts = append(parts, fmt.Sprintf("%s x%d", code, tl.LogRequests[code]))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d request(s), none for /log", len(tl.Requests))
	}
	return "GET /task/{id}/log answered " + strings.Join(parts, ", ")
}

// FailureReason is why the task failed by its log, quoting the line or the
// root cause it rests on: the runner's "Task[...] failed because ..."
// (35+), the root cause of the launch's exception or of the "Failed to
// run task" alert, the Job's failure, the Job vanishing, or the peon not
// pushing its status; "" when the log shows no failure.
func (o *Outcome) FailureReason() string {
	if o == nil {
		return ""
	}
	var parts []string
	switch {
	case o.FailedBecause != nil:
		parts = append(parts, Parse(o.FailedBecause.Line).Message)
	case o.ExecutionError != nil:
		parts = append(parts, rootCause(o.ExecutionError))
	case o.Alert != nil:
		parts = append(parts, rootCause(&o.Alert.Fact))
	}
	if o.JobFailed != nil {
		parts = append(parts, "the Job failed ("+orText(o.JobFailureReason, Parse(o.JobFailed.Line).Message)+")")
	}
	for _, f := range []*Fact{o.JobVanished, o.NoStatusPushed} {
		if f != nil {
			parts = append(parts, Parse(f.Line).Message)
		}
	}
	return strings.Join(parts, "; ")
}
