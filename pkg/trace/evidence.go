package trace

import (
	"sort"
	"strconv"
	"strings"
)

// The states of a task as the Overlord's stock lines show it (TaskLog.State).
const (
	StateNotSeen   = "not-seen"  // no line names the task or its Job
	StateRequested = "requested" // only request-log lines name it
	StateWaiting   = "waiting"   // submitted (TaskLockbox), not handed to the runner yet
	StateQueued    = "queued"    // handed to the runner, no Job yet (lifecycle NOT_STARTED)
	StatePending   = "pending"   // Job submitted, no line says its pod runs (lifecycle PENDING)
	StateRunning   = "running"   // the pod runs (lifecycle RUNNING)
	StateFinished  = "finished"  // the runner's future completed or failed
)

// maxRequestFacts bounds the request-log lines kept per task.
const maxRequestFacts = 20

// Fact is one line of the Overlord's log that shows something about the
// task, with the statement's argument of interest and its stack trace.
type Fact struct {
	Pod  string `json:"pod"`
	Time string `json:"time"`
	Line string `json:"line"`
	// Value is the statement's argument of interest: the pod phase, the
	// JobStatus, the reason, the task-log location, the errorMsg.
	Value string `json:"value,omitempty"`
	// Stack is the stack trace that followed the line, kept up to its
	// root cause.
	Stack *Incident `json:"stack,omitempty"`

	at Line // orders facts
}

// RequestFact is a request-log line naming the task.
type RequestFact struct {
	Fact
	Method   string `json:"method"`
	Resource string `json:"resource"` // log, status, reports, "" for /task/{id}
	Status   int    `json:"status"`
}

// Alert is the TaskQueue's ERROR alert "Failed to run task: {...}"
// (TaskQueue.java@4c0f5240c1:800): the runner's future failed.
type Alert struct {
	Fact
	ExceptionType    string `json:"exceptionType"`
	ExceptionMessage string `json:"exceptionMessage"`
	TaskType         string `json:"taskType,omitempty"`
	DataSource       string `json:"dataSource,omitempty"`
}

// Outcome is how the task ended, as the log shows it.
type Outcome struct {
	// Status is SUCCESS or FAILED from "Received status[...]" or
	// "Completed task[...] with status[TaskStatus{...}]"; FAILED when
	// only the launch-failure lines are in the window.
	Status string `json:"status"`
	// ErrorMsg is the stored errorMsg (TaskStatus.errorMsg; "" for null)
	// and ErrorCategory its class (see ErrorCategory).
	ErrorMsg      string `json:"errorMsg,omitempty"`
	ErrorCategory string `json:"errorCategory,omitempty"`
	// DurationMs is TaskStatus.duration (-1 for failures Druid reports
	// without one); nil when no "Completed task" line is in the window.
	DurationMs *int64 `json:"durationMs,omitempty"`
	// Completed, Received: the TaskQueue's lines.
	Completed *Fact `json:"completed,omitempty"`
	Received  *Fact `json:"received,omitempty"`
	// Alert is the "Failed to run task: {...}" alert with its stack trace.
	Alert *Alert `json:"alert,omitempty"`
	// LaunchFailed is KubernetesPeonLifecycle's "Failed to run task: ID";
	// FailedBecause KubernetesTaskRunner's "Task[ID] failed because ..."
	// (Value: the reason, 35+); ExecutionError its "Task[ID] execution
	// caught an exception" with the stack trace; PodWaitTimedOut the
	// informer client's timeout (36+).
	LaunchFailed    *Fact `json:"launchFailed,omitempty"`
	FailedBecause   *Fact `json:"failedBecause,omitempty"`
	ExecutionError  *Fact `json:"executionError,omitempty"`
	PodWaitTimedOut *Fact `json:"podWaitTimedOut,omitempty"`
	// JobFailed is "Task[...] failed with status[JobStatus(...)]" (Value:
	// the JobStatus) and JobFailureReason the reason of its Failed
	// condition (BackoffLimitExceeded, DeadlineExceeded...).
	JobFailed        *Fact  `json:"jobFailed,omitempty"`
	JobFailureReason string `json:"jobFailureReason,omitempty"`
	// JobVanished: "K8s job for the task[...] was not found": the Job
	// disappeared while the task ran (deleted by hand or by someone else).
	JobVanished *Fact `json:"jobVanished,omitempty"`
	// NoStatusPushed: "Peon for task [...] did not push its task status":
	// no status.json in task-log storage (29+).
	NoStatusPushed   *Fact `json:"noStatusPushed,omitempty"`
	StatusLoadFailed *Fact `json:"statusLoadFailed,omitempty"`
	// LogPushed is where the task log was saved (Value: the location,
	// S3TaskLogs "Pushing task log ... to: LOC" or FileTaskLogs); a saved
	// log is what the Overlord serves once the task is finished.
	LogPushed     *Fact `json:"logPushed,omitempty"`
	LogSaveFailed *Fact `json:"logSaveFailed,omitempty"`
	// Shutdown is the runner's "Shutdown [ID] because [REASON]" (Value).
	Shutdown *Fact `json:"shutdown,omitempty"`
	// Cleanup says what became of the Job: "deleted" (Cleaned up k8s
	// job), "absent" (K8s job ... does not exist) or "kept"
	// (debugJobs=true); CleanupLine is the line.
	Cleanup     string `json:"cleanup,omitempty"`
	CleanupLine *Fact  `json:"cleanupLine,omitempty"`
}

