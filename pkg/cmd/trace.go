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
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlordlog"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
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
	ovl             overlordFlags
	rule            ruleFlag
	sharedInformers *bool
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
		Short: "Diagnose a task's live-log path by asking the Overlord and Kubernetes",
		Long: `Decide, layer by layer, why the Overlord does or does not serve a task's live log
(GET /druid/indexer/v1/task/ID/log, the web console's), by ASKING the Overlord's API and
the Kubernetes API; the Overlord's own log (pods/log of its pods) is extra evidence:

  1 request    the Overlord answers, accepts the credentials and is the leader
               (GET /isLeader, /leader)
  2 work-item  the task runner holds the task (GET /task/ID/status: 404 unknown, WAITING,
               finished; /runningTasks, /pendingTasks, /waitingTasks)
  3 lifecycle  its peon lifecycle submitted a Job (NOT_STARTED = queued behind capacity)
  4 running    RUNNING by Druid's rule for the runner's mode: the pod has an IP (default
               client), or the pod's phase is Running/Succeeded/Failed (shared informers,
               druid.indexer.runner.useK8sSharedInformers=true, Druid 36+); the mode is read
               from GET /status/properties, else --shared-informers, else assumed
  5 log-watch  GET /task/ID/log?offset=-8192 answers 200; on 404: container "main", a short
               pods/log read, and a SubjectAccessReview of the Overlord's service account
               on pods/log in the task's namespace

Each step is ok / fail / skipped / unknown with its evidence (the answer, object, event or
log line) and a command; then the failed layer, its cause and fix. Stock Druid logs
nothing on this path, so absent lines are never "not found". When the Overlord pods' log
holds no line in Druid's pattern, it says why (log4j2 writes to log/overlord.log) and how
to send it to stdout (DRUID_LOG4J).

The Overlord: --overlord URL (with credentials), --overlord-service (the API server's
service proxy), else the Overlord pods (--overlord-pod, -l, the labels component=overlord
or the druid-operator's) through the API server's pod proxy, asking the leader among them.
The output names the way used.

--summary counts the live-log requests of every task in the Overlord's log window.

Exit codes: 0 the live log is served; 1 cannot decide (Overlord unreachable or not the
leader, the Kubernetes log read fails); 3 only when the Overlord answers 404 to the task's
status; 4 known but not RUNNING (waiting, queued, pending, finished: then its log is in
task-log storage); 5 refused (the Overlord's credentials, the API server's proxy, pods/log
for the plugin or for the Overlord's service account); 7 the pod has no container "main".
Needs get and list on pods, get on pods/log and pods/proxy (or services/proxy), and create
on subjectaccessreviews (else "cannot check").

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/trace.md`,
		Example: `  kubectl druid-logs trace index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n druid
  kubectl druid-logs trace query-abc123 -n druid --overlord https://localhost:8281 --overlord-credentials-file ~/.druid-creds
  kubectl druid-logs trace query-abc123 -n druid --overlord-service druid-overlord:8090 --shared-informers -o json
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
			o.sharedInformers = o.rule.get(c.Flags())
			return o.Run(c.Context())
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.Summary, "summary", false, "Count the live-log requests of every task in the window, per Overlord pod and in total")
	fs.StringVar(&o.OverlordPod, "overlord-pod", "", "The Overlord's pod (also a Coordinator running as Overlord)")
	fs.StringVarP(&o.Selector, "selector", "l", "", "Label selector of the Overlord's pods")
	o.ovl.addFlags(fs)
	o.rule.addFlags(fs)
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
	sel := overlordlog.Selection{Namespace: ns, Pod: o.OverlordPod, LabelSelector: o.Selector, Service: o.ovl.Service}
	if o.Summary {
		return o.summary(ctx, sel)
	}
	found, ferr := overlordlog.Find(ctx, o.clients.Kube, sel)
	var sele *overlordlog.SelectorError
	if errors.As(ferr, &sele) {
		return exitcode.New(exitcode.Usage, sele.Error(), ferr)
	}
	res, pods, how, logErr := o.logEvidence(ctx, found, ferr)
	targets, none, err := o.ovl.targets(o.Globals, ns, pods, how, ferr)
	if err != nil {
		return err
	}
	if len(targets) > 0 {
		o.status("asking the Overlord: %s (%s)", targets[0].Where, targets[0].How)
	}
	a := probe.Collect(ctx, probe.Input{TaskID: o.TaskID, Namespace: ns, Container: druid.MainContainer, Targets: targets, NoneWhy: none,
		SharedInformers: o.sharedInformers, Kube: o.clients.Kube, Locator: o.clients.locator(&taskFlags{NamePrefix: o.NamePrefix}),
		Reviewer: reviewer(o.clients), OverlordPods: pods, PodsErr: firstErr(logErr, ferr), OverlordContainer: o.Container, Trace: res})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	d := probe.Evaluate(a)
	if o.Output != "" {
		if err := printStructured(o.Out, o.Output, traceDoc{Diagnosis: d, OverlordPods: podNames(pods), LogTrace: res}); err != nil {
			return classify(err)
		}
	} else {
		printDiagnosis(o.Out, d, res, len(pods) > 1, traceMarkers(o.Out, o.NoEmoji))
	}
	if d.ExitCode != exitcode.OK {
		s := d.Steps[d.FailedStep.Number()-1]
		return exitcode.New(d.ExitCode, fmt.Sprintf("trace: the Overlord does not serve the live log of %s: step %d (%s) %s: %s",
			o.TaskID, s.Step, s.ID, s.Status, msg.OneLine(s.Summary)), nil)
	}
	return nil
}

// summary counts the live-log requests of every task in the window.
func (o *TraceOptions) summary(ctx context.Context, sel overlordlog.Selection) error {
	ns := o.clients.Namespace
	found, err := overlordlog.Find(ctx, o.clients.Kube, sel)
	if err != nil {
		return o.failed(err, ns, "")
	}
	w, werr := o.window(ctx)
	if werr != nil {
		o.status("note: %s: %s", w.Why, msg.OneLine(classify(werr).Error()))
	}
	o.status("reading the log of %d Overlord pod(s) (%s) %s", len(found.Pods), found.How, w)
	sum, reads := overlordlog.Summarize(ctx, overlordlog.KubeOpener(o.clients.Kube), found.Pods, o.Container, w)
	if err := o.readErrors(reads, ns); err != nil {
		return err
	}
	if o.Output != "" {
		return classify(printStructured(o.Out, o.Output, sum))
	}
	return classify(printSummary(o.Out, sum, w))
}

// logEvidence reads the task's trace from the Overlord pods' log, when
// they were found; a log that cannot be read is evidence missing, not a
// failure of trace (the Overlord's API is asked all the same).
func (o *TraceOptions) logEvidence(ctx context.Context, found *overlordlog.Found, ferr error) (*trace.Result, []corev1.Pod, string, error) {
	if ferr != nil {
		o.status("note: the Overlord's pods: %s", msg.OneLine(msg.APIMessage(ferr)))
		return nil, nil, "", nil
	}
	w, werr := o.window(ctx)
	if werr != nil {
		o.status("note: %s: %s", w.Why, msg.OneLine(classify(werr).Error()))
	}
	o.status("reading the log of %d Overlord pod(s) (%s) %s", len(found.Pods), found.How, w)
	var jobs []string
	for _, c := range druid.JobNames(o.TaskID, o.NamePrefix) {
		jobs = append(jobs, c.Name)
	}
	res, reads := overlordlog.TraceTask(ctx, overlordlog.KubeOpener(o.clients.Kube), found.Pods, o.Container, w,
		trace.Context{TaskID: o.TaskID, Namespace: o.clients.Namespace, Job: orText(w.Job, jobs[0])}, trace.Options{TaskID: o.TaskID, Jobs: jobs})
	var readErr error
	var notes []string
	for _, r := range reads {
		if r.Err != nil {
			readErr = fmt.Errorf("reading the log of Overlord pod %s: %s", r.Pod, msg.OneLine(msg.APIMessage(r.Err)))
			notes = append(notes, readErr.Error())
		}
	}
	if len(notes) == len(reads) && readErr != nil {
		// No log evidence at all: the diagnosis says so (its Overlord
		// log line), so stderr stays short.
		return nil, found.Pods, found.How, readErr
	}
	for _, n := range notes {
		o.status("note: %s; the others are traced", n)
	}
	return res, found.Pods, found.How, nil
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
