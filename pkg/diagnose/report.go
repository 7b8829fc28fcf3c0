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
	TaskID    string `json:"taskId"`
	Namespace string `json:"namespace"`
	Job       string `json:"job"`
	Pod       string `json:"pod"`
	State     string `json:"state"`
	Reason    string `json:"reason"`
	// RunningRule is Druid's RUNNING rule for the runner's mode, and
	// whether the mode was read from the Overlord or assumed.
	RunningRule string  `json:"runningRule"`
	Checks      []Check `json:"checks"`
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

// Unknown is the state of a report when the API server could not be asked
// anything (unreachable, timed out, credentials refused).
const Unknown = "UNKNOWN"

// Unreachable is the report when nothing could be learned: every check is
// skipped, the job check says why, and the state is UNKNOWN.
func Unreachable(taskID, namespace string, err error, code int) *Report {
	why := err.Error()
	rep := &Report{TaskID: taskID, Namespace: namespace, State: Unknown, Reason: why}
	for _, id := range []string{CheckJob, CheckPod, CheckRunning, CheckContainer, CheckLogs, CheckPermissions,
		CheckTerminated, CheckOverlord, CheckOverlordLog} {
		c := Check{ID: id, Status: Skipped, Message: "not checked: the API server could not be asked", Evidence: []string{}}
		if id == CheckJob {
			c = Check{ID: id, Status: Fail, Code: code, Message: "cannot ask the API server: " + why, Evidence: []string{},
				Hint: "kubectl cluster-info (is the kubeconfig's server reachable, are its credentials valid?)"}
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep
}

// LearnedNothing reports whether every request of a check failed before
// the API server said anything: the lookup failed (not as "not found")
// and no permission could be reviewed. A refusal by RBAC is something
// learned (the reviews say which permission is missing); an unreachable
// server or refused credentials is not.
func LearnedNothing(obs *Observation) bool {
	if obs.ResolveErr == nil || len(obs.Access) == 0 {
		return false
	}
	for _, a := range obs.Access {
		if a.Err == nil {
			return false
		}
	}
	return true
}
