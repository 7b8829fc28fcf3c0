package trace

import (
	"fmt"
	"sort"
	"strings"
)

// Context is what Evaluate needs to know besides the traces.
type Context struct {
	TaskID, Namespace string
	// Job is the task's Job name when known (the Job found, else Druid
	// 28+'s name), for the fix commands.
	Job string
	// Window says which part of the logs was read, for messages
	// ("since 2026-12-01T10:00:00Z (the task's Job creation)").
	Window string
}

// Step is one step of the trace in the JSON schema of `trace -o json`.
type Step struct {
	Step   int      `json:"step"`
	ID     StepID   `json:"id"`
	Status Status   `json:"status"`
	Lines  []string `json:"lines"`
}

// PodLine is a line and the pod that wrote it.
type PodLine struct {
	Pod  string `json:"pod"`
	Line string `json:"line"`
}

// PodInfo says what was read from one Overlord pod.
type PodInfo struct {
	Pod            string
	Lines, Markers int64
	// DruidLines counts the lines in Druid's pattern, JSONLines those of
	// a JSON layout.
	DruidLines, JSONLines int64
	// Leader is the time of the pod's last "I have the power" line, "" if
	// none; LeaderLost the time of a later "I am no longer the leader..."
	// (32+), "" if none.
	Leader, LeaderLost string
}

// Result is the trace of one task: the JSON of `trace -o json`.
type Result struct {
	TaskID       string   `json:"taskId"`
	OverlordPods []string `json:"overlordPods"`
	Steps        []Step   `json:"steps"`
	// FailedStep is the first step that failed or, when none failed and
	// no stream was obtained, the first without evidence; nil when the
	// Overlord obtained a log stream.
	FailedStep *StepID `json:"failedStep"`
	Cause      string  `json:"cause"`
	Fix        string  `json:"fix"`

	// Markers is false when no pod's log holds any marker line: the
	// Overlord is not instrumented.
	Markers bool `json:"markers"`
	// Leader is the pod that logged becoming the leader last in the
	// window; HandledBy the pod that handled the traced request.
	Leader    string `json:"leader"`
	HandledBy string `json:"handledBy"`
	// Requests and StreamsObtained count the task's requests in the window.
	Requests        int `json:"requests"`
	StreamsObtained int `json:"streamsObtained"`
	// Transitions are the task's state-transition lines.
	Transitions []string `json:"transitions"`
	// StockLines are the task runner's uninstrumented lines naming the
	// task or its Job.
	StockLines []PodLine `json:"stockLines"`

	// Log is what the Overlord's stock lines show of the task, layer by
	// layer (see TaskLog); always set.
	Log *TaskLog `json:"log"`
	// NoDruidLines is set when the pods' log has lines but none in Druid's
	// pattern; NoDruidLinesCause then says why and how to fix it.
	NoDruidLines      bool   `json:"noDruidLines"`
	NoDruidLinesCause string `json:"noDruidLinesCause,omitempty"`
	// LogExitCode is the exit code from the log alone (see ExitCode).
	LogExitCode int `json:"logExitCode"`

	// Trace is the traced request's lines and the transitions, in order.
	Trace []Line `json:"-"`
	// Pods says what was read from each pod.
	Pods []PodInfo `json:"-"`
}

// ExitCode is the shared exit code from the log alone: never 3 (only the
// Overlord's 404 on /task/{id}/status says "not found"); 1 when the log
// does not show the task or cannot tell, 4 when it shows the task not
// RUNNING (finished, waiting, queued, pending), 0 when it shows the live
// log served; with markers, the failed step's StepID.ExitCode.
func (r *Result) ExitCode() int { return r.LogExitCode }

