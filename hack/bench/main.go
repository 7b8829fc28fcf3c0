// Command bench is the performance benchmark of kubectl druid-logs (issue 7). In one session on
// the real test bed (test/testbed, ports +200) it runs the plugin, kubectl logs -f, stern and curl
// of the raw log stream alternately, run by run, and measures:
//
//	P1 time to the first log line of a RUNNING task;
//	P2 the cost of streaming a 200 MB log: wall time to the last byte, user+sys CPU, MB/s;
//	P3 peak RSS (the plugin at 1 MB and 200 MB, kubectl);
//	P4 the plugin's API requests (follow, check) with 10 and 10,000 peon Jobs, from --debug and
//	   the API server's audit log;
//	P5 check on a healthy and a broken task, version start-up, binary sizes;
//	P6 following 50 and 200 RUNNING tasks of one datasource against stern following them by label
//	   (p6.go), and the start-up of version and follow next to curl --version (p6startup.go);
//	P7 P1 at a distance: through a delay proxy at 0, 10 and 25 ms RTT (p7.go, delayproxy.go);
//	P8 check at 25 ms RTT beside the kubectl commands that collect the same facts (p7.go);
//	P9 500 MB written live through log rotation at 1 MiB: lines lost and repeated, CPU and wall,
//	   beside kubectl logs -f and the plugin without rotation (p9.go).
//
// It prints the results and writes them as markdown between the bench markers of docs/performance.md.
//
//	go run ./hack/bench -plugin bin/kubectl-druid_logs
//
// Two builds of the plugin side by side (an A/B of a change, README not written):
//
//	go run ./hack/bench -only P1,P2 -baseline /tmp/old-plugin -plugin bin/kubectl-druid_logs
//
// Where the CPU and memory go (CPU and heap profiles, smaps at exit):
//
//	go run ./hack/bench -profile /tmp/prof [-profile-small]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// portOffset keeps the bench's bed clear of a bed on the default ports.
const portOffset = 200

// options are the command-line flags.
type options struct {
	plugin, readme, toolsDir, only string
	baseline                       string
	profileDir                     string
	runs, p2Runs, p4Runs, manyJobs int
	p2MB, p2Lines                  int
	keep, profileSmall             bool
	portOffset                     int
	p6Options
	p9Options
}

// bench is one session.
type bench struct {
	ctx        context.Context
	opts       options
	bed        *testbed.Bed
	tools      tools
	kubeconfig string
	env        []string
	work       string
	res        *results
}

func main() {
	var o options
	flag.StringVar(&o.plugin, "plugin", "bin/kubectl-druid_logs", "the plugin binary to measure")
	flag.StringVar(&o.readme, "readme", "docs/performance.md", "page to write the results into, between the bench markers (empty: do not write)")
	flag.StringVar(&o.toolsDir, "tools-dir", defaultToolsDir(), "where stern is built (outside the repository)")
	flag.StringVar(&o.baseline, "baseline", "", "another plugin binary to measure beside -plugin in P1 and P2 (an A/B of two builds; the README is not written)")
	flag.StringVar(&o.only, "only", "", "comma-separated subset of P1,P2,P4,P5,P6,P7,P8,P9 (development; the README is not written)")
	flag.IntVar(&o.runs, "runs", 15, "runs of each command for P1, P5, P7 and P8")
	flag.IntVar(&o.p2Runs, "p2-runs", 5, "runs of each command for P2/P3 (each streams the whole log)")
	flag.IntVar(&o.p4Runs, "p4-runs", 3, "runs of each command for P4")
	flag.IntVar(&o.manyJobs, "many-jobs", 10000, "peon Jobs in the large P4 namespace")
	flag.IntVar(&o.p2MB, "p2-mb", 200, "size of the P2 log in MB of printed text")
	flag.IntVar(&o.p2Lines, "p2-lines", 0, "minimum lines of the P2 log (the size wins if it needs more)")
	flag.StringVar(&o.profileDir, "profile", "", "instead of the comparison, profile the plugin following the P2 log once; profiles go to this directory")
	flag.BoolVar(&o.profileSmall, "profile-small", false, "with -profile, follow the 1 MB log instead of the big one")
	flag.BoolVar(&o.keep, "keep", false, "keep the test bed and the work directory")
	flag.IntVar(&o.portOffset, "port-offset", portOffset, "added to the test bed's default ports (another bed may use the default)")
	registerP6Flags(&o.p6Options)
	registerP9Flags(&o.p9Options)
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	b := &bench{ctx: ctx, opts: o}
	code := b.run()
	cancel()
	os.Exit(code)
}

