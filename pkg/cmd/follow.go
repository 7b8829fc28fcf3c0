package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/taskfollow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// FollowOptions are the flags and state of `follow`.
type FollowOptions struct {
	*Globals
	task taskFlags
	ovl  overlordFlags

	TaskID        string
	arg           taskArg
	Since         time.Duration
	SinceTime     string
	Tail          int64
	Timestamps    bool
	Prefix        bool
	Wait          bool
	NoFollow      bool
	Timeout       time.Duration
	MaxReconnects int
	Group         bool
	Color         string
	Output        string
	sel           selectionFlags
	filter        filterFlags

	cfg    taskfollow.Config
	multi  []string // several contexts (--context a,b or --all-contexts)
	status *statusOut
	color  bool
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
--wait waits for it instead. Log lines go to stdout, status messages to stderr.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/follow.md`,
		Example: `  # The last 100 lines, then new ones; the task may be in any namespace
  kubectl druid-logs follow query-abc123 -A --tail 100

  # Wait for a pending task to start, then follow it, with timestamps
  kubectl druid-logs follow index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n druid --wait --timestamps

  # A finished task: its log from Druid's task-log storage, through the Overlord
  kubectl druid-logs follow query-abc123 --overlord https://druid-overlord.druid:8281 --tail 200

  # An MSQ query: the controller and every worker, including workers that start later
  kubectl druid-logs follow query-abc123 --group`,
		Args: func(c *cobra.Command, args []string) error {
			if o.sel.active() {
				return noTaskWithSelection(c, args)
			}
			return exactTaskID(c, args)
		},
		ValidArgsFunction: completeTaskIDs(g),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	fs := cmd.Flags()
	o.task.addFlags(fs)
	o.ovl.addFlags(fs)
	durationVarDays(fs, &o.Since, "since", 0, "Only lines newer than this duration, e.g. 5m, 2h or 1d (first request only)")
	fs.StringVar(&o.SinceTime, "since-time", "", "Only lines after this RFC3339 time (first request only)")
	o.Tail = -1
	fs.Var(linesValue{&o.Tail}, "tail", "Lines of the existing log to show first; -1 shows all")
	fs.BoolVar(&o.Timestamps, "timestamps", false, "Print each line's timestamp")
	fs.BoolVar(&o.Prefix, "prefix", false, "Prefix each line with [pod/NAME/CONTAINER]")
	fs.BoolVar(&o.Wait, "wait", false, "If the task is not RUNNING yet, wait for it (watching, not polling)")
	fs.BoolVar(&o.NoFollow, "no-follow", false, "Print the log the pod has now and exit, like kubectl logs without -f: a finished task whose pod still exists (exit 0, or 6 if it failed), or a running one")
	durationVarDays(fs, &o.Timeout, "timeout", 15*time.Minute, "With --wait, how long to wait, e.g. 30m or 1d; 0 waits forever")
	fs.IntVar(&o.MaxReconnects, "max-reconnects", 10, "Give up after this many failed reconnects in a row")
	fs.BoolVar(&o.Group, "group", false, "Follow every task of the task's group at once (an MSQ controller and all its workers), each line prefixed with a task label")
	fs.BoolVar(&o.Group, "workers", false, "Same as --group: with a controller ID, follow its workers too")
	fs.StringVarP(&o.Output, "output", "o", "raw", "Output format: raw (the log lines as they are) or json (one object per line: task, pod, container, member in a group, timestamp, message), for jq")
	fs.StringVar(&o.Color, "color", string(termstyle.Auto), "Colour task labels: auto (on a terminal, unless NO_COLOR is set), always or never")
	o.sel.addFlags(fs)
	o.filter.addFlags(fs)
	var follow bool
	fs.BoolVarP(&follow, "follow", "f", true, "Follow the log (always on: accepted because kubectl logs -f and stern users type it)")
	return cmd
}

// Complete fills in the task ID, the clients and the engine's Config.
func (o *FollowOptions) Complete(args []string) error {
	if len(args) > 0 {
		arg, err := parseTaskArg(args[0])
		if err != nil {
			return err
		}
		o.arg = arg
	}
	o.status = &statusOut{errOut: o.ErrOut, quiet: o.Quiet}
	o.cfg = taskfollow.Config{
		Container: o.task.Container,
		PodPrefix: o.Prefix,
		Wait:      o.Wait,
		NoFollow:  o.NoFollow,
		Timeout:   o.Timeout,
		Out:       o.Out,
		Notify:    o.status.Notify,
		Progress:  o.status.Progress,
	}
	if o.sel.active() {
		o.logStreams = o.sel.MaxLogRequests // the client's burst opens them all at once
	}
	names, err := o.contexts()
	if err != nil {
		return err
	}
	if names != nil {
		o.multi = names // each context's clients are built in Run
		return nil
	}
	c, err := o.newClients()
	if err != nil {
		return err
	}
	return o.useClients(c)
}

// useClients points the engine at one cluster.
func (o *FollowOptions) useClients(c *Clients) error {
	ovl, err := o.ovl.client(o.Globals, c.Namespace)
	if err != nil {
		return err
	}
	o.cfg.Locator, o.cfg.Kube, o.cfg.Debugf, o.cfg.Overlord = c.locator(&o.task), c.Kube, c.Debugf, nil
	if ovl != nil {
		o.cfg.Overlord = ovl
	}
	return nil
}

// Validate checks the flags against each other and completes the stream
// options.
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
	case o.Output != "raw" && o.Output != "json":
		return usage(fmt.Sprintf("unknown output format %q (allowed: raw, json)", o.Output))
	case o.Output == "json" && (o.Timestamps || o.Prefix):
		return usage("-o json carries the timestamp and the task in each object: --timestamps and --prefix do not go with it")
	case o.NoFollow && (o.Wait || o.Group):
		return usage("--no-follow prints what a pod has now: it does not go with --wait or --group")
	case o.sel.active() && (o.Group || o.NoFollow):
		return usage("--datasource, --type and -l select tasks to follow: they do not go with --group or --no-follow")
	}
	if err := o.sel.validate(); err != nil {
		return err
	}
	filter, err := o.filter.compile(o.Out, o.Color)
	if err != nil {
		return err
	}
	o.cfg.Filter = filter
	opts := follow.Options{Timestamps: o.Timestamps, MaxFailures: o.MaxReconnects}
	if o.SinceTime != "" {
		t, err := time.Parse(time.RFC3339Nano, o.SinceTime)
		if err != nil {
			return usage(fmt.Sprintf("--since-time %q is not an RFC3339 time such as 2026-11-26T10:00:00Z", o.SinceTime))
		}
		mt := metav1.NewTime(t)
		opts.SinceTime = &mt
	}
	if o.Tail >= 0 {
		tail := o.Tail
		opts.TailLines = &tail
	}
	if o.Since > 0 {
		secs := int64((o.Since + time.Second - 1) / time.Second)
		opts.SinceSeconds = &secs
	}
	o.cfg.Follow = opts
	o.cfg.JSON = o.Output == "json"
	return nil
}

// Run follows the task, or its group, and turns the end into an exit code.
func (o *FollowOptions) Run(ctx context.Context) error {
	defer o.status.Close()
	mode, _ := termstyle.ParseColorMode(o.Color)
	o.color = termstyle.UseColor(o.Out, mode)
	paint := func(label string) string { return termstyle.Label(label, o.color) }
	if o.sel.active() {
		var res *taskfollow.GroupResult
		var err error
		if o.multi != nil {
			res, err = o.followAcross(ctx, paint)
		} else {
			res, err = o.sel.follow(ctx, o.cfg, paint)
		}
		if err != nil {
			return err
		}
		return o.groupOutcome(res)
	}
	if o.multi != nil {
		a, cl, err := o.pickContext(ctx, o.multi, o.arg, &o.task, &o.ovl)
		if err != nil {
			return err
		}
		if err := o.useClients(cl); err != nil {
			return err
		}
		o.arg = a
	}
	id, err := o.arg.taskID(ctx, o.cfg.Locator, o.status.Notify)
	if err != nil {
		return err
	}
	o.TaskID = id
	if o.Group {
		res, err := taskfollow.FollowGroup(ctx, o.cfg, o.TaskID, paint)
		if err != nil {
			return err
		}
		return o.groupOutcome(res)
	}
	_, err = taskfollow.Follow(ctx, o.cfg, o.TaskID)
	return err
}

// groupOutcome prints a summary and returns the worst member's outcome.
func (o *FollowOptions) groupOutcome(res *taskfollow.GroupResult) error {
	code := exitcode.OK
	var failed []string
	for _, m := range res.Members {
		if m.Err == nil {
			continue
		}
		e := classify(m.Err)
		c, _ := exitcode.CodeOf(e)
		code = exitcode.Worse(code, c)
		failed = append(failed, m.Label+": "+msg.OneLine(e.Error()))
	}
	o.status.Notify("%s: %d task(s) followed, %d failed", res.Selection, len(res.Members), len(failed))
	if code == exitcode.OK {
		return nil
	}
	return exitcode.New(code, "in "+res.Selection+": "+strings.Join(failed, "; "), nil)
}
