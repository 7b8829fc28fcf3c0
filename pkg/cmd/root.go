// Package cmd is the command layer of kubectl druid-logs: one file per
// subcommand, each an options struct with Complete, Validate and Run, as in
// kubectl. It turns flags into typed settings for the engine packages
// (locate, follow, podwatch, druid) and turns their typed errors into
// messages and exit codes in one place (errors.go). Log lines go to stdout;
// everything else goes to stderr.
package cmd

import (
	"context"
	goflag "flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"
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
		NewCmdVersion(streams),
	)
	return root
}

// gcPercent is the garbage collector's target unless GOGC is set: the
// plugin's live heap is 2-3 MB, so collecting at 1.5x instead of 2x costs a
// few milliseconds of CPU per hour of streaming, and a follow that has run
// for hours stays as small as one that just started (issue 7, P3: 24.3 MB
// after 200 MB against 22.6 MB after 1 MB, +7%; +13% at Go's default).
const gcPercent = 50

// maxProcs is how many processors run Go code unless GOMAXPROCS is set.
// The plugin waits on the network almost all the time; with more
// processors, each hand-off between the HTTP/2 read loop and the follower
// wakes another thread and idle threads spin looking for work. A/B on the
// test bed (200 MB, 4 runs each): CPU 2.45 s against 2.87 s, first line
// 28 ms against 35 ms.
const maxProcs = 1

// Execute runs the command line and returns the process exit code. ctx is
// cancelled on SIGINT/SIGTERM; signalCode then gives the code to exit with.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string, signalCode func() int) int {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(maxProcs)
	}
	root := NewRootCmd(streams)
	root.SetArgs(args)
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitcode.OK
	}
	if code := signalCode(); code != 0 && ctx.Err() != nil {
		return code
	}
	code, typed := exitcode.CodeOf(err)
	if !typed {
		// Errors that reach here untyped come from cobra's own parsing:
		// unknown commands, wrong number of arguments.
		code = exitcode.Usage
	}
	fmt.Fprintln(streams.ErrOut, "error: "+strings.TrimRight(err.Error(), "\n"))
	return code
}

func exitCodeHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, e := range exitcode.Table {
		fmt.Fprintf(&b, "  %3d  %s\n", e.Code, e.Meaning)
	}
	return b.String()
}
