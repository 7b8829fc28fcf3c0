package main

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// variant is one of the commands that alternate run by run.
type variant struct {
	name string
	run  func() (procResult, error)
}

// series are the kept runs of each variant, and how many failed.
type series struct {
	runs  map[string][]procResult
	fails map[string]int
	order []string
}

// alternate runs one discarded warm-up round (if warm) and then rounds rounds of vs, each round
// running every variant once in the same order (A B C D A B C D …) so that drift cancels.
func (b *bench) alternate(phase string, rounds int, warm bool, vs []variant) series {
	s := series{runs: map[string][]procResult{}, fails: map[string]int{}}
	for _, v := range vs {
		s.order = append(s.order, v.name)
	}
	first := 0
	if warm {
		first = -1
	}
	for r := first; r < rounds; r++ {
		for _, v := range vs {
			if b.ctx.Err() != nil {
				return s
			}
			res, err := v.run()
			if err != nil {
				logf("%s %s run %d: FAILED: %v; stderr: %s", phase, v.name, r+1, err, excerpt(res.stderr))
				if r >= 0 {
					s.fails[v.name]++
				}
				continue
			}
			if r >= 0 {
				s.runs[v.name] = append(s.runs[v.name], res)
			}
		}
		if r >= 0 {
			logf("%s: round %d/%d done", phase, r+1, rounds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// excerpt is the start of a child's stderr for an error message.
func excerpt(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

var taskSeq struct {
	sync.Mutex
	n int
}

// newTaskID is a unique, Druid-shaped task id.
func newTaskID(kind string) string {
	taskSeq.Lock()
	defer taskSeq.Unlock()
	taskSeq.n++
	return fmt.Sprintf("index_kafka_wikipedia_%s_%04d_%s", kind, taskSeq.n, time.Now().Format("150405"))
}

// runningTask creates a Druid 33 task on the test kubelet's node and makes it RUNNING.
func (b *bench) runningTask(spec testbed.TaskSpec) (*testbed.Task, followTarget, error) {
	spec.DruidVersion, spec.Node = "33", testbed.NodeKubelet
	if spec.Type == "" {
		spec.Type = "index_kafka"
	}
	task, err := b.bed.CreateTask(b.ctx, spec)
	if err != nil {
		return nil, followTarget{}, err
	}
	if err := task.SetRunning(b.ctx); err != nil {
		return nil, followTarget{}, err
	}
	return task, followTarget{ns: spec.Namespace, taskID: spec.TaskID, job: task.JobName, pod: task.PodName()}, nil
}

// p1 measures the time to the first log line of a RUNNING task that already has lines.
func (b *bench) p1() {
	ns := "bench-p1"
	task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: ns, TaskID: newTaskID("p1")})
	if err == nil {
		err = placeLog(b.res.small.path, task.LogPath())
	}
	if err != nil {
		b.fatalf("P1 setup: %v", err)
	}
	var vs []variant
	for _, tool := range b.followTools() {
		vs = append(vs, variant{name: tool, run: func() (procResult, error) {
			res, err := runProc(procSpec{argv: b.tools.followArgv(tool, b.kubeconfig, tg), env: b.env,
				killAtFirstByte: true, timeout: 30 * time.Second})
			if err == nil && res.firstByte < 0 {
				err = fmt.Errorf("no output (exit %d)", res.exitCode)
			}
			return res, err
		}})
	}
	b.res.p1 = b.alternate("P1", b.opts.runs, true, vs)
}

// followTools are the followers compared in P1: the plugin, its -baseline build if any, kubectl,
// stern and curl.
func (b *bench) followTools() []string {
	if b.tools.baseline != "" {
		return []string{toolPlugin, toolBaseline, toolKubectl, toolStern, toolCurl}
	}
	return []string{toolPlugin, toolKubectl, toolStern, toolCurl}
}

// p2Variant is a P2 command: a tool reading a log of a given size.
type p2Variant struct {
	name, tool string
	log        logStats
}

// p2 streams the big log (and, for P3, a 1 MB one with the plugin) to the end with each tool.
// Every run gets a fresh RUNNING task holding the log; the task Succeeds as soon as the stream
// delivered its first byte, so the test kubelet ends the stream once the file is drained.
func (b *bench) p2() {
	vars := []p2Variant{
		{toolPlugin, toolPlugin, b.res.big}, {toolKubectl, toolKubectl, b.res.big},
		{toolStern, toolStern, b.res.big}, {toolCurl, toolCurl, b.res.big},
		{toolCurlTimestamps, toolCurlTimestamps, b.res.big},
		{"plugin 1 MB", toolPlugin, b.res.small},
	}
	if b.tools.baseline != "" {
		vars = append(vars[:1], append([]p2Variant{{toolBaseline, toolBaseline, b.res.big}}, vars[1:]...)...)
	}
	rounds := b.opts.p2Runs
	// Prepare all tasks before measuring, so that no set-up competes with a run for the CPU.
	type prepared struct {
		task *testbed.Task
		tg   followTarget
	}
	tasks := make([][]prepared, rounds+1)
	var wg sync.WaitGroup
	errs := make(chan error, (rounds+1)*len(vars))
	sem := make(chan struct{}, 4)
	for r := range tasks {
		tasks[r] = make([]prepared, len(vars))
		for i, v := range vars {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: "bench-p2", TaskID: newTaskID("p2")})
				if err == nil {
					err = placeLog(v.log.path, task.LogPath())
				}
				if err != nil {
					errs <- err
					return
				}
				tasks[r][i] = prepared{task, tg}
			})
		}
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.fatalf("P2 setup: %v", err)
	}
	logf("P2: %d tasks ready", (rounds+1)*len(vars))
	next := map[string]int{}
	var vs []variant
	for i, v := range vars {
		vs = append(vs, variant{name: v.name, run: func() (procResult, error) {
			p := tasks[next[v.name]][i]
			next[v.name]++
			spec := procSpec{argv: b.tools.followArgv(v.tool, b.kubeconfig, p.tg), env: b.env, timeout: 5 * time.Minute,
				onFirstByte: func() {
					if err := p.task.Succeed(b.ctx); err != nil {
						logf("P2: Succeed %s: %v", p.tg.taskID, err)
					}
				}}
			if v.tool == toolStern {
				spec.killAtBytes = v.log.textBytes // stern never exits on its own
			}
			res, err := runProc(spec)
			want := v.log.textBytes
			if v.tool == toolCurlTimestamps {
				want = v.log.stampedBytes
			}
			if err == nil && res.bytes != want {
				err = fmt.Errorf("printed %d bytes, want %d (exit %d, timed out %v)", res.bytes, want, res.exitCode, res.timedOut)
			}
			if err == nil && v.tool != toolStern && res.exitCode != 0 {
				err = fmt.Errorf("exit code %d", res.exitCode)
			}
			return res, err
		}})
	}
	b.res.p2 = b.alternate("P2", rounds, true, vs)
}

