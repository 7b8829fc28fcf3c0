package trace

import "github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"

// StepID names a step of the live-log flow.
type StepID string

// The five steps, in order, and two outcomes that are not steps.
const (
	StepRequest   StepID = "request"   // the API request reached this Overlord ([STREAM])
	StepWorkItem  StepID = "work-item" // the task runner has a work item for the task ([STREAM])
	StepLifecycle StepID = "lifecycle" // the work item has a peon lifecycle ([WORKITEM])
	StepRunning   StepID = "running"   // the lifecycle is RUNNING ([LIFECYCLE])
	StepLogWatch  StepID = "log-watch" // Kubernetes gave a log watch ([K8S-CLIENT])

	// StepUnknown is a request that answered "no log stream" without
	// saying which layer refused.
	StepUnknown StepID = "unknown"
	// Unfinished is a request whose answer is not in the window yet.
	Unfinished StepID = "unfinished"
)

// Steps are the five steps in order.
var Steps = []StepID{StepRequest, StepWorkItem, StepLifecycle, StepRunning, StepLogWatch}

// Number is the step's position, 1 to 5 (0 for the outcomes).
func (s StepID) Number() int {
	for i, x := range Steps {
		if x == s {
			return i + 1
		}
	}
	return 0
}

// ExitCode is the shared exit code of an instrumented trace that failed at
// s, from the log alone: 4 when no lifecycle or not RUNNING, 1 otherwise
// (no request seen, no work item: finished or unknown, which only the
// Overlord's /task/{id}/status tells apart; a failed log watch). Never 3:
// only the Overlord's 404 says "not found".
func (s StepID) ExitCode() int {
	switch s {
	case StepLifecycle, StepRunning:
		return exitcode.NotRunning
	case "":
		return exitcode.OK
	}
	return exitcode.Error
}

// Layer is the Druid class that performs the step.
func (s StepID) Layer() string {
	switch s {
	case StepRequest, StepWorkItem:
		return "KubernetesTaskRunner.streamTaskLog [STREAM]"
	case StepLifecycle:
		return "KubernetesWorkItem.streamTaskLogs [WORKITEM]"
	case StepRunning:
		return "KubernetesPeonLifecycle.streamLogs [LIFECYCLE]"
	case StepLogWatch:
		return "KubernetesPeonClient.getPeonLogWatcher [K8S-CLIENT]"
	}
	return ""
}

// Status is a step's outcome.
type Status string

// The outcomes of a step.
const (
	OK      Status = "ok"
	Fail    Status = "fail"
	Skipped Status = "skipped" // a step before it failed
	Missing Status = "missing" // no line shows it either way
)

// stepOf is the step a marker is evidence of; "" for the lines that carry
// an answer back up through the layers.
func stepOf(m Marker) StepID {
	switch m.Kind {
	case RequestReceived:
		return StepRequest
	case WorkItemFound, WorkItemMissing, WorkItemCalled:
		return StepWorkItem
	case LifecycleFound, LifecycleMissing, LifecycleCalled:
		return StepLifecycle
	case StateReported, IsRunning, NotRunning:
		return StepRunning
	case WatcherCalled, ClientTarget, WatchCalled, WatchCreated, WatchError, WatchNull:
		return StepLogWatch
	}
	return ""
}

// verdict says whether a marker proves its step passed or failed.
func verdict(m Marker) Status {
	switch m.Kind {
	case RequestReceived, WorkItemFound, WorkItemCalled, LifecycleFound, LifecycleCalled, IsRunning, WatchCreated:
		return OK
	case WorkItemMissing, LifecycleMissing, NotRunning, WatchError, WatchNull:
		return Fail
	case StateReported:
		if m.State == "RUNNING" {
			return OK
		}
		return Fail
	}
	return ""
}
