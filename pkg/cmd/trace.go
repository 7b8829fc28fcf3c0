package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlordlog"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// TraceOptions are the flags of `trace`.
type TraceOptions struct {
	*Globals
	TaskID          string
	arg             taskArg
	Summary         bool
	OverlordPod     string
	Selector        string
	OverlordService string
	Container       string
	NamePrefix      string
	Since           time.Duration
	Output          string
	NoEmoji         bool
	clients         *Clients
}

// NewCmdTrace builds `trace TASK_ID` and `trace --summary`.
func NewCmdTrace(g *Globals) *cobra.Command {
	o := &TraceOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "trace TASK_ID | --summary",
		Short: "Follow a task's live-log request through the Overlord's own log",
		Long: `Read the Druid Overlord's log (pods/log of its pods) and follow the task's live-log
request (GET /druid/indexer/v1/task/ID/log, the web console's) through the Overlord's
layers, as the live-log diagnostics guide does by hand with grep:

  1 request    the API request reached this Overlord         [STREAM]
  2 work-item  the Kubernetes task runner has a work item     [STREAM]
  3 lifecycle  the work item has a peon lifecycle             [WORKITEM]
  4 running    the lifecycle is RUNNING (the pod has an IP)   [LIFECYCLE]
  5 log-watch  Kubernetes gave a log watch                    [K8S-CLIENT]

It prints the task's lines in order, then each step ok / fail / skipped / missing, the
failing layer, its cause and fix. Markers are matched by their ASCII tags and phrases.
An Overlord without this instrumentation has only its stock lines: they are shown, and
the trace says the markers are absent.

The Overlord's pods: --overlord-pod (also a Coordinator running as Overlord), else -l,
else the pods labelled component=overlord (Druid Helm chart, druid-operator) or the
druid-operator's nodeSpecUniqueStr naming an Overlord, else the pods behind
--overlord-service. Every replica is read; the one that led and the one that handled
the request are named. The window: --since, else from the task's Job creation, else 1h.

--summary counts the requests of every task in the window, per pod and in total.

Exit codes: 0 the stream was obtained; 3 no request seen or no work item; 4 no
lifecycle or not RUNNING; 1 the log watch failed; 5 pods/log on the Overlord forbidden.
Needs get and list on pods and get on pods/log in the Overlord's namespace.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/trace.md`,
		Example: `  kubectl druid-logs trace query-abc123 -n druid
  kubectl druid-logs trace query-abc123 -n druid --overlord-pod druid-coordinator-0 -o json
  kubectl druid-logs trace --summary -n druid --since 24h`,
		ValidArgsFunction: completeTaskIDs(g),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			cl, err := g.newClients()
			if err != nil {
				return err
			}
			o.clients = cl
			return o.Run(c.Context())
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.Summary, "summary", false, "Count the live-log requests of every task in the window, per Overlord pod and in total")
	fs.StringVar(&o.OverlordPod, "overlord-pod", "", "The Overlord's pod (also a Coordinator running as Overlord)")
	fs.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Overlord's pods")
	fs.StringVar(&o.OverlordService, "overlord-service", "", "The Overlord's Service, [NAMESPACE/]NAME[:PORT] or \"auto\": its selector's pods (when no label finds them)")
	fs.StringVarP(&o.Container, "container", "c", "", "The Overlord pod's container (default: the pod's default container, else its first)")
	fs.StringVar(&o.NamePrefix, "name-prefix", "", "Druid 33+ druid.indexer.runner.k8sTaskPodNamePrefix, if set on the Overlord")
	durationVarDays(fs, &o.Since, "since", 0, "Read the last DURATION of the logs (default: from the task's Job creation, else 1h)")
	fs.StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml (default: text)")
	fs.BoolVar(&o.NoEmoji, "no-emoji", false, "ASCII status markers instead of symbols")
	_ = cmd.RegisterFlagCompletionFunc("overlord-pod", completeOverlordPods(g))
	return cmd
}

// Complete takes the TASK_ID argument.
func (o *TraceOptions) Complete(args []string) error {
	switch {
	case o.Summary && len(args) > 0:
		return exitcode.New(exitcode.Usage, "trace --summary takes no TASK_ID (it counts every task's requests)", nil)
	case !o.Summary && len(args) != 1:
		return exitcode.New(exitcode.Usage, fmt.Sprintf("trace needs exactly one TASK_ID argument, or --summary; got %d arguments", len(args)), nil)
	case !o.Summary:
		a, err := parseTaskArg(args[0])
		if err != nil {
			return err
		}
		o.arg = a
	}
	return nil
}

// Validate checks the flags together.
func (o *TraceOptions) Validate() error {
	if err := checkOutputFormat(o.Output, "json", "yaml"); err != nil {
		return err
	}
	if o.Since < 0 {
		return exitcode.New(exitcode.Usage, "--since must not be negative", nil)
	}
	if o.Selector != "" {
		if _, err := labels.Parse(o.Selector); err != nil {
			return exitcode.New(exitcode.Usage, fmt.Sprintf("invalid -l %q: %s", o.Selector, msg.OneLine(err.Error())), err)
		}
	}
	return nil
}

