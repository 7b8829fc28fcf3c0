// Command profplugin is the kubectl-druid_logs plugin with profiling, for the benchmark's
// investigations: the same command tree as cmd/kubectl-druid_logs, plus a CPU profile written to
// $BENCH_CPUPROFILE, a heap profile to $BENCH_MEMPROFILE and /proc/self/smaps at exit to
// $BENCH_SMAPS when set. With $BENCH_PEAKHEAP set, a heap profile is written to
// $BENCH_PEAKHEAP.PID each time the resident set reaches a new high (polled every 20 ms), with
// the runtime's memory statistics beside it ($BENCH_PEAKHEAP.PID.txt): what the peak is made of.
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
	"strconv"
	"strings"
	"syscall"
	"time"

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
	if path := os.Getenv("BENCH_PEAKHEAP"); path != "" {
		go samplePeak(fmt.Sprintf("%s.%d", path, os.Getpid()))
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

// samplePeak writes a heap profile and the memory statistics to path each time VmRSS reaches
// a new high.
func samplePeak(path string) {
	var peak int64
	for range time.Tick(20 * time.Millisecond) {
		rss := vmRSS()
		if rss <= peak+512 { // KiB: a new high by at least 0.5 MiB
			continue
		}
		peak = rss
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if f, err := os.Create(path); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			_ = f.Close()
		}
		txt := fmt.Sprintf("VmRSS %d KiB\nHeapInuse %d\nHeapIdle-Released %d\nStackInuse %d\nMSpan+MCache %d\nOtherSys+GCSys %d\nNumGoroutine %d\nNextGC %d\n",
			rss, ms.HeapInuse, ms.HeapIdle-ms.HeapReleased, ms.StackInuse, ms.MSpanInuse+ms.MCacheInuse,
			ms.OtherSys+ms.GCSys, runtime.NumGoroutine(), ms.NextGC)
		_ = os.WriteFile(path+".txt", []byte(txt), 0o644)
	}
}

// vmRSS is the process's resident set in KiB.
func vmRSS() int64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
