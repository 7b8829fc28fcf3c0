package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/diagnose"
	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlordlog"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// CheckOptions are the flags of `check`.
type CheckOptions struct {
	*Globals
	task     taskFlags
	ovl      overlordFlags
	rule     ruleFlag
	shared   *bool
	Output   string
	NoEmoji  bool
	Color    string
	TaskID   string
	arg      taskArg
	clients  *Clients
	contexts []string // several contexts: the task's is found in Run
}

// NewCmdCheck builds `check TASK_ID`.
func NewCmdCheck(g *Globals) *cobra.Command {
	o := &CheckOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "check TASK_ID",
		Short: "Diagnose why a Druid task's logs do not stream",
		Long: `Walk the checklist for a Druid task and say, for each step, ok / warning / fail /
skipped, with the evidence and the command that fixes or inspects it:

  job          the Job exists (which naming rule matched; task.id annotation verified)
  pod          the Job has a pod (else the Job's conditions and events)
  running      Druid's RUNNING rule for the runner's mode: the pod has an IP (default client),
               or its phase is Running/Succeeded/Failed (useK8sSharedInformers=true, 36+);
               the mode is read from the Overlord's GET /status/properties, else
               --shared-informers, else assumed; the report says which (runningRule)
  container    a container named "main" exists (Druid reads logs only from it)
  logs         the log stream really opens (a bounded read, no follow)
  permissions  SelfSubjectAccessReview of every permission the plugin needs
  terminated   for a finished container: exit code, reason and finish time
  overlord     with --overlord/--overlord-service: credentials accepted, the leader
               (GET /isLeader, /leader), the task's Druid status (never existed, waiting,
               queued, running, finished) and the runner's lists; skipped otherwise
  overlord-log with an Overlord, for a RUNNING task: GET /druid/indexer/v1/task/ID/log
               answers 200; on 404 the cause, as trace finds it: no container "main", the
               Overlord's service account may not get pods/log (SubjectAccessReview), the
               kubelet cannot serve the log, or the Overlord's own read failed

A failed step skips the steps that depend on it. Exit code 0 when nothing failed,
otherwise the code of the first failed check (see kubectl druid-logs --help).
-o json|yaml prints a stable schema: taskId, namespace, job, pod, state, reason,
runningRule, checks[] of {id, status, message, evidence, hint} (docs/check-schema.md).

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/check.md`,
		Example: `  kubectl druid-logs check query-abc123 -n druid
  kubectl druid-logs check query-abc123 -n druid --overlord-service druid-overlord:8090
  kubectl druid-logs check query-abc123 -n druid --shared-informers
  kubectl druid-logs check query-abc123 -o json | jq '.checks[] | select(.status=="fail")'`,
		Args:              exactTaskID,
		ValidArgsFunction: completeTaskIDs(g),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			o.shared = o.rule.get(c.Flags())
			return o.Run(c.Context())
		},
	}
	o.task.addFlags(cmd.Flags())
	o.ovl.addFlags(cmd.Flags())
	o.rule.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml (default: a report for people)")
	cmd.Flags().BoolVar(&o.NoEmoji, "no-emoji", false, "ASCII status markers instead of symbols")
	cmd.Flags().StringVar(&o.Color, "color", string(termstyle.Auto), "Colour the markers: auto (on a terminal, unless NO_COLOR is set), always or never")
	return cmd
}

// Complete reads the task argument and builds the clients.
func (o *CheckOptions) Complete(args []string) error {
	a, cl, names, err := o.taskClientsAcross(args[0], o.Output)
	if err != nil {
		return err
	}
	o.arg, o.clients, o.contexts = a, cl, names
	return nil
}

// Validate checks the flags (the output format is checked before any
// client is built, in Complete).
func (o *CheckOptions) Validate() error {
	if _, err := termstyle.ParseColorMode(o.Color); err != nil {
		return exitcode.New(exitcode.Usage, err.Error(), nil)
	}
	if o.task.Container == "" {
		return exitcode.New(exitcode.Usage, "--container must not be empty", nil)
	}
	return nil
}

