// Package logstart tells whether the start of a container's log was rotated
// away. The kubelet rotates a container's log file at containerLogMaxSize,
// and a pods/log read (kubectl logs, --tail, --since, the plugin's own
// reads) returns only the current file: the first line it returns was then
// written long after the container started. Read asks for that first line's
// timestamp in one small read; Start.Rotated compares it with the
// container's start.
package logstart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// Slack is how long after the container's start its first line may be
// written (the entrypoint, the JVM starting on a busy node) before the log
// counts as rotated. startedAt has whole seconds only.
const Slack = 10 * time.Second

// readLimit bounds the read: the kubelet's timestamp and a space are 31
// bytes.
const readLimit = 64

// Start is when a container started and when the first line its current
// log file holds was written.
type Start struct {
	Container string
	// Started is the container's state.running.startedAt (or
	// state.terminated.startedAt once it ended); zero when unknown.
	Started time.Time
	// First is the kubelet's timestamp of the first line of the current
	// log file; zero when the log is empty.
	First time.Time
}

// Rotated says the first line came more than Slack after the start: the
// start of the log was rotated away.
func (s Start) Rotated() bool {
	return !s.Started.IsZero() && !s.First.IsZero() && s.First.Sub(s.Started) > Slack
}

// Evidence says what was compared, in one line.
func (s Start) Evidence() string {
	return fmt.Sprintf("the log's first line was written at %s, %s after container %s started (%s): the kubelet rotated the start of the log away, and a log read returns only the current file",
		s.First.UTC().Format(time.RFC3339), s.First.Sub(s.Started).Round(time.Second), s.Container, s.Started.UTC().Format(time.RFC3339))
}

// Hint points to the whole log: Druid's task-log storage, where the peon
// pushes it when the task ends.
func Hint(taskID, namespace string) string {
	return fmt.Sprintf("the whole log is in Druid's task-log storage once the task has ended: the Overlord's /druid/indexer/v1/task/%s/log, "+
		"or kubectl druid-logs follow %s -n %s --overlord URL once its pod is gone", taskID, taskID, namespace)
}

// StartedAt is when the container's current run started; zero when it has
// not started or has no status.
func StartedAt(pod *corev1.Pod, container string) time.Time {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != container {
			continue
		}
		switch {
		case cs.State.Running != nil:
			return cs.State.Running.StartedAt.Time
		case cs.State.Terminated != nil:
			return cs.State.Terminated.StartedAt.Time
		}
	}
	return time.Time{}
}

// Read asks for the first bytes of the container's current log file with
// the kubelet's timestamps (one request, readLimit bytes) and returns the
// Start. A container that has not started is not asked.
func Read(ctx context.Context, kc kube.Interface, pod *corev1.Pod, container string) (Start, error) {
	s := Start{Container: container, Started: StartedAt(pod, container)}
	if s.Started.IsZero() {
		return s, nil
	}
	limit := int64(readLimit)
	rc, err := kc.Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: container, Timestamps: true, LimitBytes: &limit}).Stream(ctx)
	if err != nil {
		return s, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, readLimit))
	if err != nil {
		return s, err
	}
	s.First, err = FirstTimestamp(b)
	return s, err
}

// FirstTimestamp parses the timestamp the kubelet puts before the first
// line of a log read with timestamps=true; zero for an empty log.
func FirstTimestamp(b []byte) (time.Time, error) {
	if len(b) == 0 {
		return time.Time{}, nil
	}
	sp := bytes.IndexByte(b, ' ')
	if sp < 0 {
		return time.Time{}, fmt.Errorf("the log read with timestamps starts with no timestamp: %q", b)
	}
	t, err := time.Parse(time.RFC3339Nano, string(b[:sp]))
	if err != nil {
		return time.Time{}, fmt.Errorf("the log read with timestamps starts with no timestamp: %q", b[:sp])
	}
	return t, nil
}
