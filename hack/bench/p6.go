package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// P6: following many tasks of one datasource (issues 15 and 22), at each size of -p6-tasks (50 and
// 200 by default). In the same run, alternately, the plugin follows that many RUNNING tasks selected by datasource and stern follows the same kind of pods by
// the datasource label. Each task's log holds one line when the command starts; once every
// stream has printed it, the harness appends p6KB kB to every log and the tasks Succeed. Measured:
// time until every stream printed its first line (the fan-out, apart from the bulk), user+sys
// CPU and peak RSS for the whole volume, and the API requests in the audit log. Beside it, the
// start-up of `version` and of `follow` next to `curl --version` (p6startup.go).

// p6Options are P6's flags (embedded in options).
type p6Options struct {
	p6Runs, p6KB int
	p6Sizes      string // comma-separated task counts
	p6NoStern    bool   // development: the plugin alone
}

// p6TaskCounts are the sizes of -p6-tasks.
func (o p6Options) p6TaskCounts() ([]int, error) {
	var ns []int
	for _, f := range strings.Split(o.p6Sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-p6-tasks: %q is not a task count", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// registerP6Flags registers P6's flags on the default flag set.
func registerP6Flags(o *p6Options) {
	flag.IntVar(&o.p6Runs, "p6-runs", 3, "runs of each command for P6 at each size (each run follows new RUNNING tasks)")
	flag.StringVar(&o.p6Sizes, "p6-tasks", "50,200", "comma-separated counts of RUNNING tasks of one datasource that P6 follows")
	flag.IntVar(&o.p6KB, "p6-kb", 2000, "log of each P6 task in kB (10³ bytes) of printed text")
	flag.BoolVar(&o.p6NoStern, "p6-no-stern", false, "measure the plugin alone (development, with -only: the ratios to stern are then missing)")
}

const (
	p6DataSource = "wikipedia"
	p6Decoys     = 2 // RUNNING tasks of another datasource in the namespace, which nobody may follow
	p6DecoyDS    = "koalas_to_the_max"
	p6DecoyText  = "p6-decoy: a line of another datasource"
)

// p6Result is what P6 measured.
type p6Result struct {
	pluginSkipped string // why the plugin was not measured; "" if it was
	pluginFlags   []string
	tasks         int
	perTask       logStats // one task's log (they differ only in the first line)
	runs          map[string][]p6Run
	fails         map[string]int
	order         []string
}

// p6Batch is one run's tasks: RUNNING, logs in place, in a namespace of their own.
type p6Batch struct {
	ns     string
	tasks  []*testbed.Task
	decoys []*testbed.Task
}

// p6 runs the scenario at each size, then the start-up runs.
func (b *bench) p6() {
	o := b.opts.p6Options
	sizes, err := o.p6TaskCounts()
	if err != nil {
		b.fatalf("%v", err)
	}
	logs, err := writeP6Logs(filepath.Join(b.work, "bed", "p6"), int64(o.p6KB)*1000)
	if err != nil {
		b.fatalf("P6 logs: %v", err)
	}
	for _, n := range sizes {
		b.p6Size(n, logs)
	}
	b.p6Startup()
}

// p6Size runs the scenario with n tasks.
func (b *bench) p6Size(n int, logs p6Logs) {
	o := b.opts.p6Options
	r := &p6Result{tasks: n, runs: map[string][]p6Run{}, fails: map[string]int{}}
	b.res.p6 = append(b.res.p6, r)
	r.perTask = logs.stats
	r.pluginFlags, r.pluginSkipped = b.pluginSelectionFlags(n)
	if r.pluginSkipped != "" {
		logf("P6: plugin skipped: %s; measuring stern alone", r.pluginSkipped)
	} else {
		r.order = append(r.order, toolPlugin)
	}
	if !o.p6NoStern {
		r.order = append(r.order, toolStern)
	}
	seq := 0
	for round := -1; round < o.p6Runs && b.ctx.Err() == nil; round++ { // round -1: warm-up, discarded
		for _, tool := range r.order {
			seq++
			batch, err := b.p6Batch(fmt.Sprintf("bench-p6-%d-%02d", n, seq), n, logs)
			if err != nil {
				b.fatalf("P6 setup: %v", err)
			}
			run, err := b.p6Run(tool, r, batch, logs)
			b.p6Clean(batch)
			name := fmt.Sprintf("run %d", round+1)
			if round < 0 {
				name = "warm-up run"
			}
			if err != nil {
				logf("P6 %s %s: FAILED: %v; stderr: %s", tool, name, err, excerpt(run.proc.stderr))
				if round >= 0 {
					r.fails[tool]++
				}
				continue
			}
			logf("P6 %d tasks %s %s: all first lines in %v, CPU %v, peak RSS %.1f MB, %d requests (%s)", n, tool, name,
				run.allFirst.Round(time.Millisecond), run.proc.cpu().Round(time.Millisecond),
				float64(run.proc.maxRSSKB)/1024, run.audit.requests, run.audit.summary())
			if round >= 0 {
				r.runs[tool] = append(r.runs[tool], run)
			}
		}
		if round >= 0 {
			logf("P6 %d tasks: round %d/%d done", n, round+1, o.p6Runs)
		}
	}
}

// pluginSelectionFlags asks `follow --help` which of the flags P6 needs the plugin has. It returns
// the extra flags to pass, or why the plugin cannot take part.
func (b *bench) pluginSelectionFlags(n int) (extra []string, skipped string) {
	cmd := exec.CommandContext(b.ctx, b.tools.plugin, "follow", "--help")
	cmd.Env = b.env
	out, err := cmd.CombinedOutput()
	help := string(out)
	switch {
	case err != nil && !strings.Contains(help, "--"):
		return nil, fmt.Sprintf("`follow --help` failed: %v", err)
	case !strings.Contains(help, "--datasource"):
		return nil, "the plugin has no `follow --datasource` yet (not in `follow --help`)"
	case !strings.Contains(help, "--until-done"):
		return nil, "the plugin has no `follow --until-done` yet (not in `follow --help`)"
	}
	if strings.Contains(help, "--max-log-requests") {
		extra = append(extra, "--max-log-requests", fmt.Sprint(n))
	}
	return extra, ""
}

// p6Argv is the command line of tool following the datasource's r.tasks tasks in ns.
func (b *bench) p6Argv(tool string, r *p6Result, ns string) []string {
	switch tool {
	case toolPlugin:
		argv := []string{b.tools.plugin, "--kubeconfig", b.kubeconfig, "follow", "--datasource", p6DataSource, "-n", ns, "--until-done"}
		return append(argv, r.pluginFlags...)
	case toolStern:
		// stern's default follows 50 logs at most; it keeps following (and watching) forever.
		return []string{b.tools.stern, "-n", ns, "-l", "druid.task.datasource=" + testbed.StringLabel(p6DataSource),
			"--max-log-requests", fmt.Sprint(r.tasks), "--kubeconfig", b.kubeconfig}
	}
	panic("P6: unknown tool " + tool)
}

// p6Batch creates p6Tasks RUNNING tasks of the datasource (customTemplateAdapter, Druid 33: the
// druid.task.* labels) plus the decoys, writes their first lines and waits until the Job controller has
// seen every pod ready, so that no set-up work overlaps the measured run.
func (b *bench) p6Batch(ns string, n int, logs p6Logs) (p6Batch, error) {
	batch := p6Batch{ns: ns, tasks: make([]*testbed.Task, n), decoys: make([]*testbed.Task, p6Decoys)}
	var wg sync.WaitGroup
	errs := make(chan error, n+p6Decoys)
	sem := make(chan struct{}, 8)
	for i := range n + p6Decoys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ds := p6DataSource
			if i >= n {
				ds = p6DecoyDS
			}
			task, _, err := b.runningTask(testbed.TaskSpec{Namespace: ns, TaskID: p6TaskID(ds, i), DataSource: ds,
				Adapter: testbed.AdapterCustomTemplate})
			switch {
			case err != nil:
			case i < n:
				err = appendFile(task.LogPath(), logs.first(i))
			default:
				err = task.AppendLog(p6DecoyText)
			}
			if err != nil {
				errs <- err
				return
			}
			if i < n {
				batch.tasks[i] = task
			} else {
				batch.decoys[i-n] = task
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return batch, err
	}
	err := testbed.WaitFor(b.ctx, 2*time.Minute, "P6 Jobs ready", func(ctx context.Context) (bool, error) {
		jobs, err := b.bed.Clientset().BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, j := range jobs.Items {
			if j.Status.Ready != nil && *j.Status.Ready == 1 {
				ready++
			}
		}
		return ready == n+p6Decoys, nil
	})
	time.Sleep(300 * time.Millisecond)
	return batch, err
}

// p6Clean deletes a run's Jobs (their pods go with them), so that the bed holds one run's pods
// at a time.
func (b *bench) p6Clean(batch p6Batch) {
	for _, task := range append(batch.tasks, batch.decoys...) {
		if task != nil {
			if err := task.DeleteJob(b.ctx); err != nil {
				logf("P6: deleting %s: %v", task.Spec.TaskID, err)
			}
		}
	}
}

// p6TaskID is a Kafka supervisor's task ID: "index_kafka_<ds>_<15 hex>_<8 letters>".
func p6TaskID(ds string, i int) string {
	letters := make([]byte, 8)
	for j := range letters {
		letters[j] = byte('a' + rand.IntN(26))
	}
	return fmt.Sprintf("index_kafka_%s_%015x_%s", ds, uint64(time.Now().UnixNano())+uint64(i), letters)
}

// p6Logs are the tasks' logs: a first line per task naming its stream (p6Marker + 3 digits), so
// that any tool's output tells which stream a line came from, and the bulk every task gets after.
type p6Logs struct {
	body  []byte   // CRI records appended to every task's log once all first lines were printed
	stamp string   // the first lines' CRI timestamp, just before the body's
	stats logStats // of one task's whole log (first line and body)
}

const p6Marker = "p6-stream="

// p6FirstText is the text of task i's first line.
func p6FirstText(i int) string {
	return fmt.Sprintf("INFO [main] org.apache.druid.cli.CliPeon - Starting up, %s%03d.", p6Marker, i)
}

// first is task i's first line as a CRI record.
func (l p6Logs) first(i int) []byte {
	return []byte(l.stamp + " stdout F " + p6FirstText(i) + "\n")
}

// writeP6Logs generates the body of at least textBytes printed bytes (in dir, then in memory).
func writeP6Logs(dir string, textBytes int64) (p6Logs, error) {
	logs := p6Logs{}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return logs, err
	}
	path := filepath.Join(dir, "body.log")
	st, err := writeLog(path, textBytes, 0, 6)
	if err != nil {
		return logs, err
	}
	if logs.body, err = os.ReadFile(path); err != nil {
		return logs, err
	}
	_ = os.Remove(path)
	const layout = "2006-01-02T15:04:05.000000000Z"
	ts, err := time.Parse(layout, string(logs.body[:len(layout)]))
	if err != nil {
		return logs, fmt.Errorf("generated log: %w", err)
	}
	logs.stamp = ts.Add(-time.Millisecond).Format(layout)
	first := len(p6FirstText(0))
	logs.stats = logStats{lines: st.lines + 1, textBytes: st.textBytes + int64(first) + 1,
		fileBytes: st.fileBytes + int64(len(logs.first(0)))}
	return logs, nil
}

// appendFile appends data to the file at path in one write, as a container runtime appends.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
