// Command profplugin is the kubectl-druid_logs plugin with profiling, for the benchmark's
// investigations: the same command tree as cmd/kubectl-druid_logs, plus a CPU profile written to
// $BENCH_CPUPROFILE, a heap profile to $BENCH_MEMPROFILE and /proc/self/smaps at exit to
// $BENCH_SMAPS when set.
//
//	go build -o /tmp/profplugin ./hack/bench/profplugin
//	BENCH_CPUPROFILE=/tmp/cpu.pprof /tmp/profplugin follow TASK -n NS -q >/dev/null
//	go tool pprof -top /tmp/profplugin /tmp/cpu.pprof
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/cmd"
)

func main() {
	cmd.TuneRuntime() // as the plugin's main
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "profplugin:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "profplugin:", err)
			os.Exit(2)
		}
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	code := cmd.Execute(ctx, streams, os.Args[1:], func() int { return 130 })
	cancel()
	pprof.StopCPUProfile()
	if path := os.Getenv("BENCH_SMAPS"); path != "" {
		// Where the resident memory is, before the heap profile's GC changes it.
		if data, err := os.ReadFile("/proc/self/smaps"); err == nil {
			_ = os.WriteFile(path, data, 0o644)
		}
	}
	if path := os.Getenv("BENCH_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			runtime.GC()
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			_ = f.Close()
		}
	}
	os.Exit(code)
}
