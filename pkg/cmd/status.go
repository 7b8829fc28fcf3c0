package cmd

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
)

// StatusOptions are the flags of `status`.
type StatusOptions struct {
	*Globals
	task     taskFlags
	Output   string
	TaskID   string
	arg      taskArg
	clients  *Clients
	contexts []string // several contexts: the task's is found in Run
}

// StatusReport is the resolution of a task, as printed by `status -o json`.
type StatusReport struct {
	TaskID     string   `json:"taskId"`
	Context    string   `json:"context,omitempty"`
	Namespace  string   `json:"namespace"`
	Job        string   `json:"job,omitempty"`
	JobRule    string   `json:"jobRule,omitempty"`
	Pod        string   `json:"pod,omitempty"`
	PodCount   int      `json:"podCount"`
	Node       string   `json:"node,omitempty"`
	PodIP      string   `json:"podIP,omitempty"`
	State      string   `json:"state"`
	Reason     string   `json:"reason"`
	Containers []string `json:"containers,omitempty"`
}

// NewCmdStatus builds `status TASK_ID`.
func NewCmdStatus(g *Globals) *cobra.Command {
	o := &StatusOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "status TASK_ID",
		Short: "Show a task's Job, Pod and Druid state without streaming",
		Long: `Resolve the Druid task ID to its Job and Pod and show the namespace, Job, pod, node,
Druid lifecycle state (NOT_STARTED, PENDING, RUNNING, STOPPED) with its reason, and the
pod's containers. Exit code 3 when no Job belongs to the task.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/list.md`,
		Example: `  kubectl druid-logs status query-abc123
  kubectl druid-logs status query-abc123 -A -o json`,
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
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml (default: text)")
	return cmd
}

// Complete reads the task argument and builds the clients.
func (o *StatusOptions) Complete(args []string) error {
	a, cl, names, err := o.taskClientsAcross(args[0], o.Output)
	if err != nil {
		return err
	}
	o.arg, o.clients, o.contexts = a, cl, names
	return nil
}

// Validate checks the flags.
func (o *StatusOptions) Validate() error {
	if o.task.Container == "" {
		return exitcode.New(exitcode.Usage, "--container must not be empty", nil)
	}
	return nil
}

// Run resolves and prints.
func (o *StatusOptions) Run(ctx context.Context) error {
	if o.contexts != nil {
		a, cl, err := o.pickContext(ctx, o.contexts, o.arg, &o.task, &overlordFlags{})
		if err != nil {
			return err
		}
		o.arg, o.clients = a, cl
	}
	loc := o.clients.locator(&o.task)
	id, err := o.arg.taskID(ctx, loc, o.note)
	if err != nil {
		return err
	}
	r, err := loc.Resolve(ctx, id, o.task.Container)
	if err != nil {
		return err
	}
	noteFrom(r, o.note)
	rep := reportOf(r)
	rep.Context = o.clients.Context
	if o.Output != "" {
		if err := printStructured(o.Out, o.Output, rep); err != nil {
			return err
		}
	} else if r.NotFound == nil {
		if err := printStatusText(o, rep); err != nil {
			return err
		}
	}
	if r.NotFound != nil {
		return r.NotFound
	}
	return nil
}

func reportOf(r *locate.Resolution) StatusReport {
	rep := StatusReport{TaskID: r.TaskID, Namespace: r.Namespace, PodCount: r.PodCount,
		State: string(r.State.Phase), Reason: r.State.Reason}
	if r.Job != nil {
		rep.Job, rep.JobRule = r.Job.Name, string(r.Rule)
	}
	if r.Pod != nil {
		rep.Pod, rep.Node, rep.PodIP = r.Pod.Name, r.Pod.Spec.NodeName, r.Pod.Status.PodIP
		rep.Containers = druid.ContainerNames(r.Pod)
	}
	return rep
}

func printStatusText(o *StatusOptions, rep StatusReport) error {
	w := tabwriter.NewWriter(o.Out, 0, 4, 1, ' ', 0)
	row := func(k, v string) {
		if v == "" {
			v = "<none>"
		}
		fmt.Fprintf(w, "%s:\t%s\n", k, v)
	}
	row("Task", rep.TaskID)
	if rep.Context != "" {
		row("Context", rep.Context)
	}
	row("Namespace", rep.Namespace)
	row("Job", fmt.Sprintf("%s (found by %s)", rep.Job, rep.JobRule))
	pod := rep.Pod
	if rep.PodCount > 1 {
		pod += fmt.Sprintf(" (newest of %d)", rep.PodCount)
	}
	row("Pod", pod)
	row("Node", rep.Node)
	row("Pod IP", rep.PodIP)
	row("State", rep.State)
	row("Reason", rep.Reason)
	row("Containers", strings.Join(rep.Containers, ", "))
	return w.Flush()
}