// Run collects, evaluates and prints; the exit code is the report's.
func (o *CheckOptions) Run(ctx context.Context) error {
	if o.contexts != nil {
		a, cl, err := o.pickContext(ctx, o.contexts, o.arg, &o.task, &o.ovl)
		if err != nil {
			return err
		}
		o.arg, o.clients = a, cl
	}
	c, err := o.ovl.client(o.Globals, o.clients.Namespace)
	if err != nil {
		return err
	}
	id, err := o.arg.taskID(ctx, o.clients.locator(&o.task), o.note)
	if err != nil {
		return err
	}
	o.TaskID = id
	rep, err := runCheck(ctx, o.Globals, o.clients, &o.task, &o.ovl, c, o.shared, o.TaskID, o.note)
	var nothing *learnedNothingError
	if errors.As(err, &nothing) {
		// Nothing to report: one error line (exit 1, or 5 when the
		// credentials were refused); a script asking for JSON still gets a
		// report, with state UNKNOWN.
		if o.Output != "" {
			if err := printStructured(o.Out, o.Output, nothing.report); err != nil {
				return err
			}
		}
		return nothing.err
	}
	if err != nil {
		return err
	}
	o.TaskID = rep.TaskID
	if o.Output != "" {
		if err := printStructured(o.Out, o.Output, rep); err != nil {
			return err
		}
	} else {
		mode, _ := termstyle.ParseColorMode(o.Color)
		st := newStyle(o.Out, o.NoEmoji, mode)
		printReport(o.Out, rep, st)
	}
	if code := rep.ExitCode(); code != exitcode.OK {
		return exitcode.New(code, fmt.Sprintf("check %s failed (exit %d)", firstFailed(rep), code), nil)
	}
	return nil
}

// runCheck collects and evaluates the checklist; ovl may be nil. The
// Overlord's checks use the probes of trace (pkg/probe); the RUNNING rule
// is the runner's mode read from the Overlord, else shared (the
// --shared-informers flag), else the default. The report's first failed
// check links to `why` when the task failed, is stuck or is misconfigured.
func runCheck(ctx context.Context, g *Globals, cl *Clients, task *taskFlags, ovlFlags *overlordFlags, ovl *overlord.Client, shared *bool, taskID string,
	note func(string, ...any)) (*diagnose.Report, error) {
	obs := diagnose.Collect(ctx, cl.Kube, cl.locator(task), taskID, task.Container, nil)
	if obs.Res != nil {
		noteFrom(obs.Res, note)
	}
	if diagnose.LearnedNothing(obs) {
		e := classify(obs.ResolveErr).(*exitcode.Err)
		return nil, &learnedNothingError{err: e, report: diagnose.Unreachable(taskID, obs.Namespace, e, e.Code)}
	}
	var probes diagnose.OverlordProbes
	if ovl != nil {
		how := "--overlord"
		if ovlFlags.Service != "" {
			how = "--overlord-service (the API server's service proxy)"
		}
		probes.Targets = []probe.Target{{API: ovl, Where: ovl.BaseURL(), How: how, Proxied: ovlFlags.Service != ""}}
		probes.Reviewer = reviewer(cl)
		if found, err := overlordlog.Find(ctx, cl.Kube, overlordlog.Selection{Namespace: obs.Namespace, Service: ovlFlags.Service}); err == nil {
			probes.Pods = found.Pods
			probes.TraceLog = func(ctx context.Context) *trace.Result { return traceOwnRequest(ctx, cl, obs, found.Pods) }
		} else {
			probes.PodsErr = err
		}
	}
	diagnose.ProbeOverlord(ctx, obs, probes, shared)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rep := diagnose.Evaluate(obs)
	linkWhy(rep, whyCommand(rep.TaskID, rep.Namespace, task, ovlFlags))
	return rep, nil
}

// linkWhy appends the `why` command to the first failed check's hint when
// the verdict is a failure of the task (6), a stuck one (4) or a
// misconfiguration (7); a refusal or an unknown task it cannot help with.
func linkWhy(rep *diagnose.Report, cmd string) {
	switch rep.ExitCode() {
	case exitcode.ContainerFailed, exitcode.NotRunning, exitcode.Misconfigured:
	default:
		return
	}
	for i := range rep.Checks {
		if c := &rep.Checks[i]; c.Status == diagnose.Fail {
			if c.Hint != "" {
				c.Hint += "; "
			}
			c.Hint += "why it failed, and the fix: " + cmd
			return
		}
	}
}

// whyCommand is the `why` command line for the task, with the flags that
// found it (never credentials: those come from a file or the environment).
func whyCommand(taskID, namespace string, task *taskFlags, ovl *overlordFlags) string {
	cmd := "kubectl druid-logs why " + taskID
	if namespace != "" {
		cmd += " -n " + namespace
	}
	if task.NamePrefix != "" {
		cmd += " --name-prefix " + task.NamePrefix
	}
	if task.Container != "" && task.Container != druid.MainContainer {
		cmd += " -c " + task.Container
	}
	switch {
	case ovl.URL != "":
		cmd += " --overlord " + ovl.URL
	case ovl.Service != "":
		cmd += " --overlord-service " + ovl.Service
	}
	return cmd
}

