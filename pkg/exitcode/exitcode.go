// Package exitcode is the one table of exit codes every command shares, and
// the error type that carries a code to main.
package exitcode

import "errors"

// The exit codes of kubectl druid-logs. Scripts depend on them: never
// renumber.
const (
	// OK: the command did what was asked (for follow: the container exited 0).
	OK = 0
	// Error: an unexpected or API error (server unreachable, 5xx, timeouts).
	Error = 1
	// Usage: bad arguments, flags or kubeconfig.
	Usage = 2
	// NotFound: no Job belongs to the task ID.
	NotFound = 3
	// NotRunning: the task is not RUNNING (pending, or already finished).
	NotRunning = 4
	// Forbidden: the API refused (RBAC 403, or 401 bad credentials).
	Forbidden = 5
	// ContainerFailed: the task container failed (non-zero exit, OOMKilled,
	// evicted, pod deleted while running).
	ContainerFailed = 6
	// Misconfigured: the pod has no container named main (or the one asked).
	Misconfigured = 7
	// Interrupted: SIGINT (Ctrl-C).
	Interrupted = 130
	// Terminated: SIGTERM.
	Terminated = 143
)

// Table documents every code, in order, for --help and the README.
var Table = []struct {
	Code    int
	Meaning string
}{
	{OK, "success (follow: the task container exited 0)"},
	{Error, "unexpected or API error (server unreachable, timeout, 5xx)"},
	{Usage, "usage error: bad arguments, flags or kubeconfig"},
	{NotFound, "task not found: no Job carries this task ID"},
	{NotRunning, "task not RUNNING: pending, or already finished"},
	{Forbidden, "permission denied by the API server (403/401)"},
	{ContainerFailed, "task container failed: non-zero exit, OOMKilled, evicted or deleted"},
	{Misconfigured, "misconfigured: the pod has no container named main"},
	{Interrupted, "interrupted (SIGINT); 143 for SIGTERM"},
}

// Err is an error that carries its exit code. Msg is what the user reads;
// it may span lines when it explains a refusal and what to do next.
type Err struct {
	Code  int
	Msg   string
	Cause error
}

func (e *Err) Error() string { return e.Msg }

func (e *Err) Unwrap() error { return e.Cause }

// New returns an Err with a code and message.
func New(code int, msg string, cause error) *Err {
	return &Err{Code: code, Msg: msg, Cause: cause}
}

// CodeOf returns the exit code carried by err, and false if it carries none.
func CodeOf(err error) (int, bool) {
	var e *Err
	if errors.As(err, &e) {
		return e.Code, true
	}
	return Error, false
}

// severity orders exit codes from best to worst, for the code of a command
// that did several things (a group of tasks): the worst one wins.
var severity = []int{OK, NotFound, NotRunning, Error, Forbidden, Misconfigured, ContainerFailed}

// Worse returns the worse of two exit codes.
func Worse(a, b int) int {
	rank := func(c int) int {
		for i, s := range severity {
			if s == c {
				return i
			}
		}
		return len(severity)
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