// Evaluate builds the trace of ctx.TaskID from the pods' traces.
func Evaluate(ctx Context, pods []PodTrace) *Result {
	res := &Result{TaskID: ctx.TaskID, OverlordPods: []string{}, Transitions: []string{}, StockLines: []PodLine{}}
	var latest *Request
	var leaderLine *Line
	for i := range pods {
		p := &pods[i]
		res.OverlordPods = append(res.OverlordPods, p.Pod)
		info := PodInfo{Pod: p.Pod, Lines: p.Lines, Markers: p.Markers, DruidLines: p.Patterned, JSONLines: p.JSON}
		if p.Leader != nil {
			info.Leader = orText(p.Leader.Time, p.Leader.At.String())
			if p.LeaderLost == nil && (leaderLine == nil || later(*p.Leader, *leaderLine)) {
				leaderLine = p.Leader
			}
		}
		if p.LeaderLost != nil {
			info.LeaderLost = orText(p.LeaderLost.Time, p.LeaderLost.At.String())
		}
		res.Pods = append(res.Pods, info)
		res.Markers = res.Markers || p.Markers > 0
		res.Requests += p.Requests
		res.StreamsObtained += p.Obtained
		if p.Latest != nil && (latest == nil || later(p.Latest.First, latest.First)) {
			latest = p.Latest
		}
		for _, e := range p.Transitions {
			res.Transitions = append(res.Transitions, e.Text)
			res.Trace = append(res.Trace, e.Line)
		}
		for _, l := range p.Stock {
			res.StockLines = append(res.StockLines, PodLine{Pod: p.Pod, Line: l.Text})
		}
	}
	if leaderLine != nil {
		res.Leader = leaderLine.Pod
	}
	res.Log = newTaskLog(pods)
	res.NoDruidLines, res.NoDruidLinesCause = noDruidLines(ctx, res)
	if latest == nil {
		res.Steps, res.FailedStep, res.LogExitCode = stockSteps(res.Log)
		res.Cause, res.Fix = stockExplain(ctx, res.Log, res, res.FailedStep)
		if res.NoDruidLines {
			res.Cause, res.Fix = res.NoDruidLinesCause, noDruidLinesFix(ctx, res)
		}
		return res
	}
	res.HandledBy = latest.Pod
	for _, e := range latest.Entries {
		res.Trace = append(res.Trace, e.Line)
	}
	sort.SliceStable(res.Trace, func(i, j int) bool { return later(res.Trace[j], res.Trace[i]) })
	res.Steps, res.FailedStep = steps(latest)
	if res.FailedStep != nil {
		res.Cause, res.Fix = explain(ctx, latest, *res.FailedStep, res)
		res.LogExitCode = res.FailedStep.ExitCode()
	}
	return res
}

// later reports whether a comes after b: by the kubelet's time across
// pods, by position within one pod.
func later(a, b Line) bool {
	if a.Pod == b.Pod || a.At.IsZero() || b.At.IsZero() || a.At.Equal(b.At) {
		if a.Pod != b.Pod {
			return a.Pod > b.Pod
		}
		return a.Seq > b.Seq
	}
	return a.At.After(b.At)
}

func emptySteps() []Step {
	out := make([]Step, len(Steps))
	for i, s := range Steps {
		out[i] = Step{Step: i + 1, ID: s, Status: Missing, Lines: []string{}}
	}
	return out
}

// steps assigns the request's lines to the steps and decides each step's
// status. Lines carrying the answer back up the layers belong to the step
// that decided it.
func steps(r *Request) ([]Step, *StepID) {
	out := emptySteps()
	var evidence [5]Status
	outcome := r.Outcome()
	decider := StepLogWatch
	if outcome.Number() > 0 {
		decider = outcome
	}
	current := StepRequest
	for _, e := range r.Entries {
		s := current
		if e.Marker.Kind != NoMarker {
			s = stepOf(e.Marker)
			if s == "" {
				s = decider
				if e.Marker.Kind == OtherMarker {
					s = current
				}
			}
		}
		current = s
		i := s.Number() - 1
		out[i].Lines = append(out[i].Lines, e.Text)
		switch v := verdict(e.Marker); {
		case v == Fail:
			evidence[i] = Fail
		case v == OK && evidence[i] != Fail:
			evidence[i] = OK
		}
	}
	if r.Has(StreamObtained) && evidence[4] == "" {
		evidence[4] = OK // the API layer's answer proves the watch
	}
	var failed *StepID
	for i := range out {
		switch {
		case failed != nil:
			out[i].Status = Skipped
		case evidence[i] == "":
			out[i].Status = Missing
		default:
			out[i].Status = evidence[i]
		}
		if out[i].Status == Fail && failed == nil {
			s := Steps[i]
			failed = &s
		}
	}
	if failed == nil && evidence[4] != OK {
		// Nothing failed and no stream came back: the first step after
		// the last one proven is where the trail stops.
		last := -1
		for i := range evidence {
			if evidence[i] == OK {
				last = i
			}
		}
		s := Steps[min(last+1, 4)]
		failed = &s
	}
	return out, failed
}

// noDruidLines says whether the pods' log has lines but none in Druid's
// pattern, and why.
func noDruidLines(ctx Context, res *Result) (bool, string) {
	var lines, druid, json int64
	for _, p := range res.Pods {
		lines += p.Lines
		druid += p.DruidLines
		json += p.JSONLines
	}
	if lines == 0 || druid > 0 || res.Markers {
		return false, ""
	}
	if json*2 > lines {
		return true, fmt.Sprintf("none of the %d lines of %s %s is in Druid's log pattern (%%d{ISO8601} %%p [%%t] %%c - %%m%%n): "+
			"%d of them are in a JSON layout, which trace does not read", lines, strings.Join(res.OverlordPods, ", "), ctx.Window, json)
	}
	return true, fmt.Sprintf("none of the %d lines of %s %s is in Druid's log pattern (%%d{ISO8601} %%p [%%t] %%c - %%m%%n): "+
		"the Overlord's log4j2 writes its log to a file (log/overlord.log with the Docker image's default configuration), "+
		"not to stdout, so pods/log holds none of Druid's lines", lines, strings.Join(res.OverlordPods, ", "), ctx.Window)
}

