// Package postmortem explains, after the fact, why a Druid task failed.
//
// Gather (I/O) collects what still exists of the task, each source read
// independently so that one refusal costs only that source: the Job and its
// pod, the events of both, the Overlord's status and errorMsg, the log's
// last lines (from the pod, its previous container, or Druid's task-log
// storage through the Overlord), and for a bundle the task's reports and
// payload. Diagnose is a pure function from that Evidence to a Report: it
// matches Druid's known failure signatures (signatures.go, each with a test
// on realistic evidence) and gives the verdict, the evidence and the fix.
// Redact and Scrub keep secrets out of what leaves the machine (a support
// bundle, written by WriteBundle). The package never prints.
package postmortem

import (
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// Evidence is everything Gather could read about one task. Nil fields were
// not there (or not readable: Unread says which and why).
type Evidence struct {
	TaskID string
	// From is set when the argument was a Job or pod name, not the task
	// ID: "Job NS/NAME" or "pod NS/NAME" (TaskID is then the name's task.id).
	From      string
	Namespace string
	// Container is the task's container, normally Druid's "main".
	Container string
	Now       time.Time
	// Job and Pod as the API returned them; nil when gone or never made.
	Job *batchv1.Job
	Pod *corev1.Pod
	// PodCount is how many pods the Job has.
	PodCount int
	// Rule says how the Job was found.
	Rule druid.Rule
	// JobNames are the names the Job has or had (found, or computed from
	// the task ID when it is gone): their events may outlive it.
	JobNames []string
	// Elsewhere lists other namespaces holding a Job of the task, looked up
	// only when there is none in Namespace.
	Elsewhere []string
	// Events about the Job and the pod (also a deleted pod's, by name).
	JobEvents, PodEvents []corev1.Event
	// Overlord is nil when no Overlord is configured.
	Overlord *OverlordEvidence
	// Logs are the logs read, each the end of its log.
	Logs []Log
	// OverlordLines are the lines of the Overlord's own log that name the
	// task or its Job, when that log was given.
	OverlordLines []string
	// Reports and Payload are the Overlord's raw documents (bundles only);
	// Payload may hold credentials until redacted.
	Reports, Payload []byte
	// Unread lists every source that could not be read, and why.
	Unread []Unread
}

// OverlordEvidence is what the Overlord said of the task.
type OverlordEvidence struct {
	// URL is the Overlord asked (never with credentials).
	URL string
	// Status is nil when the Overlord does not know the task or failed.
	Status *overlord.TaskStatusPlus
	// NotFound: the Overlord answered 404 (it never heard of the task).
	NotFound bool
}

// LogSource says where a log came from.
type LogSource string

// The sources of a task's log.
const (
	// FromPod is the container's current log, through the API server.
	FromPod LogSource = "pod"
	// FromPodPrevious is the log of the container's previous instance.
	FromPodPrevious LogSource = "pod-previous"
	// FromOverlord is Druid's copy: the live log while the task runs, else
	// the one saved to task-log storage when it ended.
	FromOverlord LogSource = "overlord"
)

// Log is the end of one log.
type Log struct {
	Source LogSource
	// Where names it: "pod NS/NAME container main", or the Overlord's URL.
	Where string
	// Text is the last bytes of the log, cut at a line start when longer.
	Text []byte
	// Bytes is how many bytes were read in all; Truncated when Text holds
	// only their end.
	Bytes     int64
	Truncated bool
	// Start, for the pod's current log, is when the container started and
	// when the first line of the current log file was written (nil when not
	// read): a late first line means the start was rotated away.
	Start *logstart.Start
}

// Lines splits Text into lines (a last line without newline included).
func (l Log) Lines() []string {
	s := strings.TrimSuffix(string(l.Text), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Unread is a source that could not be read.
type Unread struct {
	// What names the source: "job", "pod", "events", "log", "overlord status"...
	What string
	// Reason is the one-line error.
	Reason string
	// Code is the exit code this refusal stands for (5 forbidden, 1 error),
	// used when nothing else is known about the task.
	Code int
}

// containerStatus returns the status of the named container, or nil.
func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	if pod == nil {
		return nil
	}
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// container returns the spec of the named container, or nil.
func container(pod *corev1.Pod, name string) *corev1.Container {
	if pod == nil {
		return nil
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// logContainer is the container whose log tells the task's story: the
// task's container, else (a template without "main") the pod's first.
func logContainer(pod *corev1.Pod, name string) string {
	if pod == nil || container(pod, name) != nil || len(pod.Spec.Containers) == 0 {
		return name
	}
	return pod.Spec.Containers[0].Name
}

// podAnnotations returns the pod's annotations, or the Job's pod
// template's when the pod is gone.
func (ev *Evidence) podAnnotations() map[string]string {
	switch {
	case ev.Pod != nil:
		return ev.Pod.Annotations
	case ev.Job != nil:
		return ev.Job.Spec.Template.Annotations
	}
	return nil
}

// podSpec returns the pod's spec, or the Job's pod template's when the pod
// is gone.
func (ev *Evidence) podSpec() *corev1.PodSpec {
	switch {
	case ev.Pod != nil:
		return &ev.Pod.Spec
	case ev.Job != nil:
		return &ev.Job.Spec.Template.Spec
	}
	return nil
}