// TaskLog is what the Overlord's stock lines show of one task: the
// evidence for each layer of the live-log path (see the package doc).
type TaskLog struct {
	// State is the task's state by the log (StateNotSeen ... StateFinished).
	State string `json:"state"`
	// Job is the task's Job as the log names it.
	Job string `json:"job,omitempty"`
	// Cluster is the multik8s runner's cluster (38+).
	Cluster string `json:"cluster,omitempty"`
	// Added (TaskLockbox) and Queued (TaskQueue "Asking taskRunner to run
	// task") show the work item; Submitted the Job's creation (the
	// lifecycle); Launched the pod's existence; Running the line that
	// makes the lifecycle RUNNING (PodState: the pod phase it names).
	Added     *Fact  `json:"added,omitempty"`
	Queued    *Fact  `json:"queued,omitempty"`
	Submitted *Fact  `json:"submitted,omitempty"`
	Launched  *Fact  `json:"launched,omitempty"`
	Running   *Fact  `json:"running,omitempty"`
	PodState  string `json:"podState,omitempty"`
	// Requests are the newest request-log lines naming the task (any
	// resource); LogRequests counts its /log requests by HTTP status.
	Requests    []RequestFact  `json:"requests"`
	LogRequests map[string]int `json:"logRequests"`
	// LogReadErrors are the ERRORs of live-log reads that failed
	// ("Error streaming logs for pod[...]" 36+, "Error streaming logs
	// from task: ..." 27-35) and the OverlordResource WARN "Failed to
	// stream log for task", each with its stack trace.
	LogReadErrors []Fact `json:"logReadErrors"`
	// LogWatchErrors are the errors of the log watch that saves the log.
	LogWatchErrors []Fact `json:"logWatchErrors"`
	// Outcome is how the task ended; nil while it has not.
	Outcome *Outcome `json:"outcome,omitempty"`
	// DruidVersions is the Druid version range the log's statements fit
	// ("36+", "27-33"), "" without a hint.
	DruidVersions string `json:"druidVersions,omitempty"`
	// Informer is set when the log shows the informer client
	// (useK8sSharedInformers=true, 36+): RUNNING is then the pod phase
	// Running/Succeeded/Failed, not "the pod has an IP".
	Informer bool `json:"informer,omitempty"`
	// Reattached is set when, before the task was queued, the runner
	// re-attached running Jobs on start (a new leader): a "queued" task
	// may then be one of them, running without a line.
	Reattached bool `json:"reattached,omitempty"`
	// Lines counts the task's recognised lines in the window.
	Lines int `json:"lines"`

	versionLo, versionHi int
}

