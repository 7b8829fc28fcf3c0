// Package cmd is the command layer of kubectl druid-logs: one file per
// subcommand, each an options struct with Complete, Validate and Run, as in
// kubectl. It turns flags into typed settings for the engine packages
// (locate, follow, podwatch, druid) and turns their typed errors into
// messages and exit codes in one place (errors.go). Log lines go to stdout;
// everything else goes to stderr.
package cmd

import (
	"context"
	"errors"
	goflag "flag"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

// Globals are the flags every subcommand shares.
type Globals struct {
	// ConfigFlags are kubectl's --kubeconfig, --context, -n, ... flags.
	ConfigFlags *KubeFlags
	// Debug prints one marker per step and per API request on stderr.
	Debug bool
	// Quiet silences status messages on stderr; errors still print.
	Quiet bool
	// Contexts selects several kubeconfig contexts (--all-contexts).
	Contexts contextFlags
	// logStreams is the most log streams the command opens at once
	// (--max-log-requests of a selection), which sizes the client's burst.
	logStreams int
	genericiooptions.IOStreams
}

// NewRootCmd builds the kubectl druid-logs command tree.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	g := &Globals{ConfigFlags: &KubeFlags{}, IOStreams: streams}
	root := &cobra.Command{
		Use:   "kubectl-druid_logs",
		Short: "Follow the live logs of an Apache Druid task run as a Kubernetes Job",
		Long: `kubectl druid-logs finds the Kubernetes Job and Pod of an Apache Druid task (Druid's
Kubernetes task runner, MiddleManager-less) from its task ID, applies Druid's own rule
that live logs exist only while the task is RUNNING, and follows the peon's "main"
container, surviving dropped streams with no line lost or repeated.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/README.md

` + exitCodeHelp(),
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl druid-logs"},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return exitcode.New(exitcode.Usage, flagErrorText(err)+" (see '"+c.CommandPath()+" --help')", err)
	})
	flags := root.PersistentFlags()
	g.ConfigFlags.AddFlags(flags)
	g.ConfigFlags.RegisterCompletions(root)
	flags.BoolVar(&g.Debug, "debug", false, "Print each resolution step and API request (method, URL, status, time) on stderr")
	flags.BoolVarP(&g.Quiet, "quiet", "q", false, "No status messages on stderr, only errors")
	g.Contexts.addFlags(flags)
	klogFlags := goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(klogFlags)
	flags.AddGoFlag(klogFlags.Lookup("v"))

	root.AddCommand(
		NewCmdFollow(g),
		NewCmdCheck(g),
		NewCmdStatus(g),
		NewCmdJobName(g),
		NewCmdList(g),
		NewCmdTrace(g),
		NewCmdWhy(g), NewCmdBundle(g),
		NewCmdVersion(g),
	)
	registerCompletions(root, g)
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Long = completionHelp + c.Long
	}
	return root
}

// Execute runs the command line and returns the process exit code. ctx is
// cancelled on SIGINT/SIGTERM; signalCode then gives the code to exit with.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string, signalCode func() int) int {
	rewritten := followByDefault(args)
	if versionRequested(rewritten) {
		// What cobra prints for --version with the template "{{.Version}}\n".
		fmt.Fprintln(streams.Out, version.Get().String())
		return exitcode.OK
	}
	root := NewRootCmd(streams)
	root.SetArgs(rewritten)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	// Errors before a command runs are cobra's own (unknown command or
	// flag): usage errors. Every error of a running command goes through
	// classify, the one place that decides exit codes.
	running := false
	root.PersistentPreRun = func(*cobra.Command, []string) { running = true }
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitcode.OK
	}
	if code := signalCode(); code != 0 && ctx.Err() != nil {
		return code
	}
	var coded *exitcode.Err
	if running || errors.As(err, &coded) {
		coded = classify(err).(*exitcode.Err)
	} else {
		coded = exitcode.New(exitcode.Usage, cobraErrorText(err), err)
	}
	text := strings.TrimRight(coded.Error(), "\n")
	if len(rewritten) > len(args) && coded.Code == exitcode.NotFound {
		text += "\n  (No command has that name either: see 'kubectl druid-logs --help'.)"
	}
	fmt.Fprintln(streams.ErrOut, "error: "+text)
	return coded.Code
}

func exitCodeHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, e := range exitcode.Table {
		fmt.Fprintf(&b, "  %3d  %s\n", e.Code, e.Meaning)
	}
	return b.String()
}

// followByDefault puts "follow" before a bare task argument, so that
// `kubectl druid-logs TASK_ID [flags]` follows the task, as stern takes a
// bare query. A command name, a near-miss of one (cobra then suggests the
// command), help and completion requests are left alone.
func followByDefault(args []string) []string {
	// A separate command tree parses the probe, so no flag of the real
	// one is set twice.
	probe := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	fs := pflag.NewFlagSet("probe", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.AddFlagSet(probe.PersistentFlags())
	if follow, _, err := probe.Find([]string{"follow"}); err == nil {
		fs.AddFlagSet(follow.Flags())
	}
	if fs.Parse(args) != nil || fs.NArg() == 0 {
		return args
	}
	probe.InitDefaultHelpCmd()
	probe.InitDefaultCompletionCmd()
	probe.SuggestionsMinimumDistance = 2 // cobra's own default for "Did you mean"
	first := fs.Arg(0)
	if first == "help" || strings.HasPrefix(first, "__") || len(probe.SuggestionsFor(first)) > 0 {
		return args
	}
	for _, c := range probe.Commands() {
		if c.Name() == first || c.HasAlias(first) {
			return args
		}
	}
	return append([]string{"follow"}, args...)
}

// versionRequested reports whether cobra would print the version for
// args: --version on the root command, without --help, parsed without
// error. The plugin prints it itself, because the alternative, cobra's
// SetVersionTemplate, executes a text/template, and text/template calls
// methods by name through reflection, which keeps the linker from dropping
// any exported method of any type in the binary (every SwaggerDoc, String
// and Marshal method of the Kubernetes API types). Without it the binary
// has 3.6 MB less code (text 19.5 -> 16.0 MB), and since start-up pages
// most of it in, 1.6 MB less resident memory (version: 14.4 -> 12.8 MB).
func versionRequested(args []string) bool {
	asks := false
	for _, a := range args {
		if strings.HasPrefix(a, "--version") {
			asks = true
		}
	}
	if !asks {
		return false // spares building a probe command tree
	}
	probe := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	probe.InitDefaultHelpCmd()
	probe.InitDefaultCompletionCmd()
	c, flags, err := probe.Find(args)
	if err != nil || c != probe {
		return false
	}
	probe.InitDefaultHelpFlag()
	probe.InitDefaultVersionFlag()
	if probe.ParseFlags(flags) != nil {
		return false
	}
	if help, _ := probe.Flags().GetBool("help"); help {
		return false
	}
	v, err := probe.Flags().GetBool("version")
	return err == nil && v
}

// cobraErrorText puts cobra's own parsing errors on one line: "unknown
// command "chek" for "kubectl druid-logs"; did you mean check?".
func cobraErrorText(err error) string {
	text := strings.TrimSpace(err.Error())
	head, sugg, ok := strings.Cut(text, "Did you mean this?")
	if !ok {
		return strings.Join(strings.Fields(text), " ")
	}
	return strings.Join(strings.Fields(head), " ") + "; did you mean " + strings.Join(strings.Fields(sugg), " or ") + "?"
}
