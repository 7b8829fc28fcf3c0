package cmd

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// JobNameOptions are the flags of `job-name`.
type JobNameOptions struct {
	*Globals
	NamePrefix string
	Output     string
	TaskID     string
}

// jobNameEntry is one candidate in -o json|yaml.
type jobNameEntry struct {
	Name string `json:"name"`
	Rule string `json:"rule"`
	// Invalid says why Kubernetes rejects the name.
	Invalid string `json:"invalid,omitempty"`
}

// NewCmdJobName builds `job-name TASK_ID`: Druid's naming rules, offline.
func NewCmdJobName(g *Globals) *cobra.Command {
	o := &JobNameOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "job-name TASK_ID",
		Short: "Print the Kubernetes Job names Druid gives a task (no cluster needed)",
		Long: `Print the Job names a task ID gets under each Druid release's naming rule, in the order
follow tries them: Druid 33+ with --name-prefix, Druid 28+ (30 characters + MurmurHash3),
Druid 25-27 (63 stripped characters). No cluster is contacted.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/list.md`,
		Example: `  kubectl druid-logs job-name query-abc123
  kubectl get job -n druid "$(kubectl druid-logs job-name query-abc123 | head -1)"
  kubectl druid-logs job-name query-abc123 --name-prefix druid-prod -o wide`,
		Args: exactTaskID,
		RunE: func(_ *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVar(&o.NamePrefix, "name-prefix", "", "Druid 33+ druid.indexer.runner.k8sTaskPodNamePrefix")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: name (default), wide, json or yaml")
	return cmd
}

// Complete takes the task ID.
func (o *JobNameOptions) Complete(args []string) error {
	o.TaskID = args[0]
	return nil
}

// Validate checks the task ID and the output format.
func (o *JobNameOptions) Validate() error {
	if err := druid.ValidateTaskID(o.TaskID); err != nil {
		return err
	}
	return checkOutputFormat(o.Output, "json", "yaml", "wide", "name")
}

// Run prints the candidates. Names Kubernetes would reject are printed
// too (Druid computes them), with a note on stderr. When every one is
// rejected the task can never run: the names go into the error, on stderr,
// and stdout stays empty.
func (o *JobNameOptions) Run() error {
	cands := druid.AllJobNames(o.TaskID, o.NamePrefix)
	var invalid []druid.Candidate
	for _, c := range cands {
		if c.Invalid != "" {
			invalid = append(invalid, c)
		}
	}
	if len(invalid) == len(cands) {
		var names []string
		for _, c := range cands {
			names = append(names, fmt.Sprintf("%s (%s)", showName(c.Name), c.Rule))
		}
		return exitcode.New(exitcode.Usage, fmt.Sprintf("Kubernetes rejects every Job name Druid computes for task ID %q, %s: %s; "+
			"Druid cannot create its Job, so this task can never run on the Kubernetes task runner",
			o.TaskID, strings.Join(names, ", "), invalid[0].Invalid), nil)
	}
	for _, c := range invalid {
		o.note("%s (%s) is not a valid Kubernetes name: %s", showName(c.Name), c.Rule, c.Invalid)
	}
	switch o.Output {
	case "json", "yaml":
		entries := []jobNameEntry{}
		for _, c := range cands {
			entries = append(entries, jobNameEntry{Name: c.Name, Rule: string(c.Rule), Invalid: c.Invalid})
		}
		return printStructured(o.Out, o.Output, entries)
	case "wide":
		w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "JOB NAME\tRULE\tVALID")
		for _, c := range cands {
			valid := "yes"
			if c.Invalid != "" {
				valid = "no: Kubernetes rejects it"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", showName(c.Name), c.Rule, valid)
		}
		return w.Flush()
	}
	for _, c := range cands {
		fmt.Fprintln(o.Out, showName(c.Name))
	}
	return nil
}

func showName(name string) string {
	if name == "" {
		return `""`
	}
	return name
}