// newTaskLog folds the pods' events of the task, oldest first.
func newTaskLog(pods []PodTrace) *TaskLog {
	tl := &TaskLog{State: StateNotSeen, Requests: []RequestFact{}, LogRequests: map[string]int{},
		LogReadErrors: []Fact{}, LogWatchErrors: []Fact{}}
	var events []StockEvent
	for _, p := range pods {
		events = append(events, p.Events...)
		tl.versionLo, tl.versionHi = narrow(tl.versionLo, tl.versionHi, p.VersionLo, p.VersionHi)
		tl.Informer = tl.Informer || p.Informer
	}
	tl.DruidVersions = VersionRange(tl.versionLo, tl.versionHi)
	sort.SliceStable(events, func(i, j int) bool { return later(events[j].Line, events[i].Line) })
	for _, e := range events {
		tl.add(e)
	}
	if tl.Queued != nil {
		for _, p := range pods {
			if p.Reattach != nil && p.Reattach.Pod == tl.Queued.at.Pod && later(tl.Queued.at, *p.Reattach) {
				tl.Reattached = true
			}
		}
	}
	return tl
}

func (tl *TaskLog) outcome() *Outcome {
	if tl.Outcome == nil {
		tl.Outcome = &Outcome{}
	}
	return tl.Outcome
}

// add folds the next event.
func (tl *TaskLog) add(e StockEvent) {
	s := e.Stock
	f := &Fact{Pod: e.Line.Pod, Time: e.Line.Time, Line: e.Line.Text, Value: s.Value, Stack: e.Incident, at: e.Line}
	tl.Lines++
	if s.Job != "" && tl.Job == "" {
		tl.Job = s.Job
	}
	advance := func(state string) {
		if rank(state) > rank(tl.State) {
			tl.State = state
		}
	}
	switch s.Kind {
	case HTTPRequest:
		r := s.Request
		tl.Requests = append(tl.Requests, RequestFact{Fact: *f, Method: r.Method, Resource: r.Resource, Status: r.Status})
		if len(tl.Requests) > maxRequestFacts {
			tl.Requests = tl.Requests[1:]
		}
		if r.Resource == "log" {
			tl.LogRequests[strconv.Itoa(r.Status)]++
		}
		advance(StateRequested)
	case TaskAdded:
		tl.Added = f
		advance(StateWaiting)
	case TaskQueued:
		tl.Queued = f
		advance(StateQueued)
	case ClusterAssigned:
		tl.Cluster = s.Value
	case JobSubmitting, JobSubmitted:
		if tl.Submitted == nil || s.Kind == JobSubmitting {
			tl.Submitted = f
		}
		advance(StatePending)
	case PodLaunched:
		tl.Launched = f
		advance(StatePending)
	case PodRunning:
		tl.Running, tl.PodState = f, s.Value
		advance(StateRunning)
	case LogReadError, LogServeError:
		tl.LogReadErrors = append(tl.LogReadErrors, *f)
		if s.Kind == LogReadError {
			advance(StateRunning) // the runner reads the pod's log only in RUNNING
		}
	case LogWatchError:
		tl.LogWatchErrors = append(tl.LogWatchErrors, *f)
	default:
		tl.addOutcome(s, f)
		advance(StateFinished)
	}
}

// addOutcome folds the statements of a task's end.
func (tl *TaskLog) addOutcome(s Stock, f *Fact) {
	o := tl.outcome()
	switch s.Kind {
	case LaunchFailed:
		o.LaunchFailed = f
	case FailedBecause:
		o.FailedBecause = f
	case ExecutionError:
		o.ExecutionError = f
	case PodWaitTimedOut:
		o.PodWaitTimedOut = f
	case JobFailed:
		o.JobFailed = f
		o.JobFailureReason = jobFailureReason(s.Value)
	case JobVanished:
		o.JobVanished = f
	case JobSucceeded, JobWaitTimedOut:
		if s.Kind == JobWaitTimedOut {
			o.JobFailed = f
			o.JobFailureReason = "timed out waiting for the Job to complete"
		}
	case NoStatusPushed:
		o.NoStatusPushed = f
	case StatusLoadFailed:
		o.StatusLoadFailed = f
	case LogSaveFailed:
		o.LogSaveFailed = f
	case LogPushed:
		o.LogPushed = f
	case StatusReceived:
		o.Received = f
		o.Status = s.Value
	case RunAlert:
		a := &Alert{Fact: *f, ExceptionType: AlertField(s.Value, "exceptionType"),
			ExceptionMessage: AlertField(s.Value, "exceptionMessage"), TaskType: AlertField(s.Value, "type"),
			DataSource: AlertField(s.Value, "dataSource")}
		o.Alert = a
	case TaskCompleted:
		o.Completed = f
		st, d, msg := parseTaskStatus(s.Value)
		if st != "" {
			o.Status = st
		}
		o.DurationMs = d
		o.ErrorMsg = msg
		o.ErrorCategory = ErrorCategory(msg)
		f.Value = msg
	case TaskShutdown:
		o.Shutdown = f
	case TaskDisappeared:
		o.Shutdown = f
	case JobCleaned:
		o.Cleanup, o.CleanupLine = "deleted", f
	case JobAbsent:
		o.Cleanup, o.CleanupLine = "absent", f
	case JobKept:
		o.Cleanup, o.CleanupLine = "kept", f
	}
	if o.Status == "" && (o.Alert != nil || o.LaunchFailed != nil || o.FailedBecause != nil || o.ExecutionError != nil) {
		o.Status = "FAILED"
	}
}

