package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/postmortem"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// What `why` reads of each log: enough lines for the signatures (an
// OutOfMemoryError is rarely the last line), bounded in bytes.
const (
	whyTailLines = 2000
	whyLogBytes  = 1 << 20
)

// WhyOptions are the flags of `why`.
type WhyOptions struct {
	*Globals
	task   taskFlags
	ovl    overlordFlags
	Output string
	Tail   int
	// OverlordLog is a saved Overlord log ("-" for stdin) whose lines about
	// the task are evidence.
	OverlordLog string
	TaskID      string
	arg         taskArg
	clients     *Clients
}

// NewCmdWhy builds `why TASK_ID`.
func NewCmdWhy(g *Globals) *cobra.Command {
	o := &WhyOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "why TASK_ID",
		Short: "Say why a Druid task failed: the verdict, the evidence and the fix",
		Long: `Gather what still exists of a task (its Job and pod, their events, the Overlord's
status and errorMsg with --overlord, the last lines of its log from the pod, its previous
container or Druid's task-log storage, the task.jobTemplate annotation), match Druid's known
failure signatures, and print the verdict first (one line), then the evidence, then the fix.

Signatures: oom-killed, evicted, deadline-exceeded, node-lost, direct-memory, heap-oom,
image-pull, never-scheduled, launch-failed, failed-after-start, task-not-ready,
lock-reacquire-failed, shutdown-by-user, no-main-container, status-not-pushed,
status-unreadable, peon-deleted, peon-stopped, job-disappeared, peon-no-status, no-logs,
job-failed, task-error; and the generic container-error and task-failed. They cover the
errorMsg values stock Druid 25-39 stores. For a peon that left no status ("Peon did not
report status successfully.") the causes are ranked by what is left (the pod, the events,
the saved log, the Overlord's lines given with --overlord-log). An unknown failure says so
and shows the evidence.

Exit code: 6 the task failed, 0 it succeeded, 4 it is still pending or running (nothing
failed yet; a stuck pod's cause is named), 7 its pod has no container "main", 3 nothing is
known of it anywhere, 5 the API refused (or the Overlord did), 1 another error.
-o json|yaml prints the report (docs/why.schema.json).

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/why.md`,
		Example: `  kubectl druid-logs why index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n druid
  kubectl druid-logs why query-abc123 -n druid --overlord https://druid-overlord.druid:8281
  kubectl druid-logs why query-abc123 -o json | jq -r .verdict
  kubectl exec -n druid druid-overlord-0 -- cat log/overlord.log | kubectl druid-logs why query-abc123 -n druid --overlord-log -`,
		Args:              exactTaskID,
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
	o.task.addFlags(cmd.Flags())
	o.ovl.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml (default: a report for people)")
	cmd.Flags().IntVar(&o.Tail, "tail", 20, "Log lines to show from each log read (0: none)")
	cmd.Flags().StringVar(&o.OverlordLog, "overlord-log", "", "A saved Overlord log (- for stdin): its lines about the task and its Job are evidence")
	return cmd
}

// Complete takes the task ID and builds the clients.
func (o *WhyOptions) Complete(args []string) error {
	a, cl, err := o.taskClients(args[0], o.Output)
	if err != nil {
		return err
	}
	o.arg, o.clients = a, cl
	return nil
}

// Validate checks the flags.
func (o *WhyOptions) Validate() error {
	if o.task.Container == "" {
		return exitcode.New(exitcode.Usage, "--container must not be empty", nil)
	}
	if o.Tail < 0 {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("--tail must be 0 or more, got %d", o.Tail), nil)
	}
	return nil
}

