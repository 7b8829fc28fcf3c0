package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/podwatch"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FollowOptions are the flags and state of `follow`.
type FollowOptions struct {
	*Globals
	task taskFlags

	TaskID        string
	Since         time.Duration
	SinceTime     string
	Tail          int64
	Timestamps    bool
	Prefix        bool
	Wait          bool
	Timeout       time.Duration
	MaxReconnects int
	Quiet         bool
	Group         bool

	sinceTime *metav1.Time
	clients   *Clients
	ovl       overlordFlags
	overlord  *overlord.Client
}

// NewCmdFollow builds `follow TASK_ID`.
func NewCmdFollow(g *Globals) *cobra.Command {
	o := &FollowOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "follow TASK_ID",
		Short: "Follow the live log of a RUNNING Druid task",
		Long: `Resolve the Druid task ID to its Job and Pod, check that the task is RUNNING by
Druid's rule (its pod has an IP), then follow the "main" container's log live until the
container ends. Dropped streams are resumed from the last printed line: no line is lost
or printed twice. A task that is not RUNNING is refused with the reason (exit 4);
--wait waits for it instead. Log lines go to stdout, status messages to stderr.`,
		Example: `  # Follow an MSQ controller task in the current namespace
  kubectl druid-logs follow query-abc123

  # Wait for a pending task to start, then follow it, with timestamps
  kubectl druid-logs follow index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n druid --wait --timestamps

  # Only the last 100 lines, then new ones; search every namespace
  kubectl druid-logs follow query-abc123 -A --tail 100

  # A finished task: its log from Druid's task-log storage, through the Overlord
  kubectl druid-logs follow query-abc123 --overlord https://druid-overlord.druid:8281 --tail 200

  # An MSQ query: the controller and every worker, including workers that start later
  kubectl druid-logs follow query-abc123 --group`,
		Args:              exactTaskID,
		ValidArgsFunction: completeTaskIDs(g),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return classify(err)
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return classify(o.Run(c.Context()))
		},
	}
	fs := cmd.Flags()
	o.task.addFlags(fs)
	o.ovl.addFlags(fs)
	fs.DurationVar(&o.Since, "since", 0, "Only lines newer than this duration, e.g. 5m (first request only)")
	fs.StringVar(&o.SinceTime, "since-time", "", "Only lines after this RFC3339 time (first request only)")
	fs.Int64Var(&o.Tail, "tail", -1, "Lines of the existing log to show first; -1 shows all")
	fs.BoolVar(&o.Timestamps, "timestamps", false, "Print each line's timestamp")
	fs.BoolVar(&o.Prefix, "prefix", false, "Prefix each line with [pod/NAME/CONTAINER]")
	fs.BoolVar(&o.Wait, "wait", false, "If the task is not RUNNING yet, wait for it (watching, not polling)")
	fs.DurationVar(&o.Timeout, "timeout", 15*time.Minute, "With --wait, how long to wait; 0 waits forever")
	fs.IntVar(&o.MaxReconnects, "max-reconnects", 10, "Give up after this many failed reconnects in a row")
	fs.BoolVarP(&o.Quiet, "quiet", "q", false, "No status messages on stderr, only errors")
	fs.BoolVar(&o.Group, "group", false, "Follow every task of the task's group at once (an MSQ controller and all its workers), each line prefixed with a task label")
	fs.BoolVar(&o.Group, "workers", false, "Same as --group: with a controller ID, follow its workers too")
	return cmd
}

// Complete fills in the task ID and the clients.
func (o *FollowOptions) Complete(args []string) error {
	o.TaskID = args[0]
	if err := druid.ValidateTaskID(o.TaskID); err != nil {
		return err
	}
	c, err := o.newClients()
	if err != nil {
		return err
	}
	o.clients = c
	o.overlord, err = o.ovl.client(o.Globals, c.Namespace)
	return err
}

// Validate checks the flags against each other.
func (o *FollowOptions) Validate() error {
	usage := func(msg string) error { return exitcode.New(exitcode.Usage, msg, nil) }
	switch {
	case o.Since != 0 && o.SinceTime != "":
		return usage("--since and --since-time cannot be used together")
	case o.Since < 0:
		return usage("--since must be positive")
	case o.Tail < -1:
		return usage(fmt.Sprintf("--tail must be -1 (all) or a count of lines, not %d", o.Tail))
	case o.Timeout < 0:
		return usage("--timeout must not be negative")
	case o.MaxReconnects < 1:
		return usage("--max-reconnects must be at least 1")
	case o.task.Container == "":
		return usage("--container must not be empty")
	}
	if o.SinceTime != "" {
		t, err := time.Parse(time.RFC3339Nano, o.SinceTime)
		if err != nil {
			return usage(fmt.Sprintf("--since-time %q is not an RFC3339 time such as 2026-11-26T10:00:00Z", o.SinceTime))
		}
		mt := metav1.NewTime(t)
		o.sinceTime = &mt
	}
	return nil
}

