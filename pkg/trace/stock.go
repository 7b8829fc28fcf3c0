package trace

import (
	"net/url"
	"strconv"
	"strings"
)

// StockKind is what a stock (uninstrumented) Druid statement says about a
// task.
type StockKind int

// The statements of a stock Overlord about a task, in the order of a
// task's life. The format strings, their class and the Druid versions
// that print them are in the statements table below.
const (
	NotStock         StockKind = iota
	TaskAdded                  // TaskLockbox: submitted, in the queue's active tasks
	TaskQueued                 // TaskQueue: handed to the runner (work item, lifecycle NOT_STARTED)
	ClusterAssigned            // MultipleKubernetesTaskRunner (38+): sent to a cluster's runner
	JobSubmitting              // KubernetesPeonClient: creating the Job (lifecycle PENDING)
	JobSubmitted               // KubernetesPeonClient: the Job exists, waiting for its pod
	PodLaunched                // KubernetesPeonClient: a pod exists, waiting for it to run
	PodRunning                 // the pod runs (has an IP, or informer phase): lifecycle RUNNING
	LaunchFailed               // KubernetesPeonLifecycle: run() failed (INFO)
	FailedBecause              // KubernetesTaskRunner: pod never appeared / FailedCreate (35+)
	ExecutionError             // KubernetesTaskRunner: run()/join() threw, with a stack trace
	PodWaitTimedOut            // CachingKubernetesPeonClient: no ready pod within k8sjobLaunchTimeout
	JobFailed                  // the Job finished without success (JobStatus)
	JobSucceeded               // CachingKubernetesPeonClient: the Job succeeded
	JobVanished                // the Job disappeared while the task ran
	JobWaitTimedOut            // CachingKubernetesPeonClient: the Job did not complete in time
	NoStatusPushed             // KubernetesPeonLifecycle: no status.json in task-log storage
	StatusLoadFailed           // KubernetesPeonLifecycle: status.json could not be read
	LogSaveFailed              // KubernetesPeonLifecycle: the task log could not be saved
	LogPushed                  // S3TaskLogs / FileTaskLogs: the task log is in task-log storage
	StatusReceived             // TaskQueue: the runner's future completed with a status
	RunAlert                   // TaskQueue ERROR alert: the runner's future failed
	TaskCompleted              // TaskQueue: status stored in the metadata store
	TaskShutdown               // KubernetesTaskRunner: shutdown with a reason
	TaskDisappeared            // KubernetesTaskRunner: work item gone while RUNNING
	JobCleaned                 // KubernetesPeonClient: the Job was deleted
	JobAbsent                  // KubernetesPeonClient: no Job left to delete
	JobKept                    // KubernetesPeonClient: debugJobs=true keeps the Job
	LogReadError               // KubernetesPeonClient: the live log's pods/log read threw
	LogWatchError              // the saved log's log watch threw
	LogServeError              // OverlordResource: GET /task/{id}/log threw (HTTP 500)
	HTTPRequest                // RequestLog DEBUG: an HTTP request and its status
)

var stockKindNames = [...]string{"", "task-added", "task-queued", "cluster-assigned", "job-submitting", "job-submitted",
	"pod-launched", "pod-running", "launch-failed", "failed-because", "execution-error", "pod-wait-timed-out",
	"job-failed", "job-succeeded", "job-vanished", "job-wait-timed-out", "no-status-pushed", "status-load-failed",
	"log-save-failed", "log-pushed", "status-received", "run-alert", "task-completed", "task-shutdown",
	"task-disappeared", "job-cleaned", "job-absent", "job-kept", "log-read-error", "log-watch-error",
	"log-serve-error", "http-request"}

// String is the kind's name in JSON ("job-submitted").
func (k StockKind) String() string {
	if int(k) < len(stockKindNames) {
		return stockKindNames[k]
	}
	return ""
}

