// Package probe diagnoses a Druid task's live-log path on a stock Overlord
// by asking: the Overlord's API (leader, the task's status, the runner's
// task lists, the live log, the runtime properties) and the Kubernetes API
// (the task's Job, pod and events, a short read of the pod's log, a
// SubjectAccessReview for the Overlord's service account), with the
// Overlord's own log as extra evidence.
//
// Collect (collect.go) does the I/O and fills Answers; Evaluate is pure:
// it turns Answers into the five steps of the live-log path (request,
// work-item, lifecycle, running, log-watch), each ok / fail / skipped /
// unknown with its evidence and the command that inspects or fixes it, the
// failed layer, its cause, fix and exit code. "I cannot see" is never "not
// found": exit 3 only when the Overlord answers 404 to the task's status.
package probe

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// Answers are everything asked about one task, and the errors of what
// could not be asked. Evaluate reads nothing else.
type Answers struct {
	TaskID    string
	Namespace string
	// Container is the container Druid reads (always "main" for Druid).
	Container string
	Now       time.Time
	Overlord  OverlordAnswers
	// SharedInformers is the --shared-informers flag when given.
	SharedInformers *bool
	Kube            KubeAnswers
	Logs            LogEvidence
}

// OverlordAnswers are the Overlord's answers. Where is "" when no
// Overlord could be found to ask (NoneWhy says why).
type OverlordAnswers struct {
	// Where names the Overlord asked: a URL, or the Service or pod reached
	// through the API server's proxy.
	Where string
	// How says which way it was reached: "--overlord", "--overlord-service
	// (API server service proxy)", "pod proxy (Overlord pods found by ...)".
	How string
	// Proxied is set when the API server's proxy carried the requests
	// (Druid credentials cannot travel that way).
	Proxied bool
	// NoneWhy says why no Overlord was asked.
	NoneWhy string

	// IsLeader is GET /isLeader (nil when it failed: LeaderErr).
	IsLeader  *bool
	LeaderURL string
	LeaderErr error

	// Status is GET /task/{id}/status; StatusErr is an
	// *overlord.NotFoundError for Druid's 404.
	Status    *overlord.TaskStatusPlus
	StatusErr error

	// Lists says which of /runningTasks, /pendingTasks, /waitingTasks
	// hold the task; ListsErr is set when they could not be read.
	ListsAsked bool
	InList     string
	ListsErr   error

	// Log is GET /task/{id}/log?offset=-N (nil when not asked or LogErr).
	Log    *overlord.LogAnswer
	LogErr error

	// Config is from GET /status/properties (nil when not asked or
	// ConfigErr, e.g. 403 without admin read).
	Config    *overlord.RunnerConfig
	ConfigErr error
}

// KubeAnswers are the Kubernetes API's answers about the task's objects.
type KubeAnswers struct {
	// Job is the task's Job (nil: none carries its task.id, or JobErr).
	Job    *batchv1.Job
	JobErr error
	// Pod is the Job's pod (label job-name), newest first.
	Pod                  *corev1.Pod
	JobEvents, PodEvents []corev1.Event
	EventsErr            error
	// PodLog is a short pods/log read of the task's container.
	PodLog PodLogAnswer
	// Review is the SubjectAccessReview of the Overlord's service account
	// on pods/log get in the task's namespace.
	Review AccessAnswer
}

// PodLogAnswer is a short, non-follow read of the pod's log.
type PodLogAnswer struct {
	Tried bool
	Bytes int
	Err   error
}

// AccessAnswer is a SubjectAccessReview's answer. Allowed is nil when it
// could not be asked (Err, or no Overlord pod to name the account).
type AccessAnswer struct {
	ServiceAccount string
	Namespace      string
	Allowed        *bool
	Reason         string
	Err            error
}

// LogEvidence is what the Overlord pods' own log shows.
type LogEvidence struct {
	// Pods are the Overlord pods whose log was read.
	Pods []string
	// Err says why the pods' log could not be read.
	Err error
	// TailLines and DruidLines count the lines of a short tail read of
	// the pods' logs and those in Druid's pattern
	// (%d{ISO8601} %p [%t] %c - %m): none means log4j2 writes elsewhere.
	TailLines, DruidLines int
	// Trace is the task's trace through the pods' logs (pkg/trace).
	Trace *trace.Result
}
