// Package diagnose walks the checklist an operator follows when a Druid
// task's logs do not stream: job, pod, running, container, logs,
// permissions, terminated. Collect gathers the evidence from the API
// (concurrently where the steps are independent); Evaluate is a pure
// function from that evidence to a Report, so every outcome is testable
// from constructed objects. The package never prints.
package diagnose

import "github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"

// Status is the outcome of one check.
type Status string

// The outcomes of a check.
const (
	OK      Status = "ok"
	Warning Status = "warning"
	Fail    Status = "fail"
	Skipped Status = "skipped"
)

// The check IDs, in the order they are reported.
const (
	CheckJob         = "job"
	CheckPod         = "pod"
	CheckRunning     = "running"
	CheckContainer   = "container"
	CheckLogs        = "logs"
	CheckPermissions = "permissions"
	CheckTerminated  = "terminated"
	CheckOverlord    = "overlord"
	// CheckOverlordLog is declared with its check in overlordlogcheck.go.
)

// Check is one step of the checklist. Its JSON form is part of the
// documented, stable schema of `check -o json`.
type Check struct {
	ID       string   `json:"id"`
	Status   Status   `json:"status"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence"`
	Hint     string   `json:"hint,omitempty"`
	// Code is the exit code this check stands for when it fails.
	Code int `json:"-"`
}

// Report is the whole checklist for one task.
type Report struct {
	TaskID    string  `json:"taskId"`
	Namespace string  `json:"namespace"`
	Job       string  `json:"job"`
	Pod       string  `json:"pod"`
	State     string  `json:"state"`
	Reason    string  `json:"reason"`
	Checks    []Check `json:"checks"`
}

// ExitCode is 0 when no check failed, else the code of the first failure.
func (r *Report) ExitCode() int {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return c.Code
		}
	}
	return exitcode.OK
}
