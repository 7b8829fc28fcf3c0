package cmd

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// exactTaskID requires exactly one TASK_ID argument.
func exactTaskID(c *cobra.Command, args []string) error {
	if len(args) != 1 {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s needs exactly one TASK_ID argument, got %d (see '%s --help')",
			c.CommandPath(), len(args), c.CommandPath()), nil)
	}
	return nil
}

// completeTaskIDs completes task IDs from the task.id annotations of the
// peon Jobs in the namespace: one LIST, bounded in size and time.
func completeTaskIDs(g *Globals) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		cl, err := g.newClients()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		list, err := cl.Kube.Jobs(cl.Namespace).List(ctx, metav1.ListOptions{LabelSelector: druid.PeonSelector, Limit: 500})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var ids []string
		for i := range list.Items {
			if id := druid.TaskIDOf(&list.Items[i]); id != "" {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
}

// taskClients reads a TASK argument and an -o json|yaml value, then builds
// the clients: the common start of the commands about one task. No
// request is made.
func (g *Globals) taskClients(arg, output string) (taskArg, *Clients, error) {
	a, err := parseTaskArg(arg)
	if err != nil {
		return a, nil, err
	}
	if err := checkOutputFormat(output, "json", "yaml"); err != nil {
		return a, nil, err
	}
	cl, err := g.newClients()
	return a, cl, err
}

// taskClientsAcross is taskClients for the commands that search several
// contexts: with --context a,b or --all-contexts it returns the contexts
// and no clients (pickContext finds the task's cluster in Run).
func (g *Globals) taskClientsAcross(arg, output string) (taskArg, *Clients, []string, error) {
	names, err := g.contexts()
	if err != nil || names == nil {
		a, cl, err := g.taskClients(arg, output)
		return a, cl, nil, err
	}
	a, err := parseTaskArg(arg)
	if err != nil {
		return a, nil, nil, err
	}
	return a, nil, names, checkOutputFormat(output, "json", "yaml")
}

// pickContext finds, across the contexts, the cluster that has the task
// and returns its clients and the task's ID as the argument. An Overlord
// (--overlord URL) may name the cluster directly.
func (g *Globals) pickContext(ctx context.Context, names []string, arg taskArg, task *taskFlags, ovl *overlordFlags) (taskArg, *Clients, error) {
	if ovl.Service != "" {
		return arg, nil, exitcode.New(exitcode.Usage, "--overlord-service goes through one cluster's API server: with several contexts use --overlord URL", nil)
	}
	var o *overlord.Client
	if ovl.URL != "" {
		c, err := ovl.client(g, "")
		if err != nil {
			return arg, nil, err
		}
		o = c
	}
	cl, id, err := g.locateAcross(ctx, names, arg, task, o)
	if err != nil {
		return arg, nil, err
	}
	return taskArg{ref: druid.TaskRef{Kind: druid.RefTaskID, Value: id}}, cl, nil
}

// note prints a status line on stderr unless --quiet.
func (g *Globals) note(format string, args ...any) {
	if !g.Quiet {
		fmt.Fprintf(g.ErrOut, "note: "+format+"\n", args...)
	}
}