// Run finds the Overlord's pods, streams their logs through the tracer or
// the summarizer, and prints the result.
func (o *TraceOptions) Run(ctx context.Context) error {
	ns := o.clients.Namespace
	if !o.Summary {
		loc := o.clients.locator(&taskFlags{NamePrefix: o.NamePrefix})
		id, err := o.arg.taskID(ctx, loc, o.note)
		if err != nil {
			return err
		}
		o.TaskID = id
	}
	found, err := overlordlog.Find(ctx, o.clients.Kube, overlordlog.Selection{Namespace: ns, Pod: o.OverlordPod,
		LabelSelector: o.Selector, Service: o.OverlordService})
	if err != nil {
		return o.failed(err, ns, "")
	}
	w, werr := o.window(ctx)
	if werr != nil {
		o.status("note: %s: %s", w.Why, msg.OneLine(classify(werr).Error()))
	}
	o.status("reading the log of %d Overlord pod(s) (%s) %s", len(found.Pods), found.How, w)
	open := overlordlog.KubeOpener(o.clients.Kube)
	if o.Summary {
		sum, reads := overlordlog.Summarize(ctx, open, found.Pods, o.Container, w)
		if err := o.readErrors(reads, ns); err != nil {
			return err
		}
		if o.Output != "" {
			return classify(printStructured(o.Out, o.Output, sum))
		}
		return classify(printSummary(o.Out, sum, w))
	}
	var jobs []string
	for _, c := range druid.JobNames(o.TaskID, o.NamePrefix) {
		jobs = append(jobs, c.Name)
	}
	res, reads := overlordlog.TraceTask(ctx, open, found.Pods, o.Container, w,
		trace.Context{TaskID: o.TaskID, Namespace: ns, Job: orText(w.Job, jobs[0])}, trace.Options{TaskID: o.TaskID, Jobs: jobs})
	if err := o.readErrors(reads, ns); err != nil {
		return err
	}
	if o.Output != "" {
		if err := printStructured(o.Out, o.Output, res); err != nil {
			return classify(err)
		}
	} else {
		printTrace(o.Out, res, len(res.OverlordPods) > 1, traceMarkers(o.Out, o.NoEmoji))
	}
	if code := res.ExitCode(); code != exitcode.OK {
		return exitcode.New(code, fmt.Sprintf("trace: the Overlord did not obtain a log stream for %s: step %d (%s) %s",
			o.TaskID, res.FailedStep.Number(), *res.FailedStep, res.Steps[res.FailedStep.Number()-1].Status), nil)
	}
	return nil
}

func (o *TraceOptions) window(ctx context.Context) (overlordlog.Window, error) {
	switch {
	case o.Since > 0:
		return overlordlog.Last(o.Since, "--since"), nil
	case o.Summary:
		return overlordlog.Last(overlordlog.DefaultWindow, "the default; --since to change"), nil
	}
	return overlordlog.TaskWindow(ctx, o.clients.Kube, o.clients.Namespace, o.TaskID, o.NamePrefix)
}

// readErrors notes the pods whose log could not be read, and fails when
// none could.
func (o *TraceOptions) readErrors(reads []overlordlog.PodRead, ns string) error {
	var failed []*overlordlog.PodRead
	for i := range reads {
		if reads[i].Err != nil {
			failed = append(failed, &reads[i])
		}
	}
	if len(failed) > 0 && len(failed) == len(reads) {
		return o.failed(failed[0].Err, ns, failed[0].Pod)
	}
	for _, r := range failed {
		o.status("note: could not read the log of Overlord pod %s (container %s): %s; the others are traced",
			r.Pod, r.Container, msg.OneLine(msg.APIMessage(r.Err)))
	}
	return nil
}

// failed turns an error of finding or reading the Overlord's pods into the
// exit code and the message saying what trace needs.
func (o *TraceOptions) failed(err error, ns, pod string) error {
	var nf *overlordlog.NotFoundError
	var sel *overlordlog.SelectorError
	switch {
	case errors.As(err, &nf):
		return exitcode.New(exitcode.NotFound, nf.Error(), err)
	case errors.As(err, &sel):
		return exitcode.New(exitcode.Usage, sel.Error(), err)
	case apierrors.IsForbidden(err):
		what := "cannot find the Overlord's pods"
		if pod != "" {
			what = "cannot read the log of Overlord pod " + pod
		}
		return exitcode.New(exitcode.Forbidden, what+": "+msg.OneLine(msg.APIMessage(err))+
			"\n  trace needs get and list on pods and get on pods/log in the Overlord's namespace ("+ns+")", err)
	}
	if pod != "" {
		err = fmt.Errorf("reading the log of Overlord pod %s: %w", pod, err)
	}
	return classify(err)
}

func (o *TraceOptions) status(format string, args ...any) {
	if !o.Quiet {
		fmt.Fprintf(o.ErrOut, format+"\n", args...)
	}
}