// p4Key names a P4 scenario.
type p4Key struct {
	cmd  string // "follow" or "check"
	jobs int    // peon Jobs in the namespace
}

// p4Result is what the runs of one P4 scenario counted.
type p4Result struct {
	debug      []int // --debug request lines per run
	audit      []auditCount
	wall       []time.Duration
	debugKinds map[string]int // of the last run
	fails      int
}

// p4 counts the API requests of follow and check with few and many peon Jobs in the namespace.
func (b *bench) p4() {
	sizes := []int{10, b.opts.manyJobs}
	b.res.p4 = map[p4Key]*p4Result{}
	followTasks := map[int][]followTarget{}
	taskOf := map[string]*testbed.Task{}
	checkTask := map[int]followTarget{}
	// The tasks come first: once 10,000 Jobs are queued, the Job controller takes minutes to
	// create a new Job's pod.
	for _, n := range sizes {
		ns := fmt.Sprintf("bench-p4-%d", n)
		for i := range b.opts.p4Runs + 1 {
			kind := "p4follow"
			if i == 0 {
				kind = "p4check"
			}
			task, tg, err := b.runningTask(testbed.TaskSpec{Namespace: ns, TaskID: newTaskID(kind)})
			if err == nil {
				err = task.AppendLog("2026-11-26T10:00:00,000 INFO [main] org.apache.druid.cli.CliPeon - Starting up.")
			}
			if err != nil {
				b.fatalf("P4 setup: %v", err)
			}
			if i == 0 {
				checkTask[n] = tg
				continue
			}
			followTasks[n] = append(followTasks[n], tg)
			taskOf[tg.taskID] = task
		}
	}
	for _, n := range sizes {
		ns := fmt.Sprintf("bench-p4-%d", n)
		start := time.Now()
		if err := createPeonJobs(b.ctx, b.bed, ns, n); err != nil {
			b.fatalf("P4: creating %d Jobs: %v", n, err)
		}
		logf("P4: %d suspended peon Jobs in %s created in %v", n, ns, time.Since(start).Round(time.Millisecond))
	}
	var vs []variant
	for _, cmd := range []string{"follow", "check"} {
		for _, n := range sizes {
			key := p4Key{cmd, n}
			r := &p4Result{}
			b.res.p4[key] = r
			run := 0
			vs = append(vs, variant{name: fmt.Sprintf("%s %d", cmd, n), run: func() (procResult, error) {
				tg := checkTask[n]
				spec := procSpec{env: b.env, timeout: time.Minute}
				if cmd == "follow" {
					tg = followTasks[n][run]
					task := taskOf[tg.taskID]
					spec.onFirstByte = func() { _ = task.Succeed(b.ctx) }
				}
				run++
				spec.argv = []string{b.tools.plugin, "--kubeconfig", b.kubeconfig, "--debug", cmd, tg.taskID, "-n", tg.ns}
				if cmd == "follow" {
					spec.argv = append(spec.argv, "-q")
				}
				offset := auditSize(b.bed.AuditLog())
				res, err := runProc(spec)
				if err == nil && res.exitCode != 0 {
					err = fmt.Errorf("exit code %d", res.exitCode)
				}
				if err != nil {
					r.fails++
					return res, err
				}
				ac, err := countAudit(b.bed.AuditLog(), offset)
				if err != nil {
					r.fails++
					return res, err
				}
				nDebug, kinds := countDebug(res.stderr)
				r.debug, r.audit, r.wall = append(r.debug, nDebug), append(r.audit, ac), append(r.wall, res.exit)
				r.debugKinds = kinds
				return res, nil
			}})
		}
	}
	b.alternate("P4", b.opts.p4Runs, false, vs)
}

