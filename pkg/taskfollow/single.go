package taskfollow

import (
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/podwatch"
)

// Follow follows one task until its container ends, and returns how it
// ended: a *Result when it exited 0 (or the Overlord says it succeeded),
// else a typed error (*NotRunningError, *QueuedError, *NotFoundError,
// *MissingContainerError, *ContainerFailedError, *PodDeletedError,
// *TaskFailedError, *OverlordError), an API error, or ctx.Err().
func Follow(ctx context.Context, cfg Config, taskID string) (*Result, error) {
	// The log stream's connection is dialled while the pod is looked up.
	if p, ok := cfg.Kube.(logStreamPreparer); ok {
		p.PrepareLogStream()
	}
	r, err := cfg.Locator.ResolveStreamable(ctx, taskID, cfg.Container)
	if err != nil {
		return nil, err
	}
	if r.From != "" {
		cfg.notify("%s is task %s", r.From, r.TaskID)
		taskID = r.TaskID
	}
	if cfg.Overlord != nil && (r.NotFound != nil || r.State.Phase == druid.Stopped) {
		if res, done, err := cfg.fromOverlord(ctx, r); done {
			return res, err
		}
	}
	if cfg.NoFollow && hasLog(r, cfg.Container) {
		return cfg.readOnce(ctx, r)
	}
	if !r.State.Streamable() && cfg.Wait && r.State.Phase != druid.Stopped {
		if r, err = cfg.waitForRunning(ctx, r); err != nil {
			return nil, err
		}
		if cfg.Overlord != nil && r.State.Phase == druid.Stopped {
			if res, done, err := cfg.fromOverlord(ctx, r); done {
				return res, err
			}
		}
	}
	if err := cfg.streamable(r); err != nil {
		return nil, err
	}
	if r.PodCount > 1 {
		cfg.notify("note: Job %s has %d pods; following the newest, %s", r.Job.Name, r.PodCount, r.Pod.Name)
	}
	cfg.notify("following task %s: pod %s (job %s, namespace %s), container %s",
		taskID, r.Pod.Name, r.Job.Name, r.Namespace, cfg.Container)
	prefix := ""
	if cfg.PodPrefix {
		prefix = fmt.Sprintf("[pod/%s/%s] ", r.Pod.Name, cfg.Container)
	}
	return cfg.stream(ctx, r, cfg.Out, prefix, "")
}

// logStreamPreparer is a client that can dial a log stream's connection
// ahead of the request (kube.Client).
type logStreamPreparer interface{ PrepareLogStream() }

// streamable says why a resolution cannot be streamed, or nil.
func (c *Config) streamable(r *locate.Resolution) error {
	switch {
	case r.NotFound != nil:
		return &NotFoundError{NotFoundError: r.NotFound}
	case r.Pod != nil && !druid.HasContainer(r.Pod, c.Container):
		return &MissingContainerError{Pod: r.Pod.Name, Container: c.Container, Containers: druid.ContainerNames(r.Pod)}
	case !r.State.Streamable():
		return &NotRunningError{Res: r, Container: c.Container}
	}
	return nil
}

// waitForRunning waits until the task is streamable, has stopped, or its
// pod shows the container is missing.
func (c *Config) waitForRunning(ctx context.Context, r *locate.Resolution) (*locate.Resolution, error) {
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if c.Timeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, c.Timeout)
	}
	defer cancel()
	done := func(r *locate.Resolution) bool {
		return r.State.Streamable() || r.State.Phase == druid.Stopped ||
			(r.Pod != nil && !druid.HasContainer(r.Pod, c.Container))
	}
	r, err := c.Locator.WaitUntil(wctx, r, c.Container, done, func(r *locate.Resolution) {
		if c.Progress != nil {
			c.Progress(fmt.Sprintf("task %s is %s: %s", r.TaskID, r.State.Phase, r.State.Reason))
		}
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return r, &NotRunningError{Res: r, Container: c.Container, WaitedFor: c.Timeout}
	}
	return r, err
}

