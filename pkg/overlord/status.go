package overlord

import (
	"encoding/json"
	"time"
)

// StatusCode is a task's statusCode as stored in the Overlord's metadata
// store: the authority on whether a task finished.
type StatusCode string

// The statusCode values Druid reports.
const (
	StatusRunning StatusCode = "RUNNING"
	StatusSuccess StatusCode = "SUCCESS"
	StatusFailed  StatusCode = "FAILED"
)

// RunnerStatusCode is the task runner's view of a task (runnerStatusCode).
type RunnerStatusCode string

// The runnerStatusCode values Druid reports.
const (
	// RunnerWaiting: active in the metadata store but unknown to the runner,
	// and also what /task/{id}/status says for finished tasks the runner
	// has forgotten.
	RunnerWaiting RunnerStatusCode = "WAITING"
	// RunnerPending: queued in the runner, or its pod has no IP yet.
	RunnerPending RunnerStatusCode = "PENDING"
	// RunnerRunning: the pod has an IP; live logs come from it.
	RunnerRunning RunnerStatusCode = "RUNNING"
	// RunnerNone: stopped; the value /tasks?state=complete carries.
	RunnerNone RunnerStatusCode = "NONE"
)

// TaskLocation is where the runner placed a task. An unknown location is
// host null (empty here) and ports -1.
type TaskLocation struct {
	Host    string `json:"host"`
	Port    int    `json:"port"`
	TLSPort int    `json:"tlsPort"`
	// K8sPodName is set by the Kubernetes runner on Druid 28+.
	K8sPodName string `json:"k8sPodName,omitempty"`
}

// MarshalJSON writes an empty host as null, as Druid does.
func (l TaskLocation) MarshalJSON() ([]byte, error) {
	type wire struct {
		Host       *string `json:"host"`
		Port       int     `json:"port"`
		TLSPort    int     `json:"tlsPort"`
		K8sPodName string  `json:"k8sPodName,omitempty"`
	}
	w := wire{Port: l.Port, TLSPort: l.TLSPort, K8sPodName: l.K8sPodName}
	if l.Host != "" {
		w.Host = &l.Host
	}
	return json.Marshal(w)
}

// TaskStatusPlus is Druid's TaskStatusPlus, field for field.
type TaskStatusPlus struct {
	ID      string `json:"id"`
	GroupID string `json:"groupId"`
	Type    string `json:"type"`
	// CreatedTime is when the task was submitted.
	CreatedTime time.Time `json:"createdTime"`
	// QueueInsertionTime is always the epoch in /task/{id}/status.
	QueueInsertionTime time.Time `json:"queueInsertionTime"`
	// StatusCode is the authority on completion.
	StatusCode StatusCode `json:"statusCode"`
	// Status is a deprecated duplicate of StatusCode.
	Status           StatusCode       `json:"status"`
	RunnerStatusCode RunnerStatusCode `json:"runnerStatusCode"`
	// Duration is in milliseconds, -1 while running.
	Duration   int64        `json:"duration"`
	Location   TaskLocation `json:"location"`
	DataSource string       `json:"dataSource"`
	ErrorMsg   string       `json:"errorMsg"`
}

// TaskStatus is the body of GET /task/{id}/status.
type TaskStatus struct {
	Task   string          `json:"task"`
	Status *TaskStatusPlus `json:"status"`
}

// Phase is the one-word reading of a status that callers act on.
type Phase string

// The phases of a task as the Overlord reports it.
const (
	// PhaseWaiting: RUNNING in the metadata store, unknown to the runner
	// (queued in the TaskQueue, or the Overlord just restarted).
	PhaseWaiting Phase = "WAITING"
	// PhasePending: the runner has it but its pod has no IP yet; no log.
	PhasePending Phase = "PENDING"
	// PhaseRunning: the pod has an IP; the Job and pod should exist.
	PhaseRunning Phase = "RUNNING"
	// PhaseSucceeded and PhaseFailed: finished; the Job is most likely
	// gone and the log comes from task-log storage.
	PhaseSucceeded Phase = "SUCCESS"
	PhaseFailed    Phase = "FAILED"
	// PhaseUnknown: a statusCode this package does not know.
	PhaseUnknown Phase = "UNKNOWN"
)

// code is statusCode, or the deprecated status if an old server left
// statusCode out.
func (s *TaskStatusPlus) code() StatusCode {
	if s.StatusCode != "" {
		return s.StatusCode
	}
	return s.Status
}

// Finished reports statusCode SUCCESS or FAILED, whatever runnerStatusCode
// says (finished tasks may show WAITING).
func (s *TaskStatusPlus) Finished() bool {
	c := s.code()
	return c == StatusSuccess || c == StatusFailed
}

// Succeeded reports statusCode SUCCESS.
func (s *TaskStatusPlus) Succeeded() bool { return s.code() == StatusSuccess }

// Pending reports a task that is active but has no running pod yet:
// statusCode RUNNING with runnerStatusCode PENDING or WAITING.
func (s *TaskStatusPlus) Pending() bool {
	r := s.RunnerStatusCode
	return s.code() == StatusRunning && (r == RunnerPending || r == RunnerWaiting)
}

// Running reports statusCode RUNNING with runnerStatusCode RUNNING: the
// only state in which the Overlord serves a live log.
func (s *TaskStatusPlus) Running() bool {
	return s.code() == StatusRunning && s.RunnerStatusCode == RunnerRunning
}

// Phase classifies the status; see the Phase constants.
func (s *TaskStatusPlus) Phase() Phase {
	switch c := s.code(); {
	case c == StatusSuccess:
		return PhaseSucceeded
	case c == StatusFailed:
		return PhaseFailed
	case c != StatusRunning:
		return PhaseUnknown
	}
	switch s.RunnerStatusCode {
	case RunnerRunning:
		return PhaseRunning
	case RunnerPending:
		return PhasePending
	case RunnerWaiting:
		return PhaseWaiting
	}
	// RUNNING in metadata, NONE in the runner: stopping; not yet recorded.
	return PhaseUnknown
}
