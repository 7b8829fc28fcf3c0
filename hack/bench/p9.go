package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// P9: an hours-long task's log through the kubelet's rotation (issue 21). A RUNNING task writes
// -p9-mb of Druid lines live while the test kubelet rotates its log at containerLogMaxSize
// 1 MiB (containerLogMaxFiles 5) and serves it through the kubelet's own reader; the plugin
// follows it to the end and every printed line is checked: none lost, none twice. Beside it in
// the same session: kubectl logs -f on the same kind of rotating log, and the plugin on the same
// amount written live without rotation (P2's question at this size).

// p9Options are P9's flags.
type p9Options struct {
	p9MB      int
	p9MaxSize int64
}

func registerP9Flags(o *p9Options) {
	flag.IntVar(&o.p9MB, "p9-mb", 500, "P9: MB of printed text written through the rotations")
	flag.Int64Var(&o.p9MaxSize, "p9-max-size", 1<<20, "P9: containerLogMaxSize of the rotating log, bytes")
}

// p9Run is one P9 command's outcome.
type p9Run struct {
	name, tool string
	rotate     bool
	res        procResult
	err        error
	lines      int64 // written
	text       int64 // printed bytes expected
	rotations  int
	check      seqCheck
}

// p9Result is what P9 measured.
type p9Result struct {
	maxSize int64
	runs    []p9Run
}

// p9Epoch is the log4j time of line 0; line i is stamped i ms later, so the stamp is its number.
var p9Epoch = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

const p9StampLayout = "2006-01-02T15:04:05,000"

// p9Line is line i: one of the lines druidLine mixes, never a stack-trace line (those carry no
// log4j time), stamped p9Epoch + i ms.
func p9Line(r *rand.Rand, i int64) string {
	ts := p9Epoch.Add(time.Duration(i) * time.Millisecond)
	for {
		if l := druidLine(r, ts); l[0] != '\t' {
			return l
		}
	}
}

// seqCheck counts lines lost and repeated in a printed stream of p9Lines, by their stamps.
type seqCheck struct {
	next, lost, repeated, foreign int64
	partial                       []byte
}

func (c *seqCheck) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p...)
			break
		}
		line := p[:i]
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
			c.partial = c.partial[:0]
		}
		c.line(line)
		p = p[i+1:]
	}
	return n, nil
}

func (c *seqCheck) line(l []byte) {
	if len(l) < len(p9StampLayout) {
		c.foreign++
		return
	}
	ts, err := time.Parse(p9StampLayout, string(l[:len(p9StampLayout)]))
	if err != nil {
		c.foreign++
		return
	}
	s := int64(ts.Sub(p9Epoch) / time.Millisecond)
	switch {
	case s == c.next:
		c.next++
	case s > c.next:
		c.lost += s - c.next
		c.next = s + 1
	default:
		c.repeated++
	}
}

// finish counts the lines never printed at the end.
func (c *seqCheck) finish(total int64) {
	if c.next < total {
		c.lost += total - c.next
	}
}

func (b *bench) p9() {
	b.res.p9 = &p9Result{maxSize: b.opts.p9MaxSize}
	for _, v := range []struct {
		name, tool string
		rotate     bool
	}{
		{"plugin, rotating", toolPlugin, true},
		{"kubectl logs -f, rotating", toolKubectl, true},
		{"plugin, no rotation", toolPlugin, false},
	} {
		run := b.p9Run(v.name, v.tool, v.rotate)
		run.tool = v.tool
		if run.err != nil {
			logf("P9 %s: %v", v.name, run.err)
		}
		b.res.p9.runs = append(b.res.p9.runs, run)
	}
	for _, r := range b.res.p9.runs {
		if r.tool == toolPlugin && (r.err != nil || r.check.lost != 0 || r.check.repeated != 0) {
			b.fatalf("P9 %s: lost %d, repeated %d (%v)", r.name, r.check.lost, r.check.repeated, r.err)
		}
	}
}