// stream follows a streamable task's container to its end, writing each
// line whole to out after prefix, and decides how it ended.
func (c *Config) stream(ctx context.Context, r *locate.Resolution, out io.Writer, prefix, member string) (*Result, error) {
	container := c.Container
	ended := func(p *corev1.Pod) bool {
		return druid.StateOf(r.Job, p, container, c.now()).Phase == druid.Stopped
	}
	var tracker *podwatch.Tracker
	if c.pods != nil {
		tracker = c.pods.Track(r.Pod, ended)
	} else {
		tracker = podwatch.Start(ctx, c.Kube, r.Pod, r.PodsResourceVersion, ended, c.watchOptions())
	}
	defer tracker.Stop()
	opts := c.followOptions(r, prefix, member)
	f := follow.New(c.opener(r.Namespace, r.Pod.Name), out, opts)
	err := f.Run(ctx, tracker.Ended())
	res := &Result{Resolution: r, Lines: f.Lines(), Gaps: f.Gaps()}
	var gone *follow.LogGoneError
	var stored *storedOutcome
	if err == nil && len(res.Gaps) > 0 {
		if res.Backfilled, err = c.backfill(ctx, r.TaskID, res.Gaps, out, prefix, opts.JSON); err != nil {
			return nil, err
		}
	}
	if errors.As(err, &gone) {
		if stored, err = c.continueFromStorage(ctx, r.TaskID, gone, out, prefix, opts.JSON); err != nil {
			return nil, err
		}
		res.FromStorage = stored != nil && stored.printed
	} else if err != nil {
		return nil, err
	}
	pod, deleted := tracker.Latest()
	st := druid.StateOf(r.Job, pod, container, c.now())
	res.State = st
	switch {
	case st.Phase == druid.Stopped && !st.Failed:
		c.notify("%stask container %s", prefix, EndWords(st))
		return res, nil
	case st.Phase == druid.Stopped:
		return nil, &ContainerFailedError{TaskID: r.TaskID, Namespace: r.Namespace, State: st}
	case stored != nil && stored.status != nil:
		// The pod vanished without a final state; Druid's word decides.
		if stored.status.Succeeded() {
			c.notify("%stask %s SUCCEEDED per the Overlord", prefix, r.TaskID)
			return res, nil
		}
		return nil, &TaskFailedError{TaskID: r.TaskID, ErrorMsg: stored.status.ErrorMsg}
	case deleted:
		return nil, &PodDeletedError{TaskID: r.TaskID, Namespace: r.Namespace, Pod: r.Pod.Name, Container: container}
	}
	return nil, &StillRunningError{TaskID: r.TaskID, State: st}
}

// EndWords describes a stopped container's end: "exited 0 (Completed)".
func EndWords(st druid.State) string {
	if t := st.Terminated; t != nil {
		reason := t.Reason
		if reason == "" {
			reason = "Completed"
		}
		return fmt.Sprintf("exited %d (%s)", t.ExitCode, reason)
	}
	return "ended: " + st.Reason
}

// hasLog reports whether the pod has a log of the container to read now:
// it runs, or it ran and terminated.
func hasLog(r *locate.Resolution, container string) bool {
	if r.Pod == nil || !druid.HasContainer(r.Pod, container) {
		return false
	}
	return r.State.Streamable() || (r.State.Phase == druid.Stopped && r.State.Terminated != nil)
}

// readOnce prints the log the pod has now (--no-follow) and decides the
// exit from the container's state: a finished one's outcome, or success
// for one still running.
func (c *Config) readOnce(ctx context.Context, r *locate.Resolution) (*Result, error) {
	c.notify("printing the log of task %s: pod %s (job %s, namespace %s), container %s, without following",
		r.TaskID, r.Pod.Name, r.Job.Name, r.Namespace, c.Container)
	prefix := ""
	if c.PodPrefix {
		prefix = fmt.Sprintf("[pod/%s/%s] ", r.Pod.Name, c.Container)
	}
	opts := c.followOptions(r, prefix, "")
	ended := make(chan struct{})
	close(ended) // one read of what there is
	f := follow.New(c.opener(r.Namespace, r.Pod.Name), c.Out, opts)
	if err := f.Run(ctx, ended); err != nil {
		return nil, err
	}
	res := &Result{Resolution: r, State: r.State, Lines: f.Lines()}
	switch {
	case r.State.Phase == druid.Stopped && r.State.Failed:
		return nil, &ContainerFailedError{TaskID: r.TaskID, Namespace: r.Namespace, State: r.State}
	case r.State.Phase == druid.Stopped:
		c.notify("task container %s", EndWords(r.State))
	default:
		c.notify("task %s is still RUNNING: printed its log so far", r.TaskID)
	}
	return res, nil
}

// memberReadBuffer is the read buffer of a stream among several (a
// prefix marks them): one TLS record, the most an HTTP/1.1 stream's read
// returns. A group of 200 then holds 3 MB of read buffers, not 13.
const memberReadBuffer = 16 << 10

// followOptions are the stream options of one task's container: the
// user's, with its prefix, its JSON fields and its status lines.
func (c *Config) followOptions(r *locate.Resolution, prefix, member string) follow.Options {
	opts := c.Follow
	opts.Container, opts.Prefix, opts.Filter = c.Container, prefix, c.Filter
	if prefix != "" {
		opts.ReadBuffer = memberReadBuffer // one of several streams
	}
	opts.Notify = func(format string, args ...any) { c.notify(prefix+format, args...) }
	opts.OnGap = func(g follow.Gap) {
		c.debugf("follow: %sgap from %s to %s: %d lines printed before it are keyed, the next is %q", prefix,
			stampText(g.From), stampText(g.To), len(g.Last), g.Next.Head)
	}
	if c.JSON {
		opts.JSON = &follow.JSONLine{Task: r.TaskID, Pod: r.Pod.Name, Container: c.Container, Member: member}
	}
	return opts
}
