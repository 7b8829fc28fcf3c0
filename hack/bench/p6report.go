package main

import (
	"fmt"
	"strings"
)

// P6's part of the README section: its table, its budgets and its commands.

var (
	allFirstS  = func(r p6Run) float64 { return r.allFirst.Seconds() }
	firstS     = func(r p6Run) float64 { return r.firstFirst.Seconds() }
	lastLineS  = func(r p6Run) float64 { return r.lastLine.Seconds() }
	p6CPUS     = func(r p6Run) float64 { return cpuS(r.proc) }
	p6RSSMB    = func(r p6Run) float64 { return rssMB(r.proc) }
	p6Requests = func(r p6Run) float64 { return float64(r.audit.requests) }
	p6LogReqs  = func(r p6Run) float64 { return float64(r.audit.kinds["get pods/log"]) }
	p6Shared   = func(r p6Run) float64 { return float64(r.audit.requests - r.audit.kinds["get pods/log"]) }
)

// ofP6 summarises metric m over P6 runs.
func ofP6(runs []p6Run, m func(p6Run) float64) dist {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = m(r)
	}
	return summarize(xs)
}

func (r *results) mdP6(p printer) {
	x := r.p6
	if x == nil {
		return
	}
	p("**P6 many tasks of one datasource** (%d RUNNING tasks with customTemplateAdapter labels, plus %d RUNNING tasks of another datasource that nobody may follow, in a fresh namespace per run; each task's log holds one line when the command starts; once every stream has printed it, %.1f MB more (%d lines in all) are appended to every log and the tasks Succeed, so every stream ends after its last line; the plugin exits by itself (`--until-done`), stern never does and is killed at the last expected line; wall = process start → last line; CPU and peak RSS cover the whole run; %d runs each)",
		x.tasks, p6Decoys, mb(x.perTask.textBytes), x.perTask.lines, r.opts.p6Runs)
	p("")
	if x.pluginSkipped != "" {
		p("**Plugin not measured:** %s. stern alone below.", x.pluginSkipped)
		p("")
	}
	p("| command | every stream's first line s | first line s | wall s | CPU user+sys s | peak RSS MB | requests (audit) | of which log reads (GET pods/log) | other requests | runs (failed) |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, tool := range x.order {
		runs := x.runs[tool]
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d (%d) |", tool, fmtDist(ofP6(runs, allFirstS), "%.2f"),
			fmtDist(ofP6(runs, firstS), "%.2f"), fmtDist(ofP6(runs, lastLineS), "%.2f"), fmtDist(ofP6(runs, p6CPUS), "%.2f"),
			fmtDist(ofP6(runs, p6RSSMB), "%.1f"), countStr(ofP6(runs, p6Requests)), countStr(ofP6(runs, p6LogReqs)),
			countStr(ofP6(runs, p6Shared)), len(runs), x.fails[tool])
	}
	p("")
	for _, tool := range x.order {
		if runs := x.runs[tool]; len(runs) > 0 {
			p("Requests of %s in its last run, by kind: %s.", tool, runs[len(runs)-1].audit.summary())
		}
	}
	p("stern opens its log streams through client-go's default client rate limit (a burst of 10, then 5 requests/s; seen in the audit log), which alone makes ~8 s for 50 streams.")
	p("")
}

// countStr is rangeStr for a sample that may be empty.
func countStr(d dist) string {
	if d.n == 0 {
		return "n/a"
	}
	return rangeStr(d)
}

// p6Budgets are issue 15's budgets: the plugin's CPU and peak RSS at most half of stern's, and
// one log stream per task. None when the plugin was not measured.
func (r *results) p6Budgets() []budget {
	x := r.p6
	if x == nil || x.pluginSkipped != "" {
		return nil
	}
	pl, st := x.runs[toolPlugin], x.runs[toolStern]
	half := func(m func(p6Run) float64) (string, bool) {
		a, b := ofP6(pl, m), ofP6(st, m)
		if a.n == 0 || b.n == 0 {
			return "n/a (no successful run)", false
		}
		q := ratio(a.med, b.med)
		return fmtRatio(q), q <= 0.5
	}
	var bs []budget
	got, ok := half(p6CPUS)
	bs = append(bs, budget{fmt.Sprintf("P6 CPU ≤ 0.5× stern (%d tasks × %.1f MB)", x.tasks, mb(x.perTask.textBytes)), got, ok})
	got, ok = half(p6RSSMB)
	bs = append(bs, budget{"P6 peak RSS ≤ 0.5× stern", got, ok})
	// Per task: one log stream, and once the container has ended a read that confirms the log
	// was drained, plus a reconnect when the stream closed before the pod's end was reported
	// (the promise of issue 12). Everything else is shared: the Job and the pod LIST and WATCH.
	ok, got = len(pl) > 0, "n/a"
	for _, run := range pl {
		ok = ok && p6Shared(run) <= 4 && run.audit.kinds["get pods/log"] <= 3*x.tasks
	}
	if len(pl) > 0 {
		last := pl[len(pl)-1]
		got = fmt.Sprintf("%d log reads + %d shared (%s)", last.audit.kinds["get pods/log"], int(p6Shared(last)), last.audit.summary())
	}
	bs = append(bs, budget{fmt.Sprintf("P6 requests: ≤ 3 log reads per task (%d tasks), shared ones ≤ 4 whatever the tasks", x.tasks), got, ok})
	return bs
}

// mdP6Commands are P6's lines of the exact-commands block.
func (r *results) mdP6Commands(p printer) {
	if r.p6 == nil {
		return
	}
	extra := strings.Join(r.p6.pluginFlags, " ")
	if extra != "" {
		extra = " " + extra
	}
	p("# P6 (NS: a fresh namespace per run)")
	p("kubectl-druid_logs --kubeconfig K follow --datasource %s -n NS --until-done%s", p6DataSource, extra)
	p("stern -n NS -l druid.task.datasource=%s --max-log-requests %d --kubeconfig K", p6DataSource, r.p6.tasks)
}
