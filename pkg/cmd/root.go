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
	"strings"

	"github.com/spf13/cobra"
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

` + exitCodeHelp(),
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl druid-logs"},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return exitcode.New(exitcode.Usage, err.Error()+" (see '"+c.CommandPath()+" --help')", err)
	})
	flags := root.PersistentFlags()
	g.ConfigFlags.AddFlags(flags)
	g.ConfigFlags.RegisterCompletions(root)
	flags.BoolVar(&g.Debug, "debug", false, "Print each resolution step and API request (method, URL, status, time) on stderr")
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
		NewCmdVersion(streams),
	)
	return root
}

// Execute runs the command line and returns the process exit code. ctx is
// cancelled on SIGINT/SIGTERM; signalCode then gives the code to exit with.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string, signalCode func() int) int {
	root := NewRootCmd(streams)
	root.SetArgs(args)
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
		coded = exitcode.New(exitcode.Usage, err.Error(), err)
	}
	fmt.Fprintln(streams.ErrOut, "error: "+strings.TrimRight(coded.Error(), "\n"))
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
