package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/tasklist"
	"github.com/spf13/cobra"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// listPageSize bounds each LIST page of `list`.
const listPageSize = 500

// ListOptions are the flags of `list`.
type ListOptions struct {
	*Globals
	AllNamespaces bool
	// Output is "" (table), "wide", "json" or "yaml".
	Output    string
	Watch     bool
	NoHeaders bool
	clients   *Clients
	// pageSize, now and onWatching are seams for tests.
	pageSize   int64
	now        func() time.Time
	onWatching func()
}

// TaskList is what `list -o json|yaml` prints.
type TaskList struct {
	Items []tasklist.Row `json:"items"`
}

// NewCmdList builds `list`.
func NewCmdList(g *Globals) *cobra.Command {
	o := &ListOptions{Globals: g}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the Druid tasks that have a Job, with their Druid state",
		Long: `List the Druid peon Jobs (label druid.k8s.peons=true) of the namespace, or of every
namespace with -A, one row per task: its task ID (the task.id annotation), type, datasource
and group (the task.* annotations, else the druid.task.* labels of the custom-template
adapter, else derived from the task ID where its shape says so), the Druid lifecycle state
of its Job and newest pod (PENDING, RUNNING, STOPPED), age, pod and node.

Finished tasks whose Job the Overlord already deleted are not listed: ask the Overlord.
Jobs and pods are read with paginated LISTs (500 per page), never one request per task.
With --watch, rows are printed again as they change, as with kubectl get -w.`,
		Example: `  kubectl druid-logs list -n druid
  kubectl druid-logs list -A -o wide
  kubectl druid-logs list -o json | jq -r '.items[] | select(.state=="RUNNING") | .taskId'
  kubectl druid-logs list --watch`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if err := o.Complete(); err != nil {
				return err
			}
			return classify(o.Run(c.Context()))
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List tasks in every namespace")
	f.StringVarP(&o.Output, "output", "o", "", "Output format: wide, json or yaml (default: table)")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After listing, watch Jobs and pods and print rows again as they change")
	f.BoolVar(&o.NoHeaders, "no-headers", false, "Do not print the table header")
	return cmd
}

// Validate checks the flags.
func (o *ListOptions) Validate() error {
	return checkOutputFormat(o.Output, "wide", "json", "yaml")
}

// Complete builds the clients.
func (o *ListOptions) Complete() error {
	cl, err := o.Globals.newClients()
	if err != nil {
		return err
	}
	o.clients = cl
	return nil
}

func (o *ListOptions) namespace() string {
	if o.AllNamespaces {
		return metav1.NamespaceAll
	}
	return o.clients.Namespace
}

func (o *ListOptions) timeNow() time.Time {
	if o.now != nil {
		return o.now()
	}
	return time.Now()
}

func (o *ListOptions) debugf(format string, args ...any) {
	if o.clients.Debugf != nil {
		o.clients.Debugf(format, args...)
	}
}

// Run lists, prints, and with --watch keeps printing changes until ctx ends.
func (o *ListOptions) Run(ctx context.Context) error {
	snap, err := o.snapshot(ctx)
	if err != nil {
		return err
	}
	if !o.Watch {
		return o.printAll(tasklist.Build(snap.jobs, snap.pods, druid.MainContainer, o.timeNow()))
	}
	tr, rows := tasklist.NewTracker(druid.MainContainer, snap.jobs, snap.pods, o.timeNow())
	if err := o.printAll(rows); err != nil {
		return err
	}
	return o.watch(ctx, snap, tr)
}

