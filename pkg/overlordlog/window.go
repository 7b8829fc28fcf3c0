package overlordlog

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// DefaultWindow is how far back the logs are read when neither --since
// nor the task's Job says.
const DefaultWindow = time.Hour

// clockSlack starts a task's window a little before its Job's creation:
// the API server's and the node's clocks may differ.
const clockSlack = time.Minute

// Window is the part of the logs to read.
type Window struct {
	// Since is the sinceTime of the log request; Seconds, when set, asks
	// for the last Seconds by the server's clock instead.
	Since   time.Time
	Seconds int64
	// Why says where Since comes from, for messages.
	Why string
	// Job is the task's Job name when it was found, else "".
	Job string
}

// String describes the window: "since 2026-12-01T10:00:00Z (1m before the
// creation of Job x)".
func (w Window) String() string {
	if w.Seconds > 0 {
		return "in the last " + (time.Duration(w.Seconds) * time.Second).String() + " (" + w.Why + ")"
	}
	return "since " + w.Since.UTC().Format(time.RFC3339) + " (" + w.Why + ")"
}

// Options carry what the PodLogOptions of a read need.
func (w Window) options(container string) *corev1.PodLogOptions {
	o := &corev1.PodLogOptions{Container: container, Timestamps: true}
	if w.Seconds > 0 {
		o.SinceSeconds = &w.Seconds
	} else {
		t := metav1.NewTime(w.Since)
		o.SinceTime = &t
	}
	return o
}

// Last is the window of the last d (--since, or the default), by the
// server's clock.
func Last(d time.Duration, why string) Window {
	return Window{Seconds: max(1, int64(d/time.Second)), Why: why}
}

// TaskWindow is a task's window: from its Job's creation (the Overlord
// logs nothing of the task before it) when the Job exists, else the last
// DefaultWindow. The Job is the one whose task.id annotation is the task
// ID among Druid's candidate names (at most three GETs). An API error is
// not fatal: it is returned beside the default window.
func TaskWindow(ctx context.Context, k kube.Interface, namespace, taskID, namePrefix string) (Window, error) {
	def := Last(DefaultWindow, "no Job of the task found")
	for _, c := range druid.JobNames(taskID, namePrefix) {
		job, err := k.Jobs(namespace).Get(ctx, c.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			def.Why = "the task's Job could not be read"
			return def, err
		case druid.TaskIDOf(job) != taskID:
			continue
		}
		since := job.CreationTimestamp.Add(-clockSlack)
		return Window{Since: since, Job: job.Name,
			Why: fmt.Sprintf("%s before the creation of Job %s", clockSlack, job.Name)}, nil
	}
	return def, nil
}