func firstFailed(rep *diagnose.Report) string {
	for _, c := range rep.Checks {
		if c.Status == diagnose.Fail {
			return c.ID
		}
	}
	return ""
}

// style decides markers and colours for the text report.
type style struct {
	color   bool
	markers map[diagnose.Status]string
}

func newStyle(out io.Writer, noEmoji bool, color termstyle.ColorMode) style {
	return styleFor(termstyle.IsTerminal(out), termstyle.UTF8(), noEmoji, termstyle.UseColor(out, color))
}

// styleFor picks the markers: symbols only on a UTF-8 terminal (a file or
// a pipe gets [ok] [FAIL], so `grep FAIL` works in scripts), and colour.
func styleFor(terminal, utf8, noEmoji, color bool) style {
	s := style{color: color, markers: map[diagnose.Status]string{
		diagnose.OK: "[ok]", diagnose.Warning: "[warn]", diagnose.Fail: "[FAIL]", diagnose.Skipped: "[skip]"}}
	if terminal && utf8 && !noEmoji {
		s.markers = map[diagnose.Status]string{diagnose.OK: "✔", diagnose.Warning: "⚠", diagnose.Fail: "✘", diagnose.Skipped: "○"}
	}
	return s
}

func (s style) paint(st diagnose.Status, text string) string {
	if !s.color {
		return text
	}
	codes := map[diagnose.Status]string{diagnose.OK: "32", diagnose.Warning: "33", diagnose.Fail: "31", diagnose.Skipped: "2"}
	return termstyle.Paint(codes[st], text)
}

// printReport writes the report for people: one aligned line per check,
// then the evidence and the hint of every check that did not pass.
func printReport(out io.Writer, rep *diagnose.Report, st style) {
	fmt.Fprintf(out, "Task %s in namespace %s: %s", rep.TaskID, orDash(rep.Namespace), rep.State)
	if rep.Reason != "" {
		fmt.Fprintf(out, " (%s)", rep.Reason)
	}
	fmt.Fprintln(out)
	width := 0
	for _, m := range st.markers {
		width = max(width, len([]rune(m)))
	}
	for _, c := range rep.Checks {
		m := st.markers[c.Status]
		pad := strings.Repeat(" ", width-len([]rune(m)))
		fmt.Fprintf(out, "  %s%s %-12s %s\n", st.paint(c.Status, m), pad, c.ID, c.Message)
		if c.Status == diagnose.OK || c.Status == diagnose.Skipped {
			continue
		}
		indent := strings.Repeat(" ", width+16)
		for _, e := range c.Evidence {
			fmt.Fprintf(out, "%s- %s\n", indent, e)
		}
		if c.Hint != "" {
			fmt.Fprintf(out, "%shint: %s\n", indent, c.Hint)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// learnedNothingError is a check that could not ask the API server
// anything: the error to exit with, and the UNKNOWN report for -o json.
type learnedNothingError struct {
	err    *exitcode.Err
	report *diagnose.Report
}

func (e *learnedNothingError) Error() string { return e.err.Error() }

func (e *learnedNothingError) Unwrap() error { return e.err }

// checkTraceWindow is how far back the Overlord's own log is read to find
// the live-log request the check has just made.
const checkTraceWindow = 2 * time.Minute

// traceOwnRequest traces the check's own live-log request through the
// Overlord pods' log; nil when none of their logs could be read.
func traceOwnRequest(ctx context.Context, cl *Clients, obs *diagnose.Observation, pods []corev1.Pod) *trace.Result {
	var jobs []string
	if obs.Res != nil && obs.Res.Job != nil {
		jobs = append(jobs, obs.Res.Job.Name)
	}
	for _, c := range druid.JobNames(obs.TaskID, "") {
		jobs = append(jobs, c.Name)
	}
	res, reads := overlordlog.TraceTask(ctx, overlordlog.KubeOpener(cl.Kube), pods, "", overlordlog.Last(checkTraceWindow, "the check's own request"),
		trace.Context{TaskID: obs.TaskID, Namespace: obs.Namespace, Job: jobs[0]}, trace.Options{TaskID: obs.TaskID, Jobs: jobs})
	for _, r := range reads {
		if r.Err == nil {
			return res
		}
	}
	return nil
}