// Run resolves the task, enforces the RUNNING rule and follows the log.
func (o *FollowOptions) Run(ctx context.Context) error {
	if o.Group {
		return o.runGroup(ctx)
	}
	loc := o.clients.locator(&o.task)
	r, err := loc.Resolve(ctx, o.TaskID, o.task.Container)
	if err != nil {
		return err
	}
	if o.overlord != nil && (r.NotFound != nil || r.State.Phase == druid.Stopped) {
		if done, err := o.fromOverlord(ctx, r); done {
			return err
		}
	}
	if !r.State.Streamable() && o.Wait && r.State.Phase != druid.Stopped {
		if r, err = o.waitForRunning(ctx, loc, r); err != nil {
			return err
		}
	}
	if r.NotFound != nil {
		return r.NotFound
	}
	if r.Pod != nil && !druid.HasContainer(r.Pod, o.task.Container) {
		return o.missingContainer(r)
	}
	if !r.State.Streamable() {
		return o.refuse(r)
	}
	if r.PodCount > 1 {
		o.status("note: Job %s has %d pods; following the newest, %s", r.Job.Name, r.PodCount, r.Pod.Name)
	}
	return o.stream(ctx, r)
}

func (o *FollowOptions) waitForRunning(ctx context.Context, loc *locate.Locator, r *locate.Resolution) (*locate.Resolution, error) {
	wctx, cancel := ctx, context.CancelFunc(func() {})
	if o.Timeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, o.Timeout)
	}
	defer cancel()
	var p *progress
	if !o.Quiet {
		p = newProgress(o.ErrOut)
		defer p.Done()
	}
	done := func(r *locate.Resolution) bool {
		return r.State.Streamable() || r.State.Phase == druid.Stopped ||
			(r.Pod != nil && !druid.HasContainer(r.Pod, o.task.Container))
	}
	r, err := loc.WaitUntil(wctx, r, o.task.Container, done, func(r *locate.Resolution) {
		if p != nil {
			p.Set(fmt.Sprintf("task %s is %s: %s", o.TaskID, r.State.Phase, r.State.Reason))
		}
	})
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return r, exitcode.New(exitcode.NotRunning, fmt.Sprintf(
			"gave up waiting after %s: task %q is still %s: %s\n  See why: kubectl druid-logs check %s%s",
			o.Timeout, o.TaskID, r.State.Phase, r.State.Reason, o.TaskID, o.nsArg(r)), err)
	}
	return r, err
}

// stream follows the resolved task on stdout.
func (o *FollowOptions) stream(ctx context.Context, r *locate.Resolution) error {
	o.status("following task %s: pod %s (job %s, namespace %s), container %s",
		o.TaskID, r.Pod.Name, r.Job.Name, r.Namespace, o.task.Container)
	prefix := ""
	if o.Prefix {
		prefix = fmt.Sprintf("[pod/%s/%s] ", r.Pod.Name, o.task.Container)
	}
	err := o.streamTask(ctx, r, o.Out, prefix)
	if err == nil {
		return nil
	}
	if code, _ := exitcode.CodeOf(err); code == exitcode.ContainerFailed {
		return exitcode.New(code, err.Error()+"\n  Details: kubectl druid-logs check "+r.TaskID+o.nsArg(r), err)
	}
	return err
}

