// Package overlordsim simulates a stock Apache Druid Overlord for tests: the
// task API of OverlordResource (statuses, task logs with Druid's offset
// rules, reports, payloads, the task lists by state, the 404 bodies of
// Druid 34 and earlier or 35 and later), the leader endpoints, the runtime
// properties, basic or bearer authentication, and the lines a stock
// Overlord prints (stock.go, built from Druid's format strings per
// version), with the instrumented (guide) format kept as a second set
// (druidlog.go). It is an http.Handler, so unit tests mount it on httptest
// and end-to-end tests serve it beside the test bed (test/testbed drives
// it from real Jobs and pods).
//
// Its JSON model is written here from Druid's field names, independently of
// pkg/overlord, so a client test against it checks the client's decoding
// rather than repeating it.
package overlordsim

import (
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"
)

// Version selects the release whose 404 texts the simulator reproduces.
type Version int

// The releases whose texts differ (the statements of each are in stock.go).
const (
	// Druid27 is Druid 27 to 29 (lifecycle class, "Successfully submitted job").
	Druid27 Version = 27
	// Druid30 is Druid 30 (leader line of TaskMaster).
	Druid30 Version = 30
	// Druid31 is Druid 31 (leader line of DruidOverlord ending in "!").
	Druid31 Version = 31
	// Druid32 is Druid 32 and 33 (leader line "... I am the leader").
	Druid32 Version = 32
	// Druid34 is Druid 34 and earlier: the default of a zero Config, and
	// the first with "Submitting job[%s] for task[%s].".
	Druid34 Version = 34
	// Druid35 is Druid 35: the new 404 body, "state [%s]".
	Druid35 Version = 35
	// Druid36 is Druid 36 and later (master of 2026-07): the test bed's default.
	Druid36 Version = 36
)

// The 404 bodies of GET /task/{id}/log (OverlordResource.doGetLog):
// 34 and earlier, and 35 and later (#18341), whole.
const (
	LogNotFound34 = "No log was found for this task. The task may not exist, or it may not have begun running yet."
	LogNotFound35 = "No log was found for this task. No logs found for this task. Ensure that the task is running and logging is configured correctly."
)

// LogNotFound is the 404 body of GET /task/{id}/log in release v.
func (v Version) LogNotFound() string {
	if v >= Druid35 {
		return LogNotFound35
	}
	return LogNotFound34
}

// Lifecycle is KubernetesPeonLifecycle.State.
type Lifecycle string

// The peon lifecycle's states (KubernetesPeonLifecycle.java, 27+).
const (
	// LifecycleNotStarted: handed to the runner, queued behind capacity; no Job.
	LifecycleNotStarted Lifecycle = "NOT_STARTED"
	// LifecyclePending: the Job is submitted; the pod has no IP yet (or, with
	// shared informers, is not Running/Succeeded/Failed).
	LifecyclePending Lifecycle = "PENDING"
	// LifecycleRunning: join() started; the live log is served.
	LifecycleRunning Lifecycle = "RUNNING"
	// LifecycleStopped: join() ended (the log is saved).
	LifecycleStopped Lifecycle = "STOPPED"
)

// RunnerState is KubernetesWorkItem.getRunnerTaskState: NOT_STARTED and
// PENDING are PENDING, RUNNING is RUNNING, STOPPED is NONE.
func (l Lifecycle) RunnerState() string {
	switch l {
	case LifecycleRunning:
		return Running
	case LifecycleStopped:
		return None
	}
	return Pending
}

// Status and runner codes, as Druid spells them.
const (
	Running = "RUNNING"
	Success = "SUCCESS"
	Failed  = "FAILED"
	Waiting = "WAITING"
	Pending = "PENDING"
	None    = "NONE"
)

// Location is Druid's TaskLocation; an empty Host is serialised as null.
type Location struct {
	Host       string
	Port       int
	TLSPort    int
	K8sPodName string
}

// UnknownLocation is Druid's TaskLocation.unknown().
var UnknownLocation = Location{Port: -1, TLSPort: -1}

// Task is one task's stored status.
type Task struct {
	ID, GroupID, Type, DataSource string
	CreatedTime                   time.Time
	// StatusCode is RUNNING, SUCCESS or FAILED.
	StatusCode string
	// RunnerStatusCode is WAITING, PENDING, RUNNING or NONE.
	RunnerStatusCode string
	// Duration in ms, -1 while running.
	Duration int64
	Location Location
	ErrorMsg string
	// Lifecycle is the runner's peon lifecycle ("" once the runner has
	// dropped the work item or before it got it).
	Lifecycle Lifecycle
}

// NewTask returns a task just submitted: RUNNING in the metadata store,
// PENDING in the runner, location unknown, groupId = id.
func NewTask(id, typ, dataSource string, created time.Time) Task {
	return Task{ID: id, GroupID: id, Type: typ, DataSource: dataSource, CreatedTime: created,
		StatusCode: Running, RunnerStatusCode: Pending, Duration: -1, Location: UnknownLocation, Lifecycle: LifecycleNotStarted}
}