func traceMarkers(out io.Writer, noEmoji bool) map[trace.Status]string {
	if !noEmoji && termstyle.UTF8() && termstyle.IsTerminal(out) {
		return map[trace.Status]string{trace.OK: "✔", trace.Fail: "✘", trace.Skipped: "○", trace.Missing: "?"}
	}
	return map[trace.Status]string{trace.OK: "[ok]", trace.Fail: "[FAIL]", trace.Skipped: "[skip]", trace.Missing: "[none]"}
}

// printTrace writes the trace for people: the pods, the lines in order,
// the steps, and the failing layer with its cause and fix.
func printTrace(out io.Writer, r *trace.Result, podPrefix bool, marks map[trace.Status]string) {
	fmt.Fprintf(out, "Trace of task %s through the Overlord's log\n", r.TaskID)
	for _, p := range r.Pods {
		var notes []string
		if p.Leader != "" {
			notes = append(notes, "became the leader at "+p.Leader)
		}
		if p.Pod == r.HandledBy {
			notes = append(notes, "handled the request")
		}
		if p.Markers == 0 {
			notes = append(notes, "no marker lines")
		}
		fmt.Fprintf(out, "  Overlord %s: %s read", p.Pod, plural(p.Lines, "line"))
		if len(notes) > 0 {
			fmt.Fprintf(out, "; %s", strings.Join(notes, ", "))
		}
		fmt.Fprintln(out)
	}
	if r.Requests > 0 {
		fmt.Fprintf(out, "  %d request(s) for this task, %d obtained a stream; the latest:\n", r.Requests, r.StreamsObtained)
	}
	for _, l := range r.Trace {
		fmt.Fprintln(out, linePrefix(l.Pod, podPrefix)+l.Text)
	}
	if len(r.StockLines) > 0 && (!r.Markers || r.HandledBy == "") {
		fmt.Fprintf(out, "  Stock lines of the task runner naming the task or its Job:\n")
		for _, l := range r.StockLines {
			fmt.Fprintln(out, linePrefix(l.Pod, podPrefix)+l.Line)
		}
	}
	width := 0
	for _, m := range marks {
		width = max(width, len([]rune(m)))
	}
	fmt.Fprintln(out, "Steps:")
	for _, s := range r.Steps {
		m := marks[s.Status]
		fmt.Fprintf(out, "  %s%s %d %-10s %s\n", m, strings.Repeat(" ", width-len([]rune(m))), s.Step, s.ID, s.Status)
	}
	if r.FailedStep == nil {
		fmt.Fprintln(out, "The Overlord obtained a live log stream for the task.")
		return
	}
	fmt.Fprintf(out, "Failing layer: step %d %s (%s)\n", r.FailedStep.Number(), *r.FailedStep, r.FailedStep.Layer())
	fmt.Fprintf(out, "Cause: %s\n", r.Cause)
	fmt.Fprintf(out, "Fix:   %s\n", r.Fix)
}

// linePrefix indents a line of the trace and, when several pods were
// read, names the pod that wrote it.
func linePrefix(pod string, named bool) string {
	if !named {
		return "    "
	}
	_, name, _ := strings.Cut(pod, "/")
	return "    [" + name + "] "
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// printSummary writes the request counts as a table, then the most recent
// failures.
func printSummary(out io.Writer, s *trace.Summary, w overlordlog.Window) error {
	fmt.Fprintf(out, "Live-log requests in the Overlord's log %s\n", w)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POD\tREQUESTS\tSUCCEEDED\tFAILED\tUNFINISHED\tSUCCESS RATE\tWORK-ITEM\tLIFECYCLE\tRUNNING\tLOG-WATCH\tUNKNOWN")
	row := func(c trace.Counts, name string) {
		rate := "-"
		if c.SuccessRate != nil {
			rate = fmt.Sprintf("%.1f%%", *c.SuccessRate)
		}
		if c.Markers == 0 && c.Pod != "" {
			name += " (no marker lines)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\n", name, c.Requests, c.Succeeded, c.Failed, c.Unfinished, rate,
			c.ByStep[trace.StepWorkItem], c.ByStep[trace.StepLifecycle], c.ByStep[trace.StepRunning], c.ByStep[trace.StepLogWatch], c.ByStep[trace.StepUnknown])
	}
	for _, p := range s.Pods {
		row(p, p.Pod)
	}
	row(s.Total, "TOTAL")
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.Total.RecentFailures) > 0 {
		fmt.Fprintln(out, "Most recent failures:")
		for _, f := range s.Total.RecentFailures {
			fmt.Fprintf(out, "  %s %s (%s): %s\n", f.Pod, f.TaskID, f.Step, f.Line)
		}
	}
	return nil
}

// completeOverlordPods completes --overlord-pod with the pods that look
// like the Overlord's (the default labels).
func completeOverlordPods(g *Globals) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cl, err := g.newClients()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		var names []string
		if f, err := overlordlog.Find(ctx, cl.Kube, overlordlog.Selection{Namespace: cl.Namespace}); err == nil {
			for _, p := range f.Pods {
				names = append(names, p.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
