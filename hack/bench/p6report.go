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
	for _, x := range r.p6 {
		r.mdP6Size(p, x)
	}
	if len(r.p6) > 0 {
		p("stern opens its log streams through client-go's default client rate limit (a burst of 10, then 5 requests/s; seen in the audit log), which alone makes ~8 s for 50 streams. The plugin's limit is 50 requests/s after a burst of max(100, --max-log-requests + 10) (pkg/kube/ratelimit.go).")
		p("")
	}
	r.mdP6Startup(p)
}

// mdP6Size is the table of one size.
func (r *results) mdP6Size(p printer, x *p6Result) {
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
	p("")
}

// countStr is rangeStr for a sample that may be empty.
func countStr(d dist) string {
	if d.n == 0 {
		return "n/a"
	}
	return rangeStr(d)
}

// p6Budgets are the budgets of every size. None when the plugin was not measured.
func (r *results) p6Budgets() []budget {
	var bs []budget
	for _, x := range r.p6 {
		bs = append(bs, x.budgets()...)
	}
	return bs
}

// budgets are issue 22's budgets at one size: every first line within 1 s and at most 0.2×
// stern's time at 50 tasks (within 3 s beyond 50); CPU and peak RSS at most 0.3× stern's; peak
// RSS at most 20 MB + 0.2 MB per stream; and (issue 15) ≤ 3 log reads per task, the other
// requests constant. None when the plugin was not measured.
func (x *p6Result) budgets() []budget {
	if x.pluginSkipped != "" {
		return nil
	}
	pl, st := x.runs[toolPlugin], x.runs[toolStern]
	vsStern := func(m func(p6Run) float64, limit float64) (string, bool) {
		a, b := ofP6(pl, m), ofP6(st, m)
		if a.n == 0 || b.n == 0 {
			return "n/a (no successful run)", false
		}
		q := ratio(a.med, b.med)
		return fmtRatio(q), q <= limit
	}
	var bs []budget
	first := ofP6(pl, allFirstS)
	limit := 1.0
	if x.tasks > 50 {
		limit = 3.0
	}
	bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: every stream's first line ≤ %.0f s", x.tasks, limit),
		fmt.Sprintf("%.2f s (max %.2f s)", first.med, first.max), first.n > 0 && first.max <= limit})
	if x.tasks <= 50 {
		got, ok := vsStern(allFirstS, 0.2)
		bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: every first line ≤ 0.2× stern's time", x.tasks), got, ok})
	}
	got, ok := vsStern(p6CPUS, 0.3)
	bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: CPU ≤ 0.3× stern (%d tasks × %.1f MB)", x.tasks, x.tasks, mb(x.perTask.textBytes)), got, ok})
	got, ok = vsStern(p6RSSMB, 0.3)
	bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: peak RSS ≤ 0.3× stern", x.tasks), got, ok})
	rss, limitMB := ofP6(pl, p6RSSMB), 20+0.2*float64(x.tasks)
	bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: peak RSS ≤ 20 MB + 0.2 MB × %d streams = %.0f MB", x.tasks, x.tasks, limitMB),
		fmt.Sprintf("%.1f MB (max %.1f)", rss.med, rss.max), rss.n > 0 && rss.max <= limitMB})
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
	bs = append(bs, budget{fmt.Sprintf("P6 %d tasks: requests ≤ 3 log reads per task, shared ones ≤ 4 whatever the tasks", x.tasks), got, ok})
	return bs
}

// mdP6Commands are P6's lines of the exact-commands block.
func (r *results) mdP6Commands(p printer) {
	for _, x := range r.p6 {
		extra := strings.Join(x.pluginFlags, " ")
		if extra != "" {
			extra = " " + extra
		}
		p("# P6, %d tasks (NS: a fresh namespace per run)", x.tasks)
		p("kubectl-druid_logs --kubeconfig K follow --datasource %s -n NS --until-done%s", p6DataSource, extra)
		p("stern -n NS -l druid.task.datasource=%s --max-log-requests %d --kubeconfig K", p6DataSource, x.tasks)
	}
}