// Run gathers, diagnoses and prints; the exit code is the verdict's.
func (o *WhyOptions) Run(ctx context.Context) error {
	id, _, ev, err := o.gatherArg(ctx, o.clients, &o.task, &o.ovl, o.arg, postmortem.Options{
		Container: o.task.Container, LogBytes: whyLogBytes, TailLines: whyTailLines})
	if err != nil {
		return err
	}
	o.TaskID = id
	if o.OverlordLog != "" {
		if ev.OverlordLines, err = o.readOverlordLog(id, ev.JobNames); err != nil {
			return err
		}
	}
	rep := postmortem.Diagnose(ev, o.Tail)
	if o.Output != "" {
		if err := printStructured(o.Out, o.Output, rep); err != nil {
			return err
		}
	} else {
		printWhy(o.Out, rep, ev.Now, termstyle.UseColor(o.Out, termstyle.Auto))
	}
	return whyExit(rep)
}

// readOverlordLog keeps the lines of --overlord-log about the task.
func (o *WhyOptions) readOverlordLog(id string, jobs []string) ([]string, error) {
	var r io.Reader = o.In
	if o.OverlordLog != "-" {
		f, err := os.Open(o.OverlordLog)
		if err != nil {
			return nil, exitcode.New(exitcode.Usage, "--overlord-log: "+err.Error(), err)
		}
		defer f.Close()
		r = f
	}
	lines, err := postmortem.OverlordLines(r, id, jobs)
	if err != nil {
		return nil, exitcode.New(exitcode.Error, "--overlord-log: "+err.Error(), err)
	}
	return lines, nil
}

// gatherTask reads the task's evidence; ovl may be nil.
// gatherArg is why's and bundle's common start: the Overlord's client, the
// task's ID from what was pasted, and the evidence.
func (g *Globals) gatherArg(ctx context.Context, cl *Clients, task *taskFlags, ovlFlags *overlordFlags, arg taskArg,
	opts postmortem.Options) (string, *overlord.Client, *postmortem.Evidence, error) {
	ovl, err := ovlFlags.client(g, cl.Namespace)
	if err != nil {
		return "", nil, nil, err
	}
	id, err := arg.taskID(ctx, cl.locator(task), g.note)
	if err != nil {
		return "", nil, nil, err
	}
	ev, err := gatherTask(ctx, cl, task, ovl, id, opts)
	if err != nil {
		return id, ovl, ev, err
	}
	if ev.From != "" {
		g.note("%s is task %s", ev.From, ev.TaskID)
	}
	return ev.TaskID, ovl, ev, nil
}

func gatherTask(ctx context.Context, cl *Clients, task *taskFlags, ovl *overlord.Client, taskID string, opts postmortem.Options) (*postmortem.Evidence, error) {
	var o postmortem.Overlord
	if ovl != nil {
		o = ovl
	}
	cl.Debugf("why: gathering the evidence of %s", taskID)
	return postmortem.Gather(ctx, cl.Kube, cl.locator(task), o, taskID, opts)
}

// whyExit turns the verdict into the command's exit: nil for a success,
// else the code with a one-line message (the report is on stdout).
func whyExit(rep *postmortem.Report) error {
	switch rep.Outcome {
	case postmortem.Succeeded:
		if rep.ExitCode == exitcode.OK {
			return nil
		}
		return exitcode.New(rep.ExitCode, fmt.Sprintf("task %s succeeded, but %s (exit %d)", rep.TaskID, rep.Signature, rep.ExitCode), nil)
	case postmortem.Failed:
		what := "an unknown cause"
		if rep.Signature != "" {
			what = rep.Signature
		}
		return exitcode.New(rep.ExitCode, fmt.Sprintf("task %s failed: %s (exit %d)", rep.TaskID, what, rep.ExitCode), nil)
	case postmortem.Running, postmortem.Pending:
		return exitcode.New(rep.ExitCode, fmt.Sprintf("task %s has not failed: it is %s (exit %d)", rep.TaskID, rep.Outcome, rep.ExitCode), nil)
	}
	return exitcode.New(rep.ExitCode, fmt.Sprintf("%s (exit %d)", strings.TrimPrefix(rep.Verdict, "UNKNOWN: "), rep.ExitCode), nil)
}
