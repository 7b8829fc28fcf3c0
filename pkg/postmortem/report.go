package postmortem

import "time"

// Outcome is how the task ended, or that it has not.
type Outcome string

// The outcomes, decided by the Overlord's statusCode when it is known (the
// authority: a Job can succeed while its task failed), else by Kubernetes.
const (
	Failed    Outcome = "failed"
	Succeeded Outcome = "succeeded"
	Running   Outcome = "running"
	Pending   Outcome = "pending"
	// Unknown: nothing about the task exists anywhere the plugin looked.
	Unknown Outcome = "unknown"
)

// Finding is one failure signature that matched the evidence.
type Finding struct {
	// Signature is a stable ID, e.g. "oom-killed" (see Signatures).
	Signature string `json:"signature"`
	// Title names it in a few words.
	Title string `json:"title"`
	// Cause says what failed and why, in one line.
	Cause string `json:"cause"`
	// Evidence are the facts that matched, one line each.
	Evidence []string `json:"evidence"`
	// Fix are the steps that fix it.
	Fix []string `json:"fix"`
	// Reference is where the failure mode is discussed, if anywhere.
	Reference string `json:"reference,omitempty"`
	// Known is false for the generic findings (a container's non-zero
	// exit, an errorMsg) that explain no more than the evidence says.
	Known bool `json:"known"`
}

// Report is the post-mortem of one task. Its JSON form is the documented,
// stable schema of `why -o json` (docs/why.schema.json).
type Report struct {
	TaskID    string  `json:"taskId"`
	Namespace string  `json:"namespace"`
	Outcome   Outcome `json:"outcome"`
	// Verdict is the one line printed first: what failed and why.
	Verdict string `json:"verdict"`
	// Signature is the primary finding's ID, "" when none matched.
	Signature string `json:"signature"`
	// Known is true when the primary finding is a known Druid failure mode.
	Known bool `json:"known"`
	// Fix are the primary finding's steps.
	Fix []string `json:"fix"`
	// Findings are every match, the primary first.
	Findings []Finding `json:"findings"`
	// Causes rank what can have stopped a peon that left no status (the
	// Overlord's "Peon did not report status successfully.", Druid 25/26's
	// failed or vanished Job), most likely first; empty otherwise.
	Causes   []Cause `json:"causes"`
	Evidence Facts   `json:"evidence"`
	// Unread lists what could not be read, and why.
	Unread   []UnreadFact `json:"unread"`
	ExitCode int          `json:"exitCode"`
}

// Likelihood says how strongly the evidence points at a cause.
type Likelihood string

// The likelihoods, strongest first.
const (
	// Confirmed: evidence that only this cause leaves.
	Confirmed Likelihood = "confirmed"
	// Likely: the evidence left fits this cause better than the others.
	Likely Likelihood = "likely"
	// Possible: nothing left says either way.
	Possible Likelihood = "possible"
	// Unlikely: the evidence left fits this cause badly.
	Unlikely Likelihood = "unlikely"
	// RuledOut: the evidence contradicts this cause.
	RuledOut Likelihood = "ruled out"
)

// Cause is one candidate cause of a failure, with what tells it apart.
type Cause struct {
	// ID names the cause, as the signature that confirms it ("oom-killed").
	ID         string     `json:"id"`
	Cause      string     `json:"cause"`
	Likelihood Likelihood `json:"likelihood"`
	// Evidence says what was found for or against it, or what would tell
	// it apart and is gone.
	Evidence []string `json:"evidence"`
	Fix      []string `json:"fix"`
	// ExitCode is the exit code of why when this cause is the verdict.
	ExitCode int `json:"exitCode"`
}

// Facts are the evidence as the report shows it.
type Facts struct {
	Job      *JobFacts      `json:"job"`
	Pod      *PodFacts      `json:"pod"`
	Overlord *OverlordFacts `json:"overlord"`
	Events   []EventFact    `json:"events"`
	Logs     []LogFact      `json:"logs"`
	// JobTemplate is the task.jobTemplate annotation (Druid 31+, custom
	// template adapter), "" when absent.
	JobTemplate string `json:"jobTemplate"`
	// Elsewhere are other namespaces with a Job of this task.
	Elsewhere []string `json:"elsewhere,omitempty"`
	// OverlordLog are the given Overlord log's lines about the task.
	OverlordLog []string `json:"overlordLog,omitempty"`
}

// JobFacts describe the Job.
type JobFacts struct {
	Name                  string     `json:"name"`
	Created               time.Time  `json:"created"`
	Active                int32      `json:"active"`
	Succeeded             int32      `json:"succeeded"`
	Failed                int32      `json:"failed"`
	Conditions            []string   `json:"conditions"`
	ActiveDeadlineSeconds *int64     `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit          *int32     `json:"backoffLimit,omitempty"`
	Completed             *time.Time `json:"completed,omitempty"`
}

// PodFacts describe the pod.
type PodFacts struct {
	Name       string          `json:"name"`
	Phase      string          `json:"phase"`
	Reason     string          `json:"reason,omitempty"`
	Message    string          `json:"message,omitempty"`
	Node       string          `json:"node"`
	IP         string          `json:"ip"`
	Conditions []string        `json:"conditions"`
	Containers []ContainerFact `json:"containers"`
}

// ContainerFact is one container's state.
type ContainerFact struct {
	Name string `json:"name"`
	// State is "running", "waiting", "terminated" or "not created".
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
	ExitCode *int32 `json:"exitCode,omitempty"`
	Message  string `json:"message,omitempty"`
	Restarts int32  `json:"restarts"`
	// Last is the previous instance's end, e.g. "OOMKilled, exit 137".
	Last string `json:"last,omitempty"`
	// MemoryLimit is resources.limits.memory, "" when unlimited.
	MemoryLimit string `json:"memoryLimit,omitempty"`
}

// OverlordFacts are the Overlord's answer.
type OverlordFacts struct {
	URL string `json:"url"`
	// Known is false when the Overlord answered 404.
	Known            bool   `json:"known"`
	StatusCode       string `json:"statusCode,omitempty"`
	RunnerStatusCode string `json:"runnerStatusCode,omitempty"`
	ErrorMsg         string `json:"errorMsg,omitempty"`
	DurationMs       int64  `json:"durationMs,omitempty"`
	Location         string `json:"location,omitempty"`
}

// EventFact is one event.
type EventFact struct {
	// Object is "Job/NAME" or "Pod/NAME".
	Object   string    `json:"object"`
	Type     string    `json:"type"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
	Count    int32     `json:"count"`
	LastSeen time.Time `json:"lastSeen"`
}

// LogFact is the end of one log.
type LogFact struct {
	Source LogSource `json:"source"`
	Where  string    `json:"where"`
	// Lines are the last lines, at most the number asked for.
	Lines []string `json:"lines"`
	// TotalLines is how many lines were read (Bytes in all).
	TotalLines int   `json:"totalLines"`
	Bytes      int64 `json:"bytes"`
	Truncated  bool  `json:"truncated"`
	// Rotated, when set, says that the log's first line was written well
	// after the container started (the kubelet rotated the start away),
	// with the times, and where the whole log is.
	Rotated string `json:"rotated,omitempty"`
}

// UnreadFact is a source that could not be read.
type UnreadFact struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}
