package cmd

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/fanout"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/taskfollow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// defaultMaxLogRequests is kubectl logs' default for a selector.
const defaultMaxLogRequests = 5

// selectionFlags select many tasks to follow instead of one task ID.
type selectionFlags struct {
	DataSource, Type, Selector, OverlordNamespace string
	MaxLogRequests                                int
	UntilDone                                     bool
}

func (s *selectionFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.DataSource, "datasource", "", "Follow every running task of this datasource (no TASK_ID); tasks that start later join")
	fs.StringVar(&s.Type, "type", "", "Follow every running task of this type, e.g. index_kafka (no TASK_ID); combinable with --datasource")
	fs.StringVarP(&s.Selector, "selector", "l", "", "Follow the running tasks whose peon Jobs match this label selector (no TASK_ID)")
	fs.StringVar(&s.OverlordNamespace, "overlord-namespace", "", "Only tasks of the Druid cluster whose druid.indexer.runner.overlordNamespace is this (label druid.overlord.namespace, Druid 33+)")
	fs.IntVar(&s.MaxLogRequests, "max-log-requests", defaultMaxLogRequests, "With a selection, the most logs followed at once; a larger selection is refused (as kubectl logs)")
	fs.BoolVar(&s.UntilDone, "until-done", false, "With a selection, stop when every task seen has ended (worst exit code wins); else follow until Ctrl-C")
}

// active reports whether tasks are selected instead of named.
func (s *selectionFlags) active() bool {
	return s.DataSource != "" || s.Type != "" || s.Selector != "" || s.OverlordNamespace != ""
}

func (s *selectionFlags) validate() error {
	usage := func(text string) error { return exitcode.New(exitcode.Usage, text, nil) }
	if s.MaxLogRequests < 1 {
		return usage("--max-log-requests must be at least 1")
	}
	if s.Selector != "" {
		if _, err := labels.Parse(s.Selector); err != nil {
			return usage(fmt.Sprintf("invalid -l %q: %s", s.Selector, msg.OneLine(err.Error())))
		}
	}
	if !s.active() && s.UntilDone {
		return usage("--until-done goes with a selection (--datasource, --type or -l)")
	}
	return nil
}

// labelSelector is -l with the Overlord namespace label, if asked.
func (s *selectionFlags) labelSelector() string {
	sel := s.Selector
	if s.OverlordNamespace != "" {
		if sel != "" {
			sel += ","
		}
		sel += druid.OverlordNamespaceKey + "=" + s.OverlordNamespace
	}
	return sel
}

// follow follows the selected tasks of the namespace (or all of them).
func (s *selectionFlags) follow(ctx context.Context, cfg taskfollow.Config, paint taskfollow.Label) (*taskfollow.GroupResult, error) {
	ns := cfg.Locator.Namespace
	if cfg.Locator.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	sel := taskfollow.TaskSelector{DataSource: s.DataSource, Type: s.Type}
	res, err := taskfollow.FollowSelected(ctx, cfg, sel, ns, taskfollow.SelectOptions{LabelSelector: s.labelSelector(),
		MaxStreams: s.MaxLogRequests, UntilDone: s.UntilDone, SkipFinished: true}, paint)
	if err == nil && len(res.Members) == 0 {
		return nil, exitcode.New(exitcode.NotFound, fmt.Sprintf("no running task matches: %s in %s (add --wait to wait for one)",
			sel, nsWords(ns)), nil)
	}
	return res, err
}

func nsWords(ns string) string {
	if ns == "" {
		return "any namespace"
	}
	return "namespace " + ns
}

// noTaskWithSelection refuses a TASK_ID beside a selection.
func noTaskWithSelection(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s takes no TASK_ID with --datasource, --type or -l (got %q)",
			c.CommandPath(), args[0]), nil)
	}
	return nil
}

// filterFlags are stern's line filters.
type filterFlags struct {
	Include, Exclude, Highlight []string
}

func (f *filterFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&f.Include, "include", "i", nil, "Print only lines matching this regular expression (repeatable: any of them)")
	fs.StringArrayVarP(&f.Exclude, "exclude", "e", nil, "Do not print lines matching this regular expression (repeatable)")
	fs.StringArrayVarP(&f.Highlight, "highlight", "H", nil, "Colour the parts of lines matching this regular expression (repeatable)")
}

// compile builds the line filter, or nil when there is none.
func (f *filterFlags) compile(out io.Writer, color string) (*follow.LineFilter, error) {
	mode, err := termstyle.ParseColorMode(color)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, err.Error(), nil)
	}
	lf := &follow.LineFilter{}
	for _, set := range []struct {
		flag string
		in   []string
		out  *[]*regexp.Regexp
	}{{"--include", f.Include, &lf.Include}, {"--exclude", f.Exclude, &lf.Exclude}, {"--highlight", f.Highlight, &lf.Highlight}} {
		for _, s := range set.in {
			re, err := regexp.Compile(s)
			if err != nil {
				return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("%s %q is not a regular expression: %s", set.flag, s, msg.OneLine(err.Error())), err)
			}
			*set.out = append(*set.out, re)
		}
	}
	if len(lf.Include)+len(lf.Exclude)+len(lf.Highlight) == 0 {
		return nil, nil
	}
	if termstyle.UseColor(out, mode) {
		lf.Color = "31;1"
	}
	return lf, nil
}

// followAcross follows the selection in every context at once, each task
// labelled "context/task"; a context that cannot be followed is said on
// stderr and skipped.
func (o *FollowOptions) followAcross(ctx context.Context, paint taskfollow.Label) (*taskfollow.GroupResult, error) {
	out := taskfollow.SharedWriter(o.Out) // one writer: whole lines across contexts too
	rs := fanout.Each(ctx, o.multi, func(ctx context.Context, name string) (*taskfollow.GroupResult, error) {
		cl, err := o.clientsFor(name)
		if err != nil {
			return nil, err
		}
		cfg := o.cfg
		cfg.Locator, cfg.Kube, cfg.Debugf, cfg.Out = cl.locator(&o.task), cl.Kube, cl.Debugf, out
		ns := cl.Namespace
		if o.task.AllNamespaces {
			ns = metav1.NamespaceAll
		}
		return taskfollow.FollowSelected(ctx, cfg, taskfollow.TaskSelector{DataSource: o.sel.DataSource, Type: o.sel.Type}, ns,
			taskfollow.SelectOptions{LabelSelector: o.sel.labelSelector(), MaxStreams: o.sel.MaxLogRequests,
				UntilDone: o.sel.UntilDone, SkipFinished: true, LabelPrefix: name + "/"}, paint)
	})
	merged := &taskfollow.GroupResult{Selection: taskfollow.TaskSelector{DataSource: o.sel.DataSource, Type: o.sel.Type}.String()}
	for _, r := range rs {
		if r.Err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			o.note("context %s skipped: %s", r.Target, msg.OneLine(classify(r.Err).Error()))
			continue
		}
		merged.Members = append(merged.Members, r.Value.Members...)
	}
	if len(fanout.Succeeded(rs)) == 0 {
		return nil, fmt.Errorf("no context could be followed: %w", rs[0].Err)
	}
	if len(merged.Members) == 0 {
		return nil, exitcode.New(exitcode.NotFound, "no running task matches: "+merged.Selection+" in contexts "+strings.Join(o.multi, ", "), nil)
	}
	return merged, nil
}
