package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
)

// results is everything one benchmark session measured.
type results struct {
	date       time.Time
	machine    string
	goVersion  string
	took       time.Duration
	big, small logStats
	p1, p2, p5 series
	p5Exit     map[string]int
	p4         map[p4Key]*p4Result
	p6         []*p6Result // one per size
	p6Start    series      // start-up: version, follow, curl --version
	p7         *p7Result
	p9         *p9Result
	p8         series
	ran        map[string]bool // phases that ran; nil: all
	sizes      map[string]int64
	opts       options
	versions   map[string]string
	server     string   // the API server URL curl reads from
	failed     []string // phases that failed
}

// Markers of the README region the benchmark owns.
const (
	markerStart = "<!-- bench:start -->"
	markerEnd   = "<!-- bench:end -->"
)

// replaceRegion returns doc with the text between the markers replaced by body.
func replaceRegion(doc []byte, body string) ([]byte, error) {
	i := bytes.Index(doc, []byte(markerStart))
	j := bytes.Index(doc, []byte(markerEnd))
	if i < 0 || j < 0 || j < i {
		return nil, errors.New("README markers " + markerStart + " … " + markerEnd + " not found")
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(markerStart)])
	out.WriteString("\n" + strings.TrimSpace(body) + "\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}

// writeReadme puts body between the markers of the README at path.
func writeReadme(path, body string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceRegion(doc, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".bench.tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// mb is bytes in decimal megabytes.
func mb(n int64) float64 { return float64(n) / 1e6 }

// markdown renders the results as the README section.
func (r *results) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("_%s, %s, %s; whole session %s (`make bench`)._", r.date.UTC().Format("2006-01-02 15:04 MST"), r.machine, r.goVersion, r.took.Round(time.Second))
	p("")
	p("Tools: plugin %s; kubectl %s; stern %s; %s. Test bed: kube-apiserver v1.37.2, etcd, controller-manager and the test kubelet on 127.0.0.1 (`test/testbed`, ports +%d).",
		afterColon(r.versions[toolPlugin]), afterColon(r.versions[toolKubectl]), sternVersion, firstWords(r.versions[toolCurl], 2), r.opts.portOffset)
	p("Runs alternate command by command (A B C D A B C D …) after one discarded warm-up round; figures are median (min–max). MB = 10⁶ bytes.")
	p("")
	if len(r.failed) > 0 {
		p("**Incomplete: phases %s failed (see the log).**", strings.Join(r.failed, ", "))
		p("")
	}
	// With -only, the tables of the phases that did not run are left out.
	for _, t := range []struct {
		phase string
		md    func(printer)
	}{{"P1", r.mdP1}, {"P2", r.mdP2}, {"P4", r.mdP4}, {"P5", r.mdP5}} {
		if r.has(t.phase) {
			t.md(p)
		}
	}
	r.mdP6(p)
	r.mdP7(p)
	r.mdP8(p)
	r.mdP9(p)
	r.mdBudgets(p)
	r.mdCommands(p)
	return b.String()
}

// afterColon is "v1.37.2" for "Client Version: v1.37.2".
func afterColon(s string) string {
	if _, v, ok := strings.Cut(s, ":"); ok {
		return strings.TrimSpace(v)
	}
	return s
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

type printer func(format string, args ...any)

func (r *results) mdP1(p printer) {
	p("**P1 time to first line** (RUNNING task with a 1 MB log; process start → first stdout byte, then killed; %d runs each)", r.opts.runs)
	p("")
	p("| command | median ms | min ms | max ms | runs (failed) | plugin ÷ this |")
	p("|---|---:|---:|---:|---:|---:|")
	pl := of(r.p1.runs[toolPlugin], firstByteMS)
	for _, tool := range r.p1.order {
		d := of(r.p1.runs[tool], firstByteMS)
		p("| %s | %.0f | %.0f | %.0f | %d (%d) | %s |", tool, d.med, d.min, d.max, d.n, r.p1.fails[tool], fmtRatio(ratio(pl.med, d.med)))
	}
	p("")
}

func (r *results) mdP2(p printer) {
	p("**P2 streaming cost, P3 memory** (a RUNNING task whose log already holds %.0f MB, %d lines of %.0f bytes on average; the task Succeeds when the first byte arrives, so the stream ends after the last line; stdout is a pipe that discards it; wall = process start → last byte; peak RSS = the child's VmHWM, read every 10 ms (rusage's maxrss would report the harness's own ~31 MB for any smaller child); %d runs each)",
		mb(r.big.textBytes), r.big.lines, float64(r.big.textBytes)/float64(max(r.big.lines, 1)), r.opts.p2Runs)
	p("")
	p("| command | wall s | MB/s (median) | CPU user+sys s | peak RSS MB | runs (failed) |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, name := range r.p2.order {
		runs := r.p2.runs[name]
		size := r.big.textBytes
		if name == "plugin 1 MB" {
			size = r.small.textBytes
		}
		w := of(runs, lastByteS)
		p("| %s | %s | %.0f | %s | %s | %d (%d) |", name, fmtDist(w, "%.2f"), mb(size)/w.med,
			fmtDist(of(runs, cpuS), "%.2f"), fmtDist(of(runs, rssMB), "%.1f"), w.n, r.p2.fails[name])
	}
	p("")
	p("stern is killed at its last byte (it keeps watching for new pods); the others exit by themselves when the stream ends. \"curl timestamps=true\" asks for the URL the plugin asks for: every line prefixed with its kubelet timestamp, which the plugin needs to resume after a drop without losing or repeating a line, and strips before printing.")
	p("")
}

func (r *results) mdP4(p printer) {
	p("**P4 API requests of the plugin** (client side: `--debug` lines; server side: audit events with user agent `%s`; %d runs each)", pluginUserAgent, r.opts.p4Runs)
	p("")
	p("| command | peon Jobs in namespace | requests (--debug) | requests (audit) | long-running (audit) | requests (audit, by kind) | wall ms |")
	p("|---|---:|---:|---:|---:|---|---:|")
	for _, cmd := range []string{"follow", "check"} {
		for _, n := range []int{10, r.opts.manyJobs} {
			x := r.p4[p4Key{cmd, n}]
			if x == nil || len(x.audit) == 0 {
				p("| %s | %d | n/a | n/a | n/a | failed | n/a |", cmd, n)
				continue
			}
			var dbg, aud, lr []float64
			var walls []float64
			for i := range x.audit {
				dbg, aud = append(dbg, float64(x.debug[i])), append(aud, float64(x.audit[i].requests))
				lr, walls = append(lr, float64(x.audit[i].started)), append(walls, ms(x.wall[i]))
			}
			p("| %s | %d | %s | %s | %s | %s | %.0f |", cmd, n, rangeStr(summarize(dbg)), rangeStr(summarize(aud)),
				rangeStr(summarize(lr)), x.audit[len(x.audit)-1].summary(), summarize(walls).med)
		}
	}
	p("")
}

// rangeStr renders a count that should not vary: "3", or "3–4" if it did.
func rangeStr(d dist) string {
	if d.min == d.max {
		return fmt.Sprintf("%.0f", d.min)
	}
	return fmt.Sprintf("%.0f–%.0f", d.min, d.max)
}

func (r *results) mdP5(p printer) {
	p("**P5 check, start-up, size** (%d runs each)", r.opts.runs)
	p("")
	p("| command | median ms | min ms | max ms | exit code | runs (failed) |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, name := range r.p5.order {
		d := of(r.p5.runs[name], exitMS)
		p("| %s | %.0f | %.0f | %.0f | %d | %d (%d) |", name, d.med, d.min, d.max, r.p5Exit[name], d.n, r.p5.fails[name])
	}
	p("")
	p("Binary size: plugin %.1f MB, kubectl %.1f MB (plugin ÷ kubectl %s), stern %.1f MB.",
		mb(r.sizes[toolPlugin]), mb(r.sizes[toolKubectl]), fmtRatio(ratio(float64(r.sizes[toolPlugin]), float64(r.sizes[toolKubectl]))), mb(r.sizes[toolStern]))
	p("")
}

// budget is one line of the budget table.
type budget struct {
	name, measured string
	ok             bool
}

// has reports whether phase ran in this session (all of them when ran is unset).
func (r *results) has(phase string) bool { return r.ran == nil || r.ran[phase] }

// budgets are the issues' budgets (7, 15 and 17) of the phases that ran.
func (r *results) budgets() []budget {
	var bs []budget
	p1 := func(t string) float64 { return of(r.p1.runs[t], firstByteMS).med }
	p2 := func(t string, m metric) float64 { return of(r.p2.runs[t], m).med }
	if r.has("P1") {
		x := ratio(p1(toolPlugin), p1(toolCurl))
		bs = append(bs, budget{"P1 first line on loopback ≤ 1.1× curl of the log URL", fmtRatio(x), x <= 1.1})
	}
	if r.has("P7") {
		bs = append(bs, r.p7Budgets()...)
	}
	if r.has("P2") {
		x := ratio(p2(toolPlugin, cpuS), p2(toolKubectl, cpuS))
		bs = append(bs, budget{"P2 CPU ≤ 0.5× kubectl", fmtRatio(x), x <= 0.5})
		x = ratio(p2(toolPlugin, lastByteS), p2(toolCurl, lastByteS))
		bs = append(bs, budget{"P2 wall ≤ 1.05× curl", fmtRatio(x), x <= 1.05})
		if ts := p2(toolCurlTimestamps, lastByteS); ts > 0 {
			// Not a budget of the issue: the same limit against curl of the plugin's own request.
			x = ratio(p2(toolPlugin, lastByteS), ts)
			bs = append(bs, budget{"P2 wall ≤ 1.05× curl of the same URL (timestamps=true; not an issue budget)", fmtRatio(x), x <= 1.05})
		}
		big, small := p2(toolPlugin, rssMB), p2("plugin 1 MB", rssMB)
		bs = append(bs, budget{"P3 plugin peak RSS ≤ 20 MB", fmt.Sprintf("%.1f MB (%.0f MB stream)", big, mb(r.big.textBytes)), big <= 20})
		growth := ratio(big-small, small)
		bs = append(bs, budget{"P3 RSS 1 MB vs 200 MB within 10%", fmt.Sprintf("%.1f → %.1f MB (%+.0f%%)", small, big, growth*100), math.Abs(growth) <= 0.10})
	}
	if r.has("P4") {
		bs = append(bs, r.p4Budgets()...)
	}
	if r.has("P5") {
		for _, name := range []string{"check healthy", "check broken"} {
			d := of(r.p5.runs[name], exitMS)
			bs = append(bs, budget{"P5 " + name + " ≤ 1 s", fmt.Sprintf("%.0f ms", d.med), d.n > 0 && d.med <= 1000})
		}
	}
	return append(bs, r.p6Budgets()...)
}

// p4Budgets: follow makes 2 requests before the first line (the pod LIST, then the log GET)
// plus the pod watch alongside, whatever the number of Jobs; the log GETs that confirm the
// log's end after the container ended are not counted. check's requests do not grow with the
// Jobs.
func (r *results) p4Budgets() []budget {
	var bs []budget
	for _, n := range []int{10, r.opts.manyJobs} {
		f := r.p4[p4Key{"follow", n}]
		ok, got := false, "n/a"
		if f != nil && len(f.audit) > 0 {
			ok = true
			for _, a := range f.audit {
				// The pod LIST, then the log GET, with the pod watch alongside; no Job read.
				// The task ends during the run, so the log is read again at its end (the
				// stream's end is confirmed, never assumed): those GETs are not counted.
				ok = ok && a.kinds["list pods"] == 1 && a.kinds["watch pods"] == 1 && a.kinds["get pods/log"] >= 1 &&
					a.requests-a.kinds["get pods/log"] == 2
			}
			got = fmt.Sprintf("%d (%s)", f.audit[0].requests, f.audit[0].summary())
		}
		bs = append(bs, budget{fmt.Sprintf("P4 follow = list pods, get log + the watch (end-of-log reads apart), %d Jobs", n), got, ok})
	}
	c10, cN := r.p4[p4Key{"check", 10}], r.p4[p4Key{"check", r.opts.manyJobs}]
	if c10 != nil && cN != nil && len(c10.audit) > 0 && len(cN.audit) > 0 {
		a, b := c10.audit[0].requests, cN.audit[0].requests
		bs = append(bs, budget{"P4 check requests constant (10 vs many Jobs)", fmt.Sprintf("%d vs %d", a, b), a == b})
	}
	return bs
}

func (r *results) mdBudgets(p printer) {
	p("**Budgets** (ratios of medians from this run)")
	p("")
	p("| budget | measured | verdict |")
	p("|---|---|---|")
	for _, b := range r.budgets() {
		p("| %s | %s | %s |", b.name, b.measured, verdict(b.ok))
	}
	p("")
}

func (r *results) mdCommands(p printer) {
	p("<details><summary>Exact commands</summary>")
	p("")
	p("```sh")
	p("# P1, P2 (K = the bed's admin kubeconfig; P2 adds nothing; stdout is a pipe read and discarded)")
	p("kubectl-druid_logs --kubeconfig K follow TASK -n NS -q")
	p("kubectl --kubeconfig K logs -f job/JOB -c main -n NS")
	p("stern job/JOB -c main -o raw -n NS --kubeconfig K")
	p("curl -sN --cacert CA --cert CERT --key KEY \"%s/api/v1/namespaces/NS/pods/POD/log?container=main&follow=true\"", r.server)
	p("curl -sN --cacert CA --cert CERT --key KEY \"%s/api/v1/namespaces/NS/pods/POD/log?container=main&follow=true&timestamps=true\"  # P2 only", r.server)
	p("# P4")
	p("kubectl-druid_logs --kubeconfig K --debug follow TASK -n NS -q")
	p("kubectl-druid_logs --kubeconfig K --debug check TASK -n NS")
	p("# P5")
	p("kubectl-druid_logs --kubeconfig K check TASK -n NS")
	p("kubectl-druid_logs version --client")
	p("kubectl version --client")
	r.mdP6Commands(p)
	r.mdP7Commands(p)
	p("```")
	p("")
	p("Every command runs with HOME set to a private directory that the warm-up round fills, so kubectl finds a warm discovery cache (`~/.kube/cache`) as a real user's would. P2 tasks are created RUNNING with the log already written and Succeed when the stream's first byte arrives; the test kubelet then ends the stream after the last line. P4 peon Jobs are `suspend: true` Jobs labelled `druid.k8s.peons=true` with a `task.id` annotation.")
	p("</details>")
}