func rank(state string) int {
	for i, s := range []string{StateNotSeen, StateRequested, StateWaiting, StateQueued, StatePending, StateRunning, StateFinished} {
		if s == state {
			return i
		}
	}
	return 0
}

// parseTaskStatus reads TaskStatus.toString():
// "TaskStatus{id=ID, status=FAILED, duration=-1, errorMsg=MSG}" (a
// location may follow in some versions). errorMsg "null" is "".
func parseTaskStatus(s string) (status string, duration *int64, errorMsg string) {
	field := func(key string) string {
		i := strings.Index(s, key+"=")
		if i < 0 {
			return ""
		}
		v := s[i+len(key)+1:]
		if j := strings.Index(v, ", "); j >= 0 {
			v = v[:j]
		}
		return strings.TrimSuffix(v, "}")
	}
	status = field("status")
	if d, err := strconv.ParseInt(field("duration"), 10, 64); err == nil {
		duration = &d
	}
	if i := strings.Index(s, "errorMsg="); i >= 0 {
		errorMsg = s[i+len("errorMsg="):]
		if j := strings.LastIndex(errorMsg, ", location="); j >= 0 {
			errorMsg = errorMsg[:j]
		}
		errorMsg = strings.TrimSuffix(errorMsg, "}")
	}
	if errorMsg == "null" {
		errorMsg = ""
	}
	return status, duration, errorMsg
}

// jobFailureReason is the reason of the Failed condition in a fabric8
// JobStatus.toString() ("... reason=BackoffLimitExceeded, status=True,
// type=Failed ...").
func jobFailureReason(status string) string {
	for rest := status; ; {
		i := strings.Index(rest, "reason=")
		if i < 0 {
			return ""
		}
		rest = rest[i+len("reason="):]
		reason, cond := rest, rest
		if j := strings.IndexAny(reason, ",)"); j >= 0 {
			reason = reason[:j]
		}
		if j := strings.IndexByte(cond, ')'); j >= 0 {
			cond = cond[:j] // the rest of this JobCondition(...)
		}
		if strings.Contains(cond, "type=Failed") && reason != "null" {
			return reason
		}
	}
}

// The errorMsg categories (Outcome.ErrorCategory), from the values the
// Overlord stores for Kubernetes-runner tasks (log-statements.md §7).
const (
	ErrPeonNoStatus   = "peon-did-not-report-status" // "Peon did not report status successfully." (29+), "task status not found" (27-28)
	ErrFailedToRun    = "failed-to-run"              // "Failed to run task. See overlord logs for more details."
	ErrShutdownByUser = "shutdown-by-user"           // "Shutdown request from user"
	ErrStatusLoad     = "status-unreadable"          // "error loading status: ..."
	ErrLock           = "lock"                       // lock reacquire / isReady failures
	ErrTask           = "task-error"                 // the task's own message from status.json
)

// ErrorCategory classifies a stored errorMsg; "" for none.
func ErrorCategory(msg string) string {
	switch {
	case msg == "" || msg == "null":
		return ""
	case msg == "Peon did not report status successfully." || msg == "task status not found":
		return ErrPeonNoStatus
	case strings.HasPrefix(msg, "Failed to run task. See overlord logs"):
		return ErrFailedToRun
	case msg == "Shutdown request from user":
		return ErrShutdownByUser
	case strings.HasPrefix(msg, "error loading status:"):
		return ErrStatusLoad
	case strings.Contains(msg, "reacquire lock") || strings.Contains(msg, "while waiting for task to be ready"):
		return ErrLock
	}
	return ErrTask
}
