// Package taskfollow is the engine of `follow`: it follows one Druid task,
// or a set of tasks (an MSQ query's controller and workers), from a plain
// Config, and says how the follow ended with typed outcomes.
//
// For one task it resolves the task to its Job and pod (locate), applies
// Druid's rule that live logs exist only while the task is RUNNING (refusing
// with the reason, or waiting with Config.Wait), asks the Overlord where
// Kubernetes cannot answer (a finished task's stored log, a queued task),
// follows the container with pkg/follow while a pod watch (podwatch)
// notices its end, and decides from the container's final state how it
// ended. When the pod vanishes before its log was read to the end and an
// Overlord is configured, it continues from Druid's task-log storage after
// the last lines printed, found there by content.
//
// For a set of tasks it watches peon Jobs (listwatch, riding out API
// outages), decides membership with a pure Selector, follows each member as
// above with a label before each line, and ends when every member seen has
// ended. Members share the output; lines never interleave.
//
// The engine prints log lines to Config.Out and one-line status messages
// through Config.Notify; it knows no cobra, flags or exit codes.
package taskfollow

import (
	"context"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/podwatch"
)

// Overlord is what the engine asks Druid's Overlord (overlord.Client).
type Overlord interface {
	TaskStatus(ctx context.Context, id string) (*overlord.TaskStatus, error)
	TaskLog(ctx context.Context, id string, offset int64) (io.ReadCloser, error)
	String() string
}

// OpenerFactory returns the log opener of one pod's container.
type OpenerFactory func(namespace, pod string) follow.Opener

// Config is everything a follow needs; the command layer builds it from
// flags.
type Config struct {
	// Locator resolves task IDs (namespace, -A, name prefix).
	Locator *locate.Locator
	// Kube is the API client for pod watches and, unless Open is set,
	// log streams.
	Kube kube.Interface
	// Open opens log streams; nil reads pods/log through Kube.
	Open OpenerFactory
	// Overlord, if set, is asked about tasks Kubernetes cannot stream.
	Overlord Overlord
	// Container is the container to follow (Druid's is "main").
	Container string
	// Follow shapes each stream: timestamps, since, tail, reconnects.
	// Container, Prefix and Notify are set by the engine.
	Follow follow.Options
	// PodPrefix prefixes each line of a single task with [pod/NAME/CONTAINER].
	PodPrefix bool
	// Filter keeps, drops and highlights lines (--include, --exclude,
	// --highlight); nil prints every line.
	Filter *follow.LineFilter
	// JSON prints each log line as a JSON object (task, pod, container,
	// member in a group, timestamp, message) instead of its text.
	JSON bool
	// Wait waits for a task that is not RUNNING yet instead of refusing.
	Wait bool
	// NoFollow prints the log the pod has now and ends, like kubectl logs
	// without -f: for a finished task whose pod still exists, or a running
	// one.
	NoFollow bool
	// Timeout bounds Wait (0: forever).
	Timeout time.Duration
	// StorageWait bounds how long a continuation from task-log storage
	// waits for the Overlord to store the log. Default 2m.
	StorageWait time.Duration
	// Out receives log lines.
	Out io.Writer
	// Notify receives one-line status messages (nil: quiet).
	Notify func(format string, args ...any)
	// Progress receives the state of a task being waited for (nil: none).
	Progress func(text string)
	// Debugf receives --debug markers (nil: none).
	Debugf func(format string, args ...any)

	// pods, in a follow of many tasks, is the one pod watch that finds
	// running members' pods and tracks every member's pod (nil: each
	// follow lists and watches its own).
	pods *podwatch.Shared
	// PollEvery is how often pods (and, in a selection, Jobs) are listed
	// when the API refuses to watch them. Default podwatch.DefaultPollEvery.
	PollEvery time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (c *Config) notify(format string, args ...any) {
	if c.Notify != nil {
		c.Notify(format, args...)
	}
}

func (c *Config) debugf(format string, args ...any) {
	if c.Debugf != nil {
		c.Debugf(format, args...)
	}
}

// watchOptions are the reporting and polling of the follow's pod watches.
func (c *Config) watchOptions() podwatch.Options {
	return podwatch.Options{Debugf: c.Debugf, Notify: c.Notify, PollEvery: c.pollEvery()}
}

func (c *Config) pollEvery() time.Duration {
	if c.PollEvery > 0 {
		return c.PollEvery
	}
	return podwatch.DefaultPollEvery
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Config) storageWait() time.Duration {
	if c.StorageWait > 0 {
		return c.StorageWait
	}
	return 2 * time.Minute
}

// opener returns the log opener of a pod.
func (c *Config) opener(namespace, pod string) follow.Opener {
	if c.Open != nil {
		return c.Open(namespace, pod)
	}
	pods := c.Kube.Pods(namespace)
	return func(ctx context.Context, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
		c.debugf("follow: GET log of %s/%s container=%s follow=%v sinceTime=%v tailLines=%v", namespace, pod,
			opts.Container, opts.Follow, opts.SinceTime, ptrString(opts.TailLines))
		return pods.GetLogs(pod, opts).Stream(ctx)
	}
}

func ptrString(p *int64) string {
	if p == nil {
		return "<nil>"
	}
	return itoa(*p)
}
