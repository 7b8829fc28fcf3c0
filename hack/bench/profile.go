package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// profile is the -profile mode: instead of the comparison, it builds the plugin with profiling
// (hack/bench/profplugin), follows the P2 log with it once with --debug, and leaves a CPU profile,
// an allocation profile and the --debug output in dir, with `go tool pprof -top` of both.
func (b *bench) profile(dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.fatalf("%v", err)
	}
	bin := filepath.Join(dir, "profplugin")
	build := exec.CommandContext(b.ctx, "go", "build", "-trimpath", "-o", bin, "./hack/bench/profplugin")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		b.fatalf("building profplugin: %v", err)
	}
	log := b.res.big
	if b.opts.profileSmall {
		log = b.res.small
	}
	task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: "bench-profile", TaskID: newTaskID("prof")})
	if err == nil {
		err = placeLog(log.path, task.LogPath())
	}
	if err != nil {
		b.fatalf("profile setup: %v", err)
	}
	cpu, allocs := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "allocs.pprof")
	env := append(append([]string(nil), b.env...), "BENCH_CPUPROFILE="+cpu, "BENCH_MEMPROFILE="+allocs,
		"BENCH_SMAPS="+filepath.Join(dir, "smaps.txt"))
	argv := []string{bin, "--kubeconfig", b.kubeconfig, "--debug", "follow", tg.taskID, "-n", tg.ns, "-q"}
	res, err := runProc(procSpec{argv: argv, env: env, timeout: 5 * time.Minute, onFirstByte: func() {
		if err := task.Succeed(b.ctx); err != nil {
			logf("profile: Succeed: %v", err)
		}
	}})
	if err != nil {
		b.fatalf("profile run: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "follow-debug.txt"), []byte(res.stderr), 0o644); err != nil {
		b.fatalf("%v", err)
	}
	fmt.Printf("profiled follow of %.0f MB: %d bytes printed (want %d), wall to last byte %v, exit %v, CPU %v (user %v, sys %v), peak RSS %.1f MB\n",
		mb(log.textBytes), res.bytes, log.textBytes, res.lastByte.Round(time.Millisecond), res.exit.Round(time.Millisecond),
		res.cpu().Round(time.Millisecond), res.user.Round(time.Millisecond), res.sys.Round(time.Millisecond), float64(res.maxRSSKB)/1024)
	fmt.Printf("--debug output:\n%s\n", res.stderr)
	for _, p := range []struct{ file, sample string }{{cpu, ""}, {allocs, "-sample_index=alloc_space"}} {
		args := []string{"tool", "pprof", "-top", "-nodecount=35"}
		if p.sample != "" {
			args = append(args, p.sample)
		}
		out, err := exec.CommandContext(b.ctx, "go", append(args, bin, p.file)...).CombinedOutput()
		if err != nil {
			logf("pprof %s: %v", p.file, err)
		}
		fmt.Printf("go tool pprof -top %s:\n%s\n", filepath.Base(p.file), out)
	}
	logf("profiles in %s (go tool pprof -http=: %s %s)", dir, bin, cpu)
}