// watch follows peon Jobs and pods from the listing's resource versions
// and prints each row that changes. A closed watch is reopened from the
// last version seen; an expired one (410) is replaced by a fresh listing,
// whose differences are printed, Jobs gone meanwhile as DELETED.
func (o *ListOptions) watch(ctx context.Context, snap *snapshot, tr *tasklist.Tracker) error {
	ns := o.namespace()
	rv := &watchVersions{jobs: snap.jobsRV, pods: snap.podsRV}
	for ctx.Err() == nil {
		opened := time.Now()
		expired, err := o.watchOnce(ctx, ns, rv, tr)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case expired:
			o.debugf("list: watch expired; listing again")
			fresh, err := o.snapshot(ctx)
			if err != nil {
				return err
			}
			rv.jobs, rv.pods = fresh.jobsRV, fresh.podsRV
			if err := o.printChanged(tr.Reset(fresh.jobs, fresh.pods, o.timeNow())); err != nil {
				return err
			}
		case time.Since(opened) < time.Second:
			// A server that closes watches at once must not be hammered.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// watchVersions are the last resource versions seen per resource.
type watchVersions struct{ jobs, pods string }

// watchOnce runs one pair of watches until one of them ends. It reports
// expired when the server says the resource version is too old.
func (o *ListOptions) watchOnce(ctx context.Context, ns string, rv *watchVersions, tr *tasklist.Tracker) (expired bool, err error) {
	opts := func(v string) metav1.ListOptions {
		return metav1.ListOptions{LabelSelector: druid.PeonSelector, ResourceVersion: v, AllowWatchBookmarks: true}
	}
	o.debugf("list: WATCH jobs and pods -l %s in %s from %q/%q", druid.PeonSelector, nsName(ns), rv.jobs, rv.pods)
	jw, err := o.clients.Kube.Jobs(ns).Watch(ctx, opts(rv.jobs))
	if err != nil {
		return false, err
	}
	defer jw.Stop()
	pw, err := o.clients.Kube.Pods(ns).Watch(ctx, opts(rv.pods))
	if err != nil {
		return false, err
	}
	defer pw.Stop()
	if o.onWatching != nil {
		o.onWatching()
	}
	for {
		var ev watch.Event
		var ok bool
		select {
		case <-ctx.Done():
			return false, nil
		case ev, ok = <-jw.ResultChan():
		case ev, ok = <-pw.ResultChan():
		}
		if !ok {
			return false, nil
		}
		if ev.Type == watch.Error {
			err := apierrors.FromObject(ev.Object)
			return apierrors.IsResourceExpired(err) || apierrors.IsGone(err), errIfNotExpired(err)
		}
		var rows []tasklist.Row
		deleted := ev.Type == watch.Deleted
		switch obj := ev.Object.(type) {
		case *batchv1.Job:
			rv.jobs = obj.ResourceVersion
			if ev.Type != watch.Bookmark && obj.Labels[druid.PeonLabel] == "true" {
				rows = tr.Job(obj, deleted, o.timeNow())
			}
		case *corev1.Pod:
			rv.pods = obj.ResourceVersion
			if ev.Type != watch.Bookmark && obj.Labels[druid.PeonLabel] == "true" {
				rows = tr.Pod(obj, deleted, o.timeNow())
			}
		}
		if err := o.printChanged(rows); err != nil {
			return false, err
		}
	}
}

func errIfNotExpired(err error) error {
	if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
		return nil
	}
	return err
}

func (o *ListOptions) printChanged(rows []tasklist.Row) error {
	for _, r := range rows {
		if err := o.printRow(r); err != nil {
			return err
		}
	}
	return nil
}

// snapshot is one consistent listing of peon Jobs and pods.
type snapshot struct {
	jobs           []batchv1.Job
	pods           []corev1.Pod
	jobsRV, podsRV string
}

// snapshot pages through the peon Jobs, then the peon pods: a constant
// number of requests per page, whatever the number of tasks.
func (o *ListOptions) snapshot(ctx context.Context) (*snapshot, error) {
	ns, size := o.namespace(), o.pageSize
	if size == 0 {
		size = listPageSize
	}
	s := &snapshot{}
	opts := metav1.ListOptions{LabelSelector: druid.PeonSelector, Limit: size}
	for page := 1; ; page++ {
		o.debugf("list: LIST jobs -l %s in %s (page %d, limit %d)", druid.PeonSelector, nsName(ns), page, size)
		l, err := o.clients.Kube.Jobs(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		s.jobs, s.jobsRV = append(s.jobs, l.Items...), l.ResourceVersion
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	opts.Continue = ""
	for page := 1; ; page++ {
		o.debugf("list: LIST pods -l %s in %s (page %d, limit %d)", druid.PeonSelector, nsName(ns), page, size)
		l, err := o.clients.Kube.Pods(ns).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		s.pods, s.podsRV = append(s.pods, l.Items...), l.ResourceVersion
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	return s, nil
}

func (o *ListOptions) tableOptions(noHeaders bool) tasklist.TableOptions {
	return tasklist.TableOptions{Wide: o.Output == "wide", WithNamespace: o.AllNamespaces, NoHeaders: noHeaders || o.NoHeaders}
}

func (o *ListOptions) printAll(rows []tasklist.Row) error {
	switch o.Output {
	case "json", "yaml":
		if o.Watch {
			// Watch output is a stream of objects, one per change.
			return o.printChanged(rows)
		}
		if rows == nil {
			rows = []tasklist.Row{}
		}
		return printStructured(o.Out, o.Output, TaskList{Items: rows})
	}
	if len(rows) == 0 && !o.Watch {
		where := "namespace " + o.clients.Namespace
		if o.AllNamespaces {
			where = "any namespace"
		}
		fmt.Fprintf(o.ErrOut, "No Druid peon Jobs (label %s) found in %s.\n", druid.PeonSelector, where)
		return nil
	}
	return tasklist.WriteTable(o.Out, rows, o.tableOptions(false), o.timeNow())
}

// printRow prints one changed row during --watch.
func (o *ListOptions) printRow(r tasklist.Row) error {
	switch o.Output {
	case "json":
		return printStructured(o.Out, "json", r)
	case "yaml":
		fmt.Fprintln(o.Out, "---")
		return printStructured(o.Out, "yaml", r)
	}
	return tasklist.WriteTable(o.Out, []tasklist.Row{r}, o.tableOptions(true), o.timeNow())
}

func nsName(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}
