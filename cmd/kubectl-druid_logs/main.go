// Command kubectl-druid_logs is the kubectl druid-logs plugin. It only wires
// standard streams and signals to the command tree and exits with its code.
package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/cmd"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

func main() {
	cmd.TuneRuntime()
	ctx, cancel := context.WithCancel(context.Background())
	var code atomic.Int32
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		code.Store(exitcode.Interrupted)
		if sig == syscall.SIGTERM {
			code.Store(exitcode.Terminated)
		}
		cancel()
		<-sigs // a second signal: stop waiting for a clean shutdown
		os.Exit(int(code.Load()))
	}()
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cmd.Execute(ctx, streams, os.Args[1:], func() int { return int(code.Load()) }))
}