// p5 times check on a healthy and on a broken task, and version against kubectl version.
func (b *bench) p5() {
	ns := "bench-p5"
	healthy, htg, err := b.runningTask(testbed.TaskSpec{Namespace: ns, TaskID: newTaskID("healthy")})
	if err == nil {
		err = healthy.AppendLog("2026-11-26T10:00:00,000 INFO [main] org.apache.druid.cli.CliPeon - Starting up.")
	}
	if err != nil {
		b.fatalf("P5 setup: %v", err)
	}
	_, btg, err := b.runningTask(testbed.TaskSpec{Namespace: ns, TaskID: newTaskID("broken"),
		Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"})
	if err != nil {
		b.fatalf("P5 setup: %v", err)
	}
	cmds := []struct {
		name     string
		argv     []string
		wantFail bool
	}{
		{"check healthy", []string{b.tools.plugin, "--kubeconfig", b.kubeconfig, "check", htg.taskID, "-n", ns}, false},
		{"check broken", []string{b.tools.plugin, "--kubeconfig", b.kubeconfig, "check", btg.taskID, "-n", ns}, true},
		{"plugin version", []string{b.tools.plugin, "version", "--client"}, false},
		{"kubectl version --client", []string{b.tools.kubectl, "version", "--client"}, false},
	}
	var vs []variant
	for _, c := range cmds {
		vs = append(vs, variant{name: c.name, run: func() (procResult, error) {
			res, err := runProc(procSpec{argv: c.argv, env: b.env, timeout: time.Minute})
			if err == nil && (res.exitCode != 0) != c.wantFail {
				err = fmt.Errorf("unexpected exit code %d", res.exitCode)
			}
			return res, err
		}})
	}
	b.res.p5 = b.alternate("P5", b.opts.runs, true, vs)
	b.res.p5Exit = map[string]int{}
	for _, c := range cmds {
		if runs := b.res.p5.runs[c.name]; len(runs) > 0 {
			b.res.p5Exit[c.name] = runs[0].exitCode
		}
	}
	b.res.sizes = map[string]int64{toolPlugin: fileSize(b.tools.plugin), toolKubectl: fileSize(b.tools.kubectl),
		toolStern: fileSize(b.tools.stern)}
}