// p9Run writes the P9 log live into a fresh RUNNING task while tool follows it to the end.
func (b *bench) p9Run(name, tool string, rotate bool) p9Run {
	run := p9Run{name: name, rotate: rotate}
	spec := testbed.TaskSpec{Namespace: "bench-p9", TaskID: newTaskID("p9")}
	if rotate {
		spec.LogRotation = &kubeletlog.Policy{MaxSize: b.opts.p9MaxSize, MaxFiles: 5}
	}
	task, tg, err := b.runningTask(spec)
	if err != nil {
		run.err = err
		return run
	}
	wrote := make(chan error, 1)
	go func() {
		// The follower must have its stream before the first rotation, or the first file is gone
		// from the API before it asks (P9 runs alone: the one open stream is the follower's).
		err := testbed.WaitFor(b.ctx, time.Minute, "the follower's log stream", func(context.Context) (bool, error) {
			n, err := b.bed.OpenLogStreams()
			return n >= 1, err
		})
		if err == nil {
			err = b.p9Write(task, rotate, &run)
		}
		wrote <- err
	}()
	run.res, run.err = runProc(procSpec{argv: b.tools.followArgv(tool, b.kubeconfig, tg), env: b.env,
		timeout: 2 * time.Hour, sink: &run.check})
	if err := <-wrote; err != nil && run.err == nil {
		run.err = err
	}
	run.check.finish(run.lines)
	if rotate {
		run.rotations, _ = task.LogRotations()
	}
	if run.err == nil && run.res.exitCode != 0 {
		run.err = fmt.Errorf("exit code %d: %s", run.res.exitCode, excerpt(run.res.stderr))
	}
	logf("P9 %s: %d lines, %.0f MB, %d rotations, wall %.1f s, CPU %.1f s, lost %d, repeated %d, other lines %d", name,
		run.lines, mb(run.text), run.rotations, run.res.lastByte.Seconds(), run.res.cpu().Seconds(), run.check.lost,
		run.check.repeated, run.check.foreign)
	return run
}

// p9Write writes p9-mb of lines in 256 KiB writes, then ends the task. With rotation it lets the
// kubelet rotate at MaxSize before writing on, as a peon writing steadily finds its file rotated
// every 10 s: the writer never runs more than one file ahead of the kubelet's rotation.
func (b *bench) p9Write(task *testbed.Task, rotate bool, run *p9Run) error {
	r := rand.New(rand.NewPCG(9, 9))
	path := task.LogPath()
	want := int64(b.opts.p9MB) * 1e6
	var chunk []byte
	var stamp []byte
	flush := func() error {
		if err := kubeletlog.AppendFile(path, chunk); err != nil {
			return err
		}
		chunk = chunk[:0]
		if !rotate {
			return nil
		}
		deadline := time.Now().Add(time.Minute)
		for {
			info, err := os.Stat(path)
			if err != nil && !os.IsNotExist(err) {
				return err
			}
			if err != nil || info.Size() < b.opts.p9MaxSize {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the log was not rotated within a minute at %d bytes", info.Size())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	for run.text < want {
		text := p9Line(r, run.lines)
		stamp = time.Now().UTC().AppendFormat(stamp[:0], "2006-01-02T15:04:05.000000000Z")
		chunk = append(chunk, stamp...)
		chunk = append(chunk, " stdout F "...)
		chunk = append(chunk, text...)
		chunk = append(chunk, '\n')
		run.lines++
		run.text += int64(len(text)) + 1
		if len(chunk) >= 256<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return task.Succeed(b.ctx)
}

// mdP9 renders P9.
func (r *results) mdP9(p printer) {
	if r.p9 == nil {
		return
	}
	p("**P9 through log rotation** (a RUNNING task writes %.0f MB of Druid lines live in 256 KiB writes; the test kubelet rotates the log at containerLogMaxSize %d KiB, containerLogMaxFiles 5, and serves it with the kubelet's own reader (cri-client ReadLogs), which reopens the new file; each printed line is checked by its number; wall = process start → last byte; one run each)",
		float64(r.opts.p9MB), r.p9.maxSize>>10)
	p("")
	p("| command | lines | rotations | lost | repeated | wall s | MB/s | CPU user+sys s | peak RSS MB |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, run := range r.p9.runs {
		if run.err != nil {
			p("| %s | failed: %s | | | | | | | |", run.name, excerpt(run.err.Error()))
			continue
		}
		w := run.res.lastByte.Seconds()
		p("| %s | %d | %d | %d | %d | %.1f | %.1f | %.1f | %.1f |", run.name, run.lines, run.rotations, run.check.lost,
			run.check.repeated, w, mb(run.text)/w, run.res.cpu().Seconds(), float64(run.res.maxRSSKB)/1024)
	}
	p("")
}

// runsAny reports whether -only (empty: every phase) selects one of phases.
func runsAny(only string, phases ...string) bool {
	if only == "" {
		return true
	}
	for _, ph := range strings.Split(strings.ToUpper(only), ",") {
		if slices.Contains(phases, strings.TrimSpace(ph)) {
			return true
		}
	}
	return false
}
