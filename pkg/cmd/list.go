package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/tasklist"
)

// ListOptions are the flags of `list`.
type ListOptions struct {
	*Globals
	AllNamespaces bool
	// Output is "" (table), "wide", "json" or "yaml".
	Output    string
	Watch     bool
	NoHeaders bool
	// OverlordNamespace selects one Druid cluster's tasks in a shared namespace.
	OverlordNamespace string
	clients           *Clients
	multi             []string // several contexts: a CONTEXT column
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
With --watch, rows are printed again as they change, as with kubectl get -w.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/list.md`,
		Example: `  kubectl druid-logs list -n druid
  kubectl druid-logs list -A -o wide
  kubectl druid-logs list -o json | jq -r '.items[] | select(.state=="RUNNING") | .taskId'
  kubectl druid-logs list --watch`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List tasks in every namespace")
	f.StringVarP(&o.Output, "output", "o", "", "Output format: wide, json, yaml or name (task IDs only, one per line, for xargs) (default: table)")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After listing, watch Jobs and pods and print rows again as they change")
	f.BoolVar(&o.NoHeaders, "no-headers", false, "Do not print the table header")
	f.StringVar(&o.OverlordNamespace, "overlord-namespace", "", "Only the tasks of the Druid cluster whose druid.indexer.runner.overlordNamespace is this (label druid.overlord.namespace, Druid 33+)")
	return cmd
}

// Validate checks the flags.
func (o *ListOptions) Validate() error {
	return checkOutputFormat(o.Output, "wide", "json", "yaml", "name")
}

// Complete builds the clients (the output format is checked first: a
// usage error wins over a kubeconfig one).
func (o *ListOptions) Complete() error {
	if err := o.Validate(); err != nil {
		return err
	}
	names, err := o.contexts()
	if err != nil {
		return err
	}
	if names != nil {
		o.multi = names // each context's clients are built in Run
		return nil
	}
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

// Run lists, prints, and with --watch keeps printing changes until ctx ends.
func (o *ListOptions) Run(ctx context.Context) error {
	if o.multi != nil {
		return o.runAcross(ctx)
	}
	src := &tasklist.Lister{Client: o.clients.Kube, Namespace: o.namespace(), PageSize: o.pageSize, Selector: o.selector(), Debugf: o.clients.Debugf}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return err
	}
	if !o.Watch {
		return o.printAll(tasklist.Build(snap.Jobs, snap.Pods, druid.MainContainer, o.timeNow()))
	}
	ch, rows := tasklist.NewChanges(druid.MainContainer, snap.Jobs, snap.Pods, o.timeNow())
	if err := o.printAll(rows); err != nil {
		return err
	}
	err = src.Watch(ctx, snap, ch, o.timeNow, o.printChanged, o.onWatching)
	if ctx.Err() != nil {
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

func (o *ListOptions) tableOptions(noHeaders bool) tasklist.TableOptions {
	return tasklist.TableOptions{Wide: o.Output == "wide", WithNamespace: o.AllNamespaces, WithContext: o.multi != nil,
		NoHeaders: noHeaders || o.NoHeaders}
}

func (o *ListOptions) printAll(rows []tasklist.Row) error {
	switch o.Output {
	case "name":
		return o.printChanged(rows)
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
		where := "any namespace"
		switch {
		case o.multi != nil:
			where = "contexts " + strings.Join(o.multi, ", ")
		case !o.AllNamespaces:
			where = "namespace " + o.clients.Namespace
		}
		fmt.Fprintf(o.ErrOut, "No Druid peon Jobs (label %s) found in %s.\n", druid.PeonSelector, where)
		return nil
	}
	return tasklist.WriteTable(o.Out, rows, o.tableOptions(false), o.timeNow())
}

// printRow prints one changed row during --watch.
func (o *ListOptions) printRow(r tasklist.Row) error {
	switch o.Output {
	case "name":
		_, err := fmt.Fprintln(o.Out, r.TaskID)
		return err
	case "json":
		return printStructured(o.Out, "json", r)
	case "yaml":
		fmt.Fprintln(o.Out, "---")
		return printStructured(o.Out, "yaml", r)
	}
	return tasklist.WriteTable(o.Out, []tasklist.Row{r}, o.tableOptions(true), o.timeNow())
}

// selector is --overlord-namespace as a label selector.
func (o *ListOptions) selector() string {
	if o.OverlordNamespace == "" {
		return ""
	}
	return druid.OverlordNamespaceKey + "=" + o.OverlordNamespace
}