func noDruidLinesFix(ctx Context, res *Result) string {
	if strings.Contains(res.NoDruidLinesCause, "JSON layout") {
		return "give the Overlord's Console appender Druid's PatternLayout (%d{ISO8601} %p [%t] %c - %m%n), " +
			"or search the JSON log by the task ID in your log store"
	}
	pod := "OVERLORD_POD"
	if len(res.OverlordPods) > 0 {
		pod = res.OverlordPods[0][strings.IndexByte(res.OverlordPods[0], '/')+1:]
	}
	return "send the Overlord's log to stdout: set the environment variable DRUID_LOG4J to a log4j2 configuration with a " +
		"Console appender (Druid's distribution/docker/environment has one, with org.apache.druid.jetty.RequestLog at DEBUG), " +
		"or mount a log4j2.xml with a Console appender; meanwhile read the file: kubectl exec" + nsFlag(ctx) + " " + pod +
		" -- tail -n 200 log/overlord.log"
}

// explain gives the cause and fix of a request that stopped at step s.
func explain(ctx Context, r *Request, s StepID, res *Result) (cause, fix string) {
	job := orText(r.Job, ctx.Job)
	fl, _ := r.failingLine()
	switch {
	case s == StepWorkItem && r.Has(WorkItemMissing):
		return "the Overlord's Kubernetes task runner has no work item for the task: it was not submitted to this runner " +
				"(another runner such as k8sAndWorker's MiddleManagers, another Overlord, or a wrong ID)",
			"verify the task ID and the runner (druid.indexer.runner.type=k8s on the Overlord that runs the task): " +
				"GET /druid/indexer/v1/task/" + ctx.TaskID + "/status"
	case s == StepLifecycle && r.Has(LifecycleMissing):
		return "the task is queued, not started: its work item has no peon lifecycle yet, so no Job was launched",
			"wait and retry: kubectl druid-logs follow " + ctx.TaskID + nsFlag(ctx) + " --wait"
	case s == StepRunning && (r.Has(NotRunning) || r.State != ""):
		cause = fmt.Sprintf("the peon lifecycle is %s, not RUNNING: the task's pod has not started (Druid streams live logs only once the pod has an IP)",
			orText(r.State, "not RUNNING"))
		for i := len(res.Transitions) - 1; i >= 0; i-- {
			if m, ok := Recognize(Parse(res.Transitions[i]).Message); ok && m.Kind == NowRunning && transitionAfter(res.Trace, res.Transitions[i], fl) {
				cause += "; it became RUNNING after this request: retry now"
				break
			}
		}
		return cause, "kubectl get pods" + nsFlag(ctx) + " -l job-name=" + orText(job, "JOB")
	case s == StepLogWatch && (r.Has(WatchError) || r.Has(WatchNull)):
		if r.Has(WatchNull) {
			cause = "the Kubernetes client returned a null LogWatch for Job " + orText(job, "?")
		} else {
			detail := ""
			for _, e := range r.Entries {
				if e.Marker.Kind == WatchError {
					detail = e.Marker.Detail
				}
			}
			cause = "the Kubernetes API refused the log watch for Job " + orText(job, "?") + ": " + orText(detail, "no detail logged")
		}
		cause += " (pod gone, API server unreachable, wrong namespace or container)"
		if r.Namespace != "" || r.Container != "" {
			cause += fmt.Sprintf("; the Overlord looked in namespace %s, container %s", orText(r.Namespace, "?"), orText(r.Container, "?"))
		}
		return cause, "check the pod, Job and container: kubectl druid-logs check " + ctx.TaskID + nsFlag(ctx)
	}
	at := orText(r.First.Time, "the window's end")
	cause = fmt.Sprintf("no line shows step %d (%s) of the request at %s on thread %s: the request may still be in progress, "+
		"or its lines were lost or filtered (log level above INFO?)", s.Number(), s, at, orText(r.Thread, "?"))
	return cause, "run the trace again in a few seconds; if it stays so, check the Overlord's log configuration"
}

// transitionAfter reports whether the transition line comes after the
// failing line in the ordered trace.
func transitionAfter(trace []Line, transition string, failing Line) bool {
	for _, l := range trace {
		if l.Text == transition {
			return later(l, failing)
		}
	}
	return false
}

func nsFlag(ctx Context) string {
	if ctx.Namespace == "" {
		return ""
	}
	return " -n " + ctx.Namespace
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