// streamTask follows one streamable task's container to its end and turns
// the end into nil (exit 0) or a coded error. Each line is written whole to
// out, after prefix.
func (o *FollowOptions) streamTask(ctx context.Context, r *locate.Resolution, out io.Writer, prefix string) error {
	container := o.task.Container
	ended := func(p *corev1.Pod) bool {
		return druid.StateOf(r.Job, p, container, time.Now()).Phase == druid.Stopped
	}
	tracker := podwatch.Start(ctx, o.clients.Kube, r.Pod, r.PodsResourceVersion, ended, o.clients.Debugf)
	pods := o.clients.Kube.Pods(r.Namespace)
	open := func(ctx context.Context, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
		o.clients.Debugf("follow: GET log of %s/%s container=%s follow=%v sinceTime=%v", r.Namespace, r.Pod.Name,
			opts.Container, opts.Follow, opts.SinceTime)
		return pods.GetLogs(r.Pod.Name, opts).Stream(ctx)
	}
	opts := follow.Options{Container: container, Timestamps: o.Timestamps, Prefix: prefix,
		SinceTime: o.sinceTime, MaxFailures: o.MaxReconnects,
		Notify: func(format string, args ...any) { o.status(prefix+format, args...) }}
	if o.Tail >= 0 {
		opts.TailLines = &o.Tail
	}
	if o.Since > 0 {
		secs := int64((o.Since + time.Second - 1) / time.Second)
		opts.SinceSeconds = &secs
	}
	if err := follow.New(open, out, opts).Run(ctx, tracker.Ended()); err != nil {
		return err
	}
	pod, deleted := tracker.Latest()
	st := druid.StateOf(r.Job, pod, container, time.Now())
	switch {
	case st.Phase == druid.Stopped && !st.Failed:
		o.status("%stask container %s", prefix, endWords(st))
		return nil
	case st.Phase == druid.Stopped:
		return exitcode.New(exitcode.ContainerFailed, "task "+r.TaskID+" container failed: "+st.Reason, nil)
	case deleted:
		return exitcode.New(exitcode.ContainerFailed, fmt.Sprintf(
			"pod %s was deleted before container %s ended (task shut down, or pod evicted or deleted)", r.Pod.Name, container), nil)
	}
	return exitcode.New(exitcode.Error, "the log stream ended but the container is still "+strings.ToLower(string(st.Phase)), nil)
}

func endWords(st druid.State) string {
	if t := st.Terminated; t != nil {
		reason := t.Reason
		if reason == "" {
			reason = "Completed"
		}
		return fmt.Sprintf("exited %d (%s)", t.ExitCode, reason)
	}
	return "ended: " + st.Reason
}

func (o *FollowOptions) refuse(r *locate.Resolution) error {
	var b strings.Builder
	fmt.Fprintf(&b, "task %q is %s, not RUNNING: %s\n", o.TaskID, r.State.Phase, r.State.Reason)
	fmt.Fprintf(&b, "  Job %s, pod %s, namespace %s.\n", r.Job.Name, podName(r), r.Namespace)
	switch r.State.Phase {
	case druid.Stopped:
		b.WriteString("  The task has finished. Druid keeps its full log in task-log storage (web console, or\n" +
			"  GET /druid/indexer/v1/task/" + o.TaskID + "/log on the Overlord).")
		if r.Pod != nil {
			fmt.Fprintf(&b, "\n  While the pod exists: kubectl logs -n %s %s -c %s", r.Namespace, r.Pod.Name, o.task.Container)
		}
	default:
		b.WriteString("  Druid streams live logs only while a task is RUNNING (its pod has an IP).\n")
		fmt.Fprintf(&b, "  Wait for it: kubectl druid-logs follow %s%s --wait\n", o.TaskID, o.nsArg(r))
		fmt.Fprintf(&b, "  See why:     kubectl druid-logs check %s%s", o.TaskID, o.nsArg(r))
	}
	return exitcode.New(exitcode.NotRunning, b.String(), nil)
}

func (o *FollowOptions) missingContainer(r *locate.Resolution) error {
	return exitcode.New(exitcode.Misconfigured, fmt.Sprintf(
		"pod %s has no container %q (containers: %s)\n"+
			"  Druid reads peon logs only from the container named \"main\": name it so in the pod template\n"+
			"  (customTemplateAdapter), or pass -c to read another container.",
		r.Pod.Name, o.task.Container, strings.Join(druid.ContainerNames(r.Pod), ", ")), nil)
}

// status prints a status line on stderr unless --quiet.
func (o *FollowOptions) status(format string, args ...any) {
	if !o.Quiet {
		fmt.Fprintf(o.ErrOut, format+"\n", args...)
	}
}

func (o *FollowOptions) nsArg(r *locate.Resolution) string {
	if r.Namespace == "" {
		return ""
	}
	return " -n " + r.Namespace
}

func podName(r *locate.Resolution) string {
	if r.Pod == nil {
		return "<none yet>"
	}
	return r.Pod.Name
}