// run is the whole session; it returns the exit code.
func (b *bench) run() (code int) {
	start := time.Now()
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(fatal); !ok {
				panic(v)
			}
			code = 1
		}
		if b.bed != nil && !b.opts.keep {
			b.bed.Stop()
		}
		if b.work != "" && !b.opts.keep {
			_ = os.RemoveAll(b.work)
		} else if b.work != "" {
			logf("kept %s", b.work)
		}
	}()
	b.setup()
	if b.opts.profileDir != "" {
		if !b.phase(func() { b.profile(b.opts.profileDir) }) {
			return 1
		}
		return 0
	}
	phases := map[string]bool{"P1": true, "P2": true, "P4": true, "P5": true, "P6": true, "P7": true, "P8": true, "P9": true}
	if b.opts.only != "" {
		clear(phases)
		for _, ph := range strings.Split(strings.ToUpper(b.opts.only), ",") {
			phases[strings.TrimSpace(ph)] = true
		}
	}
	b.res.ran = phases
	// P4 goes last: its 10,000 Jobs keep the controller-manager busy for a while.
	for _, ph := range []struct {
		name string
		fn   func()
	}{{"P1", b.p1}, {"P7", b.p7}, {"P8", b.p8}, {"P5", b.p5}, {"P2", b.p2}, {"P9", b.p9}, {"P6", b.p6}, {"P4", b.p4}} {
		if phases[ph.name] && b.ctx.Err() == nil {
			t := time.Now()
			logf("%s: start", ph.name)
			if b.phase(ph.fn) {
				logf("%s: done in %v", ph.name, time.Since(t).Round(time.Second))
			} else {
				b.res.failed = append(b.res.failed, ph.name)
			}
		}
	}
	if b.ctx.Err() != nil {
		logf("interrupted")
		return 130
	}
	b.res.took = time.Since(start)
	md := b.res.markdown()
	fmt.Println(md)
	if len(b.res.failed) > 0 {
		logf("phases %v failed: README not written", b.res.failed)
		return 1
	}
	if b.opts.readme != "" && b.opts.only == "" && b.opts.baseline == "" {
		if err := writeReadme(b.opts.readme, md); err != nil {
			b.fatalf("%v", err)
		}
		logf("wrote the results into %s", b.opts.readme)
	}
	return 0
}

// setup finds the tools, starts the bed and generates the logs.
func (b *bench) setup() {
	var err error
	o := &b.opts
	if o.plugin, err = filepath.Abs(o.plugin); err != nil {
		b.fatalf("%v", err)
	}
	if _, err := os.Stat(o.plugin); err != nil {
		b.fatalf("plugin binary: %v (run make build)", err)
	}
	b.tools.plugin = o.plugin
	if o.baseline != "" {
		if o.baseline, err = filepath.Abs(o.baseline); err != nil {
			b.fatalf("%v", err)
		}
		if _, err := os.Stat(o.baseline); err != nil {
			b.fatalf("baseline binary: %v", err)
		}
		b.tools.baseline = o.baseline
	}
	if runsAny(o.only, "P1", "P2", "P6") { // stern is built from source the first time: minutes
		if b.tools.stern, err = ensureStern(b.ctx, o.toolsDir); err != nil {
			b.fatalf("%v", err)
		}
	}
	if b.tools.curl, err = exec.LookPath("curl"); err != nil {
		b.fatalf("curl not found (apt-get install curl): %v", err)
	}
	if b.work, err = os.MkdirTemp("", "druid-logs-bench-"); err != nil {
		b.fatalf("%v", err)
	}
	home := filepath.Join(b.work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		b.fatalf("%v", err)
	}
	b.env = childEnv(home)
	logf("starting the test bed (ports +%d) in %s/bed", o.portOffset, b.work)
	b.bed, err = testbed.Start(b.ctx, testbed.Options{Dir: filepath.Join(b.work, "bed"), PortOffset: o.portOffset})
	if err != nil {
		b.fatalf("test bed: %v", err)
	}
	b.kubeconfig = b.bed.Kubeconfig()
	b.tools.kubectl = b.bed.Kubectl()
	if err := b.tools.extractCurlCreds(b.kubeconfig, filepath.Join(b.work, "curl")); err != nil {
		b.fatalf("curl credentials: %v", err)
	}
	b.tools.toolVersions(b.ctx, b.env)
	b.res = &results{date: time.Now(), machine: machine(), goVersion: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		opts: b.opts, versions: b.tools.versions, server: b.tools.server}
	// The logs live next to the bed's so that tasks can hard-link them.
	t := time.Now()
	if b.res.big, err = writeLog(filepath.Join(b.work, "bed", "bench-big.log"), int64(o.p2MB)*1e6, o.p2Lines, 1); err != nil {
		b.fatalf("generating the log: %v", err)
	}
	if b.res.small, err = writeLog(filepath.Join(b.work, "bed", "bench-1mb.log"), 1e6, 0, 2); err != nil {
		b.fatalf("generating the log: %v", err)
	}
	logf("generated %d lines (%.0f MB printed, %.0f MB CRI file) in %v", b.res.big.lines, mb(b.res.big.textBytes),
		mb(b.res.big.fileBytes), time.Since(t).Round(time.Millisecond))
}

// phase runs fn, reporting false if it ended with fatalf; the other phases still run.
func (b *bench) phase(fn func()) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			if _, isFatal := v.(fatal); !isFatal {
				panic(v)
			}
			ok = false
		}
	}()
	fn()
	return true
}

// fatal is the panic value of fatalf, recovered by run.
type fatal struct{}

// fatalf logs and ends the session (the bed is stopped by run).
func (b *bench) fatalf(format string, args ...any) {
	logf("FATAL: "+format, args...)
	panic(fatal{})
}

// logf prints a progress line on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// machine describes the host from /proc: CPU model, cores and RAM.
func machine() string {
	model, cores := "unknown CPU", 0
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch strings.TrimSpace(k) {
			case "processor":
				cores++
			case "model name":
				model = strings.TrimSpace(v)
			}
		}
	}
	ram := "unknown RAM"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				ram = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s, %s", model, cores, ram, kernel())
}

func kernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "linux"
	}
	return "Linux " + strings.TrimSpace(string(data))
}