// MarshalText writes the kind's name.
func (k StockKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Stock is a recognised stock statement.
type Stock struct {
	Kind StockKind
	// TaskID and Job are what the line names (a K8sTaskId "[ id, job]"
	// gives both); Pod the pod it names.
	TaskID, Job, Pod string
	// Value is the statement's other argument: the pod phase
	// (PodRunning), the JobStatus (JobFailed), the reason (FailedBecause,
	// TaskShutdown), the storage location (LogPushed), the status
	// (StatusReceived), the TaskStatus text (TaskCompleted), the runner
	// (ClusterAssigned), the alert's data map (RunAlert).
	Value string
	// Since and Until are the Druid versions that print this statement
	// (Until 0: still printed on master @4c0f5240c1).
	Since, Until int
	// Request is set for HTTPRequest.
	Request *HTTPRequestLine
	// Class is the simple name of the class that printed it.
	Class string
}

// HTTPRequestLine is a JettyRequestLog line: "REMOTE METHOD URI PROTOCOL
// STATUS" (apache/druid:server/src/main/java/org/apache/druid/server/
// initialization/jetty/JettyRequestLog.java@4c0f5240c1:37, logger
// org.apache.druid.jetty.RequestLog at DEBUG).
type HTTPRequestLine struct {
	Remote, Method, URI string
	Status              int
	// TaskID and Resource are set for /druid/indexer/v1/task/{id}/{resource}
	// (log, status, reports); Resource is "" for /task/{id}.
	TaskID, Resource string
	// Offset is the offset query parameter of a /log request.
	Offset string
}

// statement is one format string of a stock class.
type statement struct {
	class  string // the logger's simple name
	format string // the format string, verbatim
	kind   StockKind
	// args gives each placeholder's role: T task ID or K8sTaskId, J Job,
	// P pod, V the value, - ignored.
	args         string
	since, until int
}

// compiled is a statement with its format split at its placeholders.
type compiled struct {
	statement
	lits []string
}

// statements are stock Druid's statements about a task, read from
// apache/druid master @4c0f5240c1 and the release cuts (log-statements.md
// of the project's research, sections 3, 4 and 6). The paths are
// extensions-core/kubernetes-overlord-extensions/src/main/java/org/apache/
// druid/k8s/overlord/ for the k8s classes; indexing-service/src/main/java/
// org/apache/druid/indexing/overlord/ for TaskQueue, TaskLockbox and
// OverlordResource (http/). Lines are at @4c0f5240c1.
var statements = []statement{
	{"TaskLockbox", "Adding task[%s] to activeTasks", TaskAdded, "T", 27, 0},                                               // TaskLockbox.java:1205
	{"TaskQueue", "Asking taskRunner to run task[%s]", TaskQueued, "T", 27, 0},                                             // TaskQueue.java:466
	{"MultipleKubernetesTaskRunner", "Submitting task [%s] to runner [%s]", ClusterAssigned, "TV", 38, 0},                  // MultipleKubernetesTaskRunner.java:287
	{"KubernetesPeonClient", "Submitting job[%s] for task[%s].", JobSubmitting, "JT", 34, 0},                               // KubernetesPeonClient.java:89
	{"KubernetesPeonClient", "Successfully submitted job: %s ... waiting for job to launch", JobSubmitting, "J", 27, 33},   // 27-33
	{"KubernetesPeonClient", "Submitted job[%s] for task[%s]. Waiting for POD to launch.", JobSubmitted, "JT", 34, 0},      // :91
	{"KubernetesPeonClient", "K8s job[%s] already exists, skipping creation", JobSubmitted, "J", 35, 0},                    // :381
	{"KubernetesPeonClient", "Pod for job[%s] launched. Waiting for pod to be in running state.", PodLaunched, "J", 36, 0}, // :122
	{"KubernetesPeonClient", "Pod for job[%s] launched for task[%s]. Waiting for pod to be in running state.", PodLaunched, "JT", 35, 35},
	{"KubernetesPeonClient", "Pod for job[%s] is in state[%s] for task[%s].", PodRunning, "JVT", 36, 0}, // :98
	{"KubernetesPeonClient", "Pod for job[%s] is in state [%s] for task[%s].", PodRunning, "JVT", 35, 35},
	{"KubernetesPeonClient", "Took task %s %d ms for pod to startup", PodRunning, "T-", 27, 29},
	{"CachingKubernetesPeonClient", "Pod[%s] for job[%s] is now in Running/Complete state", PodRunning, "PJ", 36, 0}, // :179
	{"KubernetesPeonLifecycle", "Failed to run task: %s", LaunchFailed, "T", 27, 0},                                  // KubernetesPeonLifecycle.java:158
	{"KubernetesTaskRunner", "Task[%s] failed because %s", FailedBecause, "TV", 35, 0},                               // KubernetesTaskRunner.java:295
	{"KubernetesTaskRunner", "Task[%s] execution caught an exception", ExecutionError, "T", 35, 0},                   // :301
	{"KubernetesTaskRunner", "Task [%s] execution caught an exception", ExecutionError, "T", 27, 34},
	{"CachingKubernetesPeonClient", "Timed out waiting for pod for job[%s] to be created and ready", PodWaitTimedOut, "J", 36, 0}, // :213
	{"KubernetesPeonClient", "Task[%s] failed with status[%s]", JobFailed, "TV", 36, 0},                                           // :149
	{"KubernetesPeonClient", "Task %s failed with status %s", JobFailed, "TV", 27, 35},
	{"CachingKubernetesPeonClient", "K8s job[%s] failed with status %s", JobFailed, "JV", 36, 0}, // :244
	{"CachingKubernetesPeonClient", "K8s job[%s] completed successfully", JobSucceeded, "J", 36, 0},
	{"KubernetesPeonClient", "K8s job for the task[%s] was not found. It can happen if the task was canceled", JobVanished, "T", 36, 0}, // :143
	{"KubernetesPeonClient", "K8s job for the task [%s] was not found. It can happen if the task was canceled", JobVanished, "T", 27, 35},
	{"CachingKubernetesPeonClient", "K8s Job[%s] was not found. It can happen if the task was canceled", JobVanished, "J", 36, 0},                                           // :94
	{"CachingKubernetesPeonClient", "Timed out waiting for K8s job[%s] to complete", JobWaitTimedOut, "J", 36, 0},                                                           // :125
	{"KubernetesPeonLifecycle", "Peon for task [%s] did not push its task status. Check k8s logs and events for the pod to see what happened.", NoStatusPushed, "T", 29, 0}, // :324
	{"KubernetesPeonLifecycle", "Failed to load task status for task [%s]", StatusLoadFailed, "T", 27, 0},                                                                   // :332
	{"KubernetesPeonLifecycle", "Failed to stream logs for task [%s]", LogSaveFailed, "T", 27, 0},                                                                           // :407
	{"KubernetesPeonLifecycle", "Log processing failed for task [%s]", LogSaveFailed, "T", 28, 0},                                                                           // :219
	{"KubernetesPeonLifecycle", "Operation[%s] for task[%s] timed out after [%d] ms with error[%s].", LogSaveFailed, "-T-V", 35, 0},                                         // :469
	{"KubernetesPeonLifecycle", "Error during operation[%s] for task[%s]: %s", LogSaveFailed, "-TV", 35, 0},                                                                 // :475
	{"S3TaskLogs", "Pushing task log %s to: %s", LogPushed, "-V", 27, 0},                                                                                                    // s3-extensions S3TaskLogs.java:166
	{"FileTaskLogs", "Wrote task log to: %s", LogPushed, "V", 27, 0},                                                                                                        // indexing-service common/tasklogs/FileTaskLogs.java:56
	{"TaskQueue", "Received status[%s] for task[%s].", StatusReceived, "VT", 27, 0},                                                                                         // TaskQueue.java:792
	{"TaskQueue", "Failed to run task: %s", RunAlert, "V", 27, 0},                                                                                                           // TaskQueue.java:800 (EmittingLogger alert)
	{"TaskQueue", "Completed task[%s] with status[%s] in [%d]ms.", TaskCompleted, "TV-", 27, 0},                                                                             // :1097
	{"KubernetesTaskRunner", "Shutdown [%s] because [%s]", TaskShutdown, "TV", 27, 0},                                                                                       // :348
	{"KubernetesTaskRunner", "Task [%s] disappeared. This could happen if the task was canceled or if it crashed.", TaskDisappeared, "T", 30, 0},
	{"KubernetesTaskRunner", "Task [%s] disappeared", TaskDisappeared, "T", 28, 29},
	{"KubernetesPeonClient", "Cleaned up k8s job[%s]", JobCleaned, "T", 36, 0}, // :164
	{"KubernetesPeonClient", "Cleaned up k8s job: %s", JobCleaned, "T", 28, 35},
	{"KubernetesPeonClient", "Cleaned up k8s task: %s", JobCleaned, "T", 27, 27},
	{"KubernetesPeonClient", "K8s job[%s] does not exist", JobAbsent, "T", 36, 0}, // :166
	{"KubernetesPeonClient", "K8s job does not exist: %s", JobAbsent, "T", 28, 35},
	{"KubernetesPeonClient", "K8s task does not exist: %s", JobAbsent, "T", 27, 27},
	{"KubernetesPeonClient", "Not cleaning up job[%s] due to flag: debugJobs=true", JobKept, "T", 36, 0},
	{"KubernetesPeonClient", "Not cleaning up job %s due to flag: debugJobs=true", JobKept, "T", 28, 35},
	{"KubernetesPeonClient", "Error streaming logs for pod[%s] associated with task[%s]", LogReadError, "PT", 36, 0}, // :241
	{"KubernetesPeonClient", "Error streaming logs from task: %s", LogReadError, "T", 27, 35},
	{"KubernetesPeonClient", "Error watching logs from task[%s], pod[%s].", LogWatchError, "TP", 36, 0}, // :207
	{"KubernetesPeonClient", "Error watching logs from task: %s", LogWatchError, "T", 27, 35},
	{"KubernetesPeonLifecycle", "Error watching logs from task: %s", LogWatchError, "T", 27, 34},
	{"OverlordResource", "Failed to stream log for task %s", LogServeError, "T", 27, 0}, // http/OverlordResource.java:800
}

// byClass indexes statements by class.
var byClass = func() map[string][]compiled {
	m := map[string][]compiled{}
	for _, s := range statements {
		m[s.class] = append(m[s.class], compiled{s, splitFormat(s.format)})
	}
	return m
}()

// RecognizeStock tells whether l is one of stock Druid's statements about
// a task (or a RequestLog line) and what it says. It needs Druid's
// pattern: the class is the logger's simple name.
func RecognizeStock(l Line) (Stock, bool) {
	if l.Logger == "" {
		return Stock{}, false
	}
	class := l.Logger[strings.LastIndexByte(l.Logger, '.')+1:]
	if class == "RequestLog" {
		r, ok := parseRequestLine(l.Message)
		if !ok {
			return Stock{}, false
		}
		return Stock{Kind: HTTPRequest, TaskID: r.TaskID, Request: r, Since: 27, Class: class}, true
	}
	for _, st := range byClass[class] {
		caps, ok := match(st.lits, l.Message)
		if !ok {
			continue
		}
		s := Stock{Kind: st.kind, Since: st.since, Until: st.until, Class: class}
		for i, c := range caps {
			if i >= len(st.args) {
				break
			}
			switch st.args[i] {
			case 'T':
				if id, job, ok := k8sTaskID(c); ok {
					s.TaskID, s.Job = id, job
				} else {
					s.TaskID = c
				}
			case 'J':
				s.Job = c
			case 'P':
				s.Pod = c
			case 'V':
				s.Value = c
			}
		}
		if s.Kind == RunAlert {
			if !strings.HasPrefix(s.Value, "{") {
				continue
			}
			s.TaskID = AlertField(s.Value, "task")
		}
		if s.Kind == LogPushed {
			s.TaskID = taskOfLogKey(s.Value)
		}
		if s.TaskID == "" && s.Job == "" {
			continue
		}
		return s, true
	}
	return Stock{}, false
}

// match matches msg against a format string split at its %s, %d and %,d
// placeholders (splitFormat) and returns the arguments. A middle literal is found at its
// first occurrence after the previous argument, the last one at the end
// of msg, so arguments may hold brackets ("[ id, job]").
func match(lits []string, msg string) ([]string, bool) {
	if !strings.HasPrefix(msg, lits[0]) {
		return nil, false
	}
	pos := len(lits[0])
	caps := make([]string, 0, len(lits)-1)
	for i := 1; i < len(lits); i++ {
		lit := lits[i]
		if i == len(lits)-1 {
			if !strings.HasSuffix(msg, lit) || len(msg)-len(lit) < pos {
				return nil, false
			}
			caps = append(caps, msg[pos:len(msg)-len(lit)])
			return caps, true
		}
		from := 0
		if strings.HasPrefix(msg[pos:], "[ ") {
			// a K8sTaskId "[ id, job]": the literal follows its bracket.
			if k := strings.IndexByte(msg[pos:], ']'); k > 0 {
				from = k + 1
			}
		}
		j := strings.Index(msg[pos+from:], lit)
		if j < 0 {
			return nil, false
		}
		j += from
		caps = append(caps, msg[pos:pos+j])
		pos += j + len(lit)
	}
	return caps, msg[pos:] == ""
}

// splitFormat splits a format string at its placeholders.
func splitFormat(format string) []string {
	var out []string
	for {
		i := strings.IndexByte(format, '%')
		if i < 0 {
			return append(out, format)
		}
		n := 2
		if strings.HasPrefix(format[i:], "%,d") {
			n = 3
		}
		out = append(out, format[:i])
		format = format[i+n:]
	}
}

// k8sTaskID splits K8sTaskId.toString(), "[ " + taskId + ", " + jobName +
// "]" (K8sTaskId.java@4c0f5240c1:71-75).
func k8sTaskID(s string) (id, job string, ok bool) {
	if !strings.HasPrefix(s, "[ ") || !strings.HasSuffix(s, "]") {
		return "", "", false
	}
	in := s[2 : len(s)-1]
	i := strings.LastIndex(in, ", ")
	if i <= 0 {
		return "", "", false
	}
	return in[:i], in[i+2:], true
}

// taskOfLogKey is the task ID in a task-log location ".../<id>/log".
func taskOfLogKey(loc string) string {
	switch {
	case strings.HasSuffix(loc, "/log"):
		loc = strings.TrimSuffix(loc, "/log")
	case strings.HasSuffix(loc, ".log"):
		loc = strings.TrimSuffix(loc, ".log")
	default:
		return ""
	}
	return loc[strings.LastIndexByte(loc, '/')+1:]
}

// AlertField reads key from an EmittingLogger alert's data map
// "{exceptionType=..., exceptionMessage=..., class=..., task=ID, type=...,
// dataSource=...}". exceptionMessage may hold ", " and "=": it ends where
// the next known key begins.
func AlertField(m, key string) string {
	m = strings.TrimSuffix(strings.TrimPrefix(m, "{"), "}")
	keys := []string{"exceptionType", "exceptionMessage", "exceptionStackTrace", "class", "task", "type", "dataSource"}
	start := -1
	if strings.HasPrefix(m, key+"=") {
		start = len(key) + 1
	} else if i := strings.Index(m, ", "+key+"="); i >= 0 {
		start = i + len(key) + 3
	}
	if start < 0 {
		return ""
	}
	rest := m[start:]
	end := len(rest)
	if key == "exceptionMessage" {
		// the message is free text: it ends at the last known key.
		for _, k := range keys {
			if j := strings.LastIndex(rest, ", "+k+"="); j >= 0 && k != key && j < end {
				end = j
			}
		}
		return rest[:end]
	}
	if j := strings.Index(rest, ", "); j >= 0 {
		end = j
	}
	return rest[:end]
}

// parseRequestLine splits "REMOTE METHOD URI PROTOCOL STATUS".
func parseRequestLine(msg string) (*HTTPRequestLine, bool) {
	f := strings.Fields(msg)
	if len(f) != 5 || !strings.HasPrefix(f[3], "HTTP/") {
		return nil, false
	}
	status, err := strconv.Atoi(f[4])
	if err != nil {
		return nil, false
	}
	r := &HTTPRequestLine{Remote: f[0], Method: f[1], URI: f[2], Status: status}
	path, query := r.URI, ""
	if u, err := url.Parse(r.URI); err == nil {
		path, query = u.EscapedPath(), u.RawQuery
	}
	const prefix = "/druid/indexer/v1/task/"
	i := strings.Index(path, prefix)
	if i < 0 {
		return r, true
	}
	rest := path[i+len(prefix):]
	id, res, _ := strings.Cut(rest, "/")
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	r.TaskID, r.Resource = id, res
	if q, err := url.ParseQuery(query); err == nil {
		r.Offset = q.Get("offset")
	}
	return r, true
}