// Config configures a Sim.
type Config struct {
	// Version picks the 404 texts (Druid34 if zero).
	Version Version
	// BasicUser and BasicPassword, if set, are required on every request.
	BasicUser, BasicPassword string
	// BearerToken, if set, is required on every request.
	BearerToken string
	// LiveLogIgnoresOffset reproduces the Kubernetes runner: a task whose
	// runner status is RUNNING gets its whole log whatever the offset.
	LiveLogIgnoresOffset bool
	// LiveLog, if set, answers GET /task/{id}/log for a task whose runner
	// status is RUNNING, as the Kubernetes runner streams from its pod.
	// ok false is the runner returning nothing: like a real Overlord the
	// simulator then falls back to the stored logs, which a running task
	// has not got (404 with Druid's text). The test can write the
	// Overlord's own log lines of the request from it.
	LiveLog func(id string) (log []byte, ok bool)
	// LeaderURL is the text of GET /leader (default: the URL the request
	// came to, scheme://host).
	LeaderURL string
	// Follower makes this Overlord not the leader: GET /isLeader answers
	// 404 {"leader":false}.
	Follower bool
	// Properties is GET /status/properties (the Overlord's runtime
	// properties); nil: an empty map.
	Properties map[string]string
	// PropertiesForbidden answers GET /status/properties 403, as Druid does
	// for a user without read on the CONFIG resource.
	PropertiesForbidden bool
	// RequestLog, if set, gets the line JettyRequestLog writes at DEBUG
	// after every request (logger org.apache.druid.jetty.RequestLog).
	RequestLog func(Record)
	// LiveLogOnThread is LiveLog with the Jetty thread that serves the
	// request (for the ERROR a failed read prints there); it wins over
	// LiveLog.
	LiveLogOnThread func(id, thread string) (log []byte, ok bool)
}

// Request is one request the simulator served.
type Request struct {
	Method, Path string
	Query        url.Values
	Status       int
}

// Sim is the simulated Overlord. All methods are safe for concurrent use.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	mu        sync.Mutex
	tasks     map[string]Task
	logs      map[string][]byte
	reports   map[string][]byte
	payloads  map[string][]byte
	requests  []Request
	threadSeq int
}

// New returns an empty simulator.
func New(cfg Config) *Sim {
	if cfg.Version == 0 {
		cfg.Version = Druid34
	}
	s := &Sim{cfg: cfg, tasks: map[string]Task{}, logs: map[string][]byte{}, reports: map[string][]byte{}, payloads: map[string][]byte{}}
	s.routes()
	return s
}

// Put adds or replaces a task.
func (s *Sim) Put(t Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[t.ID] = t
}

// Update changes a stored task in place; it reports whether it existed.
func (s *Sim) Update(id string, f func(*Task)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if ok {
		f(&t)
		s.tasks[id] = t
	}
	return ok
}

// Start marks a task RUNNING in the runner at a pod, as when its pod gets
// an IP.
func (s *Sim) Start(id, podIP, podName string) bool {
	return s.Update(id, func(t *Task) {
		t.StatusCode, t.RunnerStatusCode, t.Lifecycle = Running, Running, LifecycleRunning
		t.Location = Location{Host: podIP, Port: 8100, TLSPort: -1, K8sPodName: podName}
	})
}

// SetLifecycle moves a task's peon lifecycle; the runner status follows
// (KubernetesWorkItem) and, when RUNNING, the location is loc.
func (s *Sim) SetLifecycle(id string, l Lifecycle, loc Location) bool {
	return s.Update(id, func(t *Task) {
		t.Lifecycle, t.RunnerStatusCode = l, l.RunnerState()
		if l == LifecycleRunning || loc != (Location{}) {
			t.Location = loc
		}
	})
}

// Finish records a final statusCode (SUCCESS or FAILED). Like a real
// Overlord whose runner has forgotten the task, the status endpoint then
// reports runnerStatusCode WAITING; the location saved at completion stays.
func (s *Sim) Finish(id, statusCode, errorMsg string, duration time.Duration) bool {
	return s.Update(id, func(t *Task) {
		t.StatusCode, t.RunnerStatusCode, t.ErrorMsg = statusCode, Waiting, errorMsg
		t.Lifecycle = ""
		t.Duration = duration.Milliseconds()
	})
}

// Remove deletes a task (the metadata store forgot it).
func (s *Sim) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tasks, id)
}

// Task returns a stored task.
func (s *Sim) Task(id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	return t, ok
}

// SetLog replaces a task's log; a nil log means none (404).
func (s *Sim) SetLog(id string, log []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if log == nil {
		delete(s.logs, id)
		return
	}
	s.logs[id] = append([]byte(nil), log...)
}

// AppendLog appends text to a task's log, creating it if needed.
func (s *Sim) AppendLog(id, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logs[id] = append(s.logs[id], text...)
}

// Requests returns the requests served so far, oldest first.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// snapshot returns the tasks, newest first, then by ID.
func (s *Sim) snapshot() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Task, 0, len(s.tasks))
	for _, t := range s.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedTime.Equal(out[j].CreatedTime) {
			return out[i].CreatedTime.After(out[j].CreatedTime)
		}
		return out[i].ID < out[j].ID
	})
	return out
}
