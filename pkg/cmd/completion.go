package cmd

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// completionTimeout bounds the API requests of one completion: a shell
// waits for it.
const completionTimeout = 3 * time.Second

// outputValues are the -o values of each command.
var outputValues = map[string][]string{
	"follow":   {"raw", "json"},
	"check":    {"json", "yaml"},
	"status":   {"json", "yaml"},
	"trace":    {"json", "yaml"},
	"list":     {"wide", "json", "yaml", "name"},
	"job-name": {"name", "wide", "json", "yaml"},
	"version":  {"json", "yaml"},
}

// registerCompletions completes what kubectl users expect to complete:
// namespaces for -n, every -o value, the task's containers for -c, the
// namespace's Services for --overlord-service, and --color. A completion
// asks the API at most once, bounded in time; an error completes nothing.
func registerCompletions(root *cobra.Command, g *Globals) {
	_ = root.RegisterFlagCompletionFunc("namespace", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeFromAPI(g, func(ctx context.Context, cl *Clients) ([]string, error) {
			l, err := cl.Kube.Namespaces().List(ctx, metav1.ListOptions{Limit: 500})
			if err != nil {
				return nil, err
			}
			var out []string
			for _, n := range l.Items {
				out = append(out, n.Name)
			}
			return out, nil
		})
	})
	for _, c := range root.Commands() {
		if vals, ok := outputValues[c.Name()]; ok && c.Flags().Lookup("output") != nil {
			_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
		}
		if c.Flags().Lookup("color") != nil {
			_ = c.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(termstyle.Modes, cobra.ShellCompDirectiveNoFileComp))
		}
		if c.Flags().Lookup("container") != nil {
			_ = c.RegisterFlagCompletionFunc("container", completeContainers(g, c))
		}
		if c.Flags().Lookup("overlord-service") != nil {
			_ = c.RegisterFlagCompletionFunc("overlord-service", completeServices(g))
		}
	}
}

// completeFromAPI runs list with fresh clients and a deadline.
func completeFromAPI(g *Globals, list func(context.Context, *Clients) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	cl, err := g.newClients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	out, err := list(ctx, cl)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeContainers completes -c from the containers of the task's pod
// (the TASK argument already typed).
func completeContainers(g *Globals, cmd *cobra.Command) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return []string{druid.MainContainer}, cobra.ShellCompDirectiveNoFileComp
		}
		return completeFromAPI(g, func(ctx context.Context, cl *Clients) ([]string, error) {
			a, err := parseTaskArg(args[0])
			if err != nil {
				return nil, err
			}
			t := &taskFlags{}
			if f := cmd.Flags().Lookup("all-namespaces"); f != nil {
				t.AllNamespaces = f.Value.String() == "true"
			}
			if f := cmd.Flags().Lookup("name-prefix"); f != nil {
				t.NamePrefix = f.Value.String()
			}
			loc := cl.locator(t)
			id, err := a.taskID(ctx, loc, func(string, ...any) {})
			if err != nil {
				return nil, err
			}
			r, err := loc.Resolve(ctx, id, druid.MainContainer)
			if err != nil || r.Pod == nil {
				return []string{druid.MainContainer}, err
			}
			return druid.ContainerNames(r.Pod), nil
		})
	}
}

// completeServices completes --overlord-service with "auto" and the
// namespace's Services, Overlord-looking ones first.
func completeServices(g *Globals) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		out, dir := completeFromAPI(g, func(ctx context.Context, cl *Clients) ([]string, error) {
			l, err := cl.Kube.Services(cl.Namespace).List(ctx, metav1.ListOptions{Limit: 500})
			if err != nil {
				return nil, err
			}
			var out []string
			for _, s := range l.Items {
				out = append(out, s.Name)
			}
			return out, nil
		})
		sort.SliceStable(out, func(i, j int) bool {
			return strings.Contains(out[i], "overlord") && !strings.Contains(out[j], "overlord")
		})
		return append([]string{"auto"}, out...), dir
	}
}

// completionHelp is prepended to cobra's help of `completion`.
const completionHelp = `kubectl completes a plugin's arguments through a helper on PATH: for
"kubectl druid-logs <TAB>" to work, kubectl_complete-druid_logs must be on PATH next to
kubectl-druid_logs (make install and krew install both put it there). It runs
"kubectl-druid_logs __complete ...", the same completions this command's scripts use
when the plugin binary is called directly.

`
