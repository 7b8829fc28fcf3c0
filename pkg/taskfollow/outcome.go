package taskfollow

import (
	"fmt"
	"strconv"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// Result is a follow that ended well: the container exited 0, or the
// Overlord says the finished task succeeded.
type Result struct {
	// Resolution is the task's Job and pod (nil when only the Overlord
	// knew the task).
	Resolution *locate.Resolution
	// State is the task's final Druid state, from the pod's last status.
	State druid.State
	// FromStorage is set when (some of) the log came from Druid's task-log
	// storage through the Overlord.
	FromStorage bool
	// Lines is how many lines were printed from Kubernetes.
	Lines int64
	// Gaps are the stretches a resume could not read again (the kubelet
	// had rotated the file they were in); Backfilled is how many of their
	// lines were printed after the end from Druid's stored log.
	Gaps       []follow.Gap
	Backfilled int64
}

// NotRunningError: the task has a Job but is not RUNNING by Druid's rule
// (or its container is still waiting to start), and the follow did not wait
// or gave up waiting.
type NotRunningError struct {
	Res       *locate.Resolution
	Container string
	// WaitedFor is how long a --wait waited before its timeout (0: no wait).
	WaitedFor time.Duration
}

func (e *NotRunningError) Error() string {
	s := fmt.Sprintf("task %q is %s, not RUNNING: %s", e.Res.TaskID, e.Res.State.Phase, e.Res.State.Reason)
	if e.WaitedFor > 0 {
		s = fmt.Sprintf("gave up waiting after %s: task %q is still %s: %s", e.WaitedFor, e.Res.TaskID, e.Res.State.Phase, e.Res.State.Reason)
	}
	return s
}

// QueuedError: no Job exists and the Overlord has the task queued.
type QueuedError struct {
	TaskID string
	Status overlord.TaskStatusPlus
}

func (e *QueuedError) Error() string {
	return fmt.Sprintf("task %q is queued: the Overlord says statusCode %s, runnerStatusCode %s, and no Job exists yet",
		e.TaskID, e.Status.StatusCode, e.Status.RunnerStatusCode)
}

// NotFoundError: no Job carries the task ID; OverlordUnknown is set when
// the Overlord was asked and does not know the task either.
type NotFoundError struct {
	*locate.NotFoundError
	OverlordUnknown bool
}

func (e *NotFoundError) Unwrap() error { return e.NotFoundError }

// MissingContainerError: the pod has no container of that name.
type MissingContainerError struct {
	Pod        string
	Container  string
	Containers []string
}

func (e *MissingContainerError) Error() string {
	return fmt.Sprintf("pod %s has no container %q (containers: %v)", e.Pod, e.Container, e.Containers)
}

// ContainerFailedError: the container ended with a failure (non-zero exit,
// OOMKilled, a failed pod or Job).
type ContainerFailedError struct {
	TaskID, Namespace string
	State             druid.State
}

func (e *ContainerFailedError) Error() string {
	return "task " + e.TaskID + " container failed: " + e.State.Reason
}

// PodDeletedError: the pod was deleted before its container ended (the
// task was shut down, or the pod evicted or deleted).
type PodDeletedError struct {
	TaskID, Namespace, Pod, Container string
}

func (e *PodDeletedError) Error() string {
	return fmt.Sprintf("pod %s was deleted before container %s ended (task shut down, or pod evicted or deleted)", e.Pod, e.Container)
}

// TaskFailedError: the Overlord says the finished task FAILED.
type TaskFailedError struct {
	TaskID   string
	ErrorMsg string
}

func (e *TaskFailedError) Error() string {
	s := "task " + e.TaskID + " FAILED per the Overlord"
	if e.ErrorMsg != "" {
		s += ": " + e.ErrorMsg
	}
	return s
}

// StillRunningError: the log stream ended for good but the container is
// still running (the server kept ending streams at once).
type StillRunningError struct {
	TaskID string
	State  druid.State
}

func (e *StillRunningError) Error() string {
	return "the log stream of task " + e.TaskID + " ended but its container is still " + string(e.State.Phase)
}

// OverlordError: the configured Overlord failed or refused (not a 404
// about the task): it is reported as the Overlord's problem, naming it.
type OverlordError struct {
	Overlord string
	Err      error
}

func (e *OverlordError) Error() string { return "the Overlord " + e.Overlord + ": " + e.Err.Error() }

func (e *OverlordError) Unwrap() error { return e.Err }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
