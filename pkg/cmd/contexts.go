package cmd

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/fanout"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// contextFlags select several kubeconfig contexts at once: Druid's multik8s
// runner spreads tasks over several Kubernetes clusters.
type contextFlags struct {
	All bool
}

func (c *contextFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&c.All, "all-contexts", false, "Search every context of the kubeconfig at once (Druid's multik8s runner); --context a,b,c names some")
}

// contexts returns the contexts to search when several are asked for
// (--context a,b or --all-contexts), in order; nil means the usual one.
func (g *Globals) contexts() ([]string, error) {
	named := g.ConfigFlags.Overrides.CurrentContext
	if !g.Contexts.All && !strings.Contains(named, ",") {
		return nil, nil
	}
	raw, err := g.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	if g.Contexts.All {
		if named != "" {
			return nil, exitcode.New(exitcode.Usage, "--all-contexts and --context cannot be used together", nil)
		}
		var all []string
		for name := range raw.Contexts {
			all = append(all, name)
		}
		sort.Strings(all)
		if len(all) == 0 {
			return nil, exitcode.New(exitcode.Usage, "--all-contexts: the kubeconfig has no context", nil)
		}
		return all, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range strings.Split(named, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "" || seen[name]:
			continue
		case raw.Contexts[name] == nil:
			return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("kubeconfig: context %q not found (contexts: %s)", name, contextNames(raw.Contexts)), nil)
		}
		seen[name] = true
		out = append(out, name)
	}
	return out, nil
}

func contextNames[V any](m map[string]V) string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// found is one context's answer to "is the task here?".
type found struct {
	clients *Clients
	taskID  string
	job     bool
}

// locateAcross finds the context whose cluster has the task: every context
// is asked at once; a context that is down is said on stderr and skipped.
// With an Overlord, the task's context.tags.k8s_cluster (Druid's multik8s
// runner records the cluster there) names the context without a search.
func (g *Globals) locateAcross(ctx context.Context, names []string, arg taskArg, task *taskFlags, ovl *overlord.Client) (*Clients, string, error) {
	if ovl != nil {
		if id, ok := arg.immediate(); ok {
			if name := clusterOf(ctx, ovl, id, names); name != "" {
				cl, err := g.clientsFor(name)
				if err == nil {
					g.note("task %s runs in cluster %s per the Overlord (context.tags.k8s_cluster)", id, name)
				}
				return cl, id, err
			}
		}
	}
	rs := fanout.Each(ctx, names, func(ctx context.Context, name string) (found, error) {
		cl, err := g.clientsFor(name)
		if err != nil {
			return found{}, err
		}
		loc := cl.locator(task)
		id, err := arg.taskID(ctx, loc, func(string, ...any) {})
		if err != nil {
			var nf *locate.ObjectNotFoundError
			if errors.As(err, &nf) {
				return found{clients: cl}, nil
			}
			return found{}, err
		}
		_, err = loc.FindJob(ctx, id)
		var nf *locate.NotFoundError
		switch {
		case errors.As(err, &nf):
			return found{clients: cl, taskID: id}, nil
		case err != nil:
			return found{}, err
		}
		return found{clients: cl, taskID: id, job: true}, nil
	})
	var hits []fanout.Result[found]
	for _, r := range rs {
		switch {
		case r.Err != nil:
			g.note("context %s skipped: %s", r.Target, msg.OneLine(classify(r.Err).Error()))
		case r.Value.job:
			hits = append(hits, r)
		}
	}
	switch {
	case len(hits) == 1:
		g.note("task %s found in context %s", hits[0].Value.taskID, hits[0].Target)
		return hits[0].Value.clients, hits[0].Value.taskID, nil
	case len(hits) > 1:
		var in []string
		for _, h := range hits {
			in = append(in, h.Target)
		}
		return nil, "", exitcode.New(exitcode.Usage, fmt.Sprintf("the task has a Job in %d contexts (%s): choose one with --context",
			len(hits), strings.Join(in, ", ")), nil)
	case len(fanout.Succeeded(rs)) == 0:
		return nil, "", fmt.Errorf("no context could be asked: %w", rs[0].Err)
	}
	var asked []string
	for _, r := range fanout.Succeeded(rs) {
		asked = append(asked, r.Target)
	}
	return nil, "", exitcode.New(exitcode.NotFound, fmt.Sprintf("task %s not found in any context (asked: %s)",
		arg.ref.Value, strings.Join(asked, ", ")), nil)
}

// clusterOf reads the cluster Druid's multik8s runner chose for a task
// (context.tags.k8s_cluster of its payload) and returns it when it is one
// of the contexts; "" otherwise.
func clusterOf(ctx context.Context, ovl *overlord.Client, id string, names []string) string {
	payload, err := ovl.TaskPayload(ctx, id)
	if err != nil {
		return ""
	}
	tag := overlord.ClusterTag(payload)
	for _, n := range names {
		if n == tag {
			return n
		}
	}
	return ""
}
