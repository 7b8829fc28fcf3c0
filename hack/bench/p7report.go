package main

import (
	"fmt"
	"time"
)

// P7's and P8's part of the README section: their tables, budgets and commands.

// p7Med is the median time to the first byte of tool at rtt in ms, NaN if it has no run.
func (x *p7Result) p7Med(tool string, rtt time.Duration) float64 {
	d := of(x.s.runs[p7Name(tool, rtt)], firstByteMS)
	if d.n == 0 {
		return nan()
	}
	return d.med
}

// p7Min is the fastest time to the first byte of tool at rtt in ms, NaN if it has no run. CPU
// contention on the shared machine only ever adds time, so the minimum carries the least of it.
func (x *p7Result) p7Min(tool string, rtt time.Duration) float64 {
	d := of(x.s.runs[p7Name(tool, rtt)], firstByteMS)
	if d.n == 0 {
		return nan()
	}
	return d.min
}

// roundTrips estimates the sequential round trips of tool at rtt: the extra time over the same
// command through the proxy at 0 ms, divided by rtt, from the minimums (medians of 15 runs
// proved too noisy on a busy machine: curl came out at -0.1 round trips once).
func (x *p7Result) roundTrips(tool string, rtt time.Duration) float64 {
	if rtt == 0 {
		return nan()
	}
	return (x.p7Min(tool, rtt) - x.p7Min(tool, 0)) / ms(rtt)
}

// fmtCount renders an estimated count with one decimal, "–" for NaN.
func fmtCount(v float64) string {
	if v != v {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

func (r *results) mdP7(p printer) {
	x := r.p7
	if x == nil {
		return
	}
	p("**P7 time to first line at a distance** (as P1, through a TCP proxy on 127.0.0.1 that delays each direction by RTT/2 and holds a new connection's first bytes one RTT, as a TCP handshake would; all RTTs and tools alternate in one run; %d runs each)", r.opts.runs)
	p("")
	p("| command | RTT ms | median ms | min ms | max ms | runs (failed) | plugin ÷ this | ≈ round trips (minimums, vs 0 ms) |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, rtt := range x.rtts {
		for _, tool := range x.tools {
			name := p7Name(tool, rtt)
			d := of(x.s.runs[name], firstByteMS)
			p("| %s | %d | %.0f | %.0f | %.0f | %d (%d) | %s | %s |", tool, rtt.Milliseconds(), d.med, d.min, d.max, d.n,
				x.s.fails[name], fmtRatio(ratio(x.p7Med(toolPlugin, rtt), d.med)), fmtCount(x.roundTrips(tool, rtt)))
		}
	}
	p("")
	last := x.rtts[len(x.rtts)-1]
	p("Round trips = (minimum at RTT − minimum at 0 ms) ÷ RTT: an estimate of the sequential round trips, including the TCP handshake and TLS 1.3's one; minimums, since CPU contention only adds time. The plugin at %d ms: %.0f − %.0f ms ≈ %s round trips, i.e. ≈ %s sequential API requests after the two handshakes (the plugin's design: 2, the pod LIST then the log GET, with the pod watch alongside; curl's single GET, 3 round trips in all, is the floor).",
		last.Milliseconds(), x.p7Min(toolPlugin, last), x.p7Min(toolPlugin, 0), fmtCount(x.roundTrips(toolPlugin, last)),
		fmtCount(x.roundTrips(toolPlugin, last)-2))
	if len(x.rtts) >= 3 {
		// The loopback runs are the most sensitive to CPU noise; the slope between the two
		// largest RTTs does without them.
		a, b := x.rtts[len(x.rtts)-2], last
		slope := func(tool string) string {
			return fmtCount((x.p7Min(tool, b) - x.p7Min(tool, a)) / ms(b-a))
		}
		p("Without the loopback runs, (minimum at %d ms − minimum at %d ms) ÷ %d ms: plugin %s, kubectl %s, stern %s, curl %s round trips.",
			b.Milliseconds(), a.Milliseconds(), (b - a).Milliseconds(), slope(toolPlugin), slope(toolKubectl), slope(toolStern), slope(toolCurl))
	}
	p("")
}

func (r *results) mdP8(p printer) {
	if len(r.p8.order) == 0 {
		return
	}
	p("**P8 check at a distance** (%d ms RTT through the same proxy; a healthy RUNNING task; process start → exit; %d runs each)", p8RTT.Milliseconds(), r.opts.runs)
	p("")
	p("| command | median ms | min ms | max ms | runs (failed) | check ÷ this |")
	p("|---|---:|---:|---:|---:|---:|")
	chk := of(r.p8.runs[r.p8.order[0]], exitMS)
	for _, name := range r.p8.order {
		d := of(r.p8.runs[name], exitMS)
		p("| %s | %.0f | %.0f | %.0f | %d (%d) | %s |", name, d.med, d.min, d.max, d.n, r.p8.fails[name], fmtRatio(ratio(chk.med, d.med)))
	}
	p("")
	p("check collects the Job, its pod, 8 permissions (one SelfSubjectAccessReview each, in parallel), the Job's and the pod's events and a 5-line log tail. The kubectl sequence collects the same facts one process after the other (`&&` in one `sh`, timed as a whole); `can-i --list` answers all permissions with one SelfSubjectRulesReview, where one `can-i` per permission would cost 8 × its row. kubectl is given the pod's name, which check finds by itself.")
	p("")
}

// p7Budgets are issue 17's budgets at a distance: at 25 ms RTT, the plugin's first line at most
// 0.5× kubectl's and 0.8× stern's.
func (r *results) p7Budgets() []budget {
	x := r.p7
	if x == nil {
		return nil
	}
	rtt := x.rtts[len(x.rtts)-1]
	var bs []budget
	for _, c := range []struct {
		tool  string
		limit float64
	}{{toolKubectl, 0.5}, {toolStern, 0.8}} {
		q := ratio(x.p7Med(toolPlugin, rtt), x.p7Med(c.tool, rtt))
		bs = append(bs, budget{fmt.Sprintf("P7 first line at %d ms RTT ≤ %.1f× %s", rtt.Milliseconds(), c.limit, c.tool),
			fmtRatio(q), q <= c.limit})
	}
	return bs
}

// mdP7Commands are P7's and P8's lines of the exact-commands block.
func (r *results) mdP7Commands(p printer) {
	if r.p7 != nil {
		p("# P7: P1's commands with KD, a copy of K whose server is the delay proxy (0, 10, 25 ms RTT), and curl to the proxy")
		p("kubectl-druid_logs --kubeconfig KD follow TASK -n NS -q")
		p("kubectl --kubeconfig KD logs -f job/JOB -c main -n NS")
		p("stern job/JOB -c main -o raw -n NS --kubeconfig KD")
		p("curl -sN --cacert CA --cert CERT --key KEY \"https://PROXY/api/v1/namespaces/NS/pods/POD/log?container=main&follow=true\"")
	}
	if len(r.p8.order) > 0 {
		p("# P8 (KD at %d ms RTT)", p8RTT.Milliseconds())
		p("kubectl-druid_logs --kubeconfig KD check TASK -n NS")
		p("kubectl --kubeconfig KD get job/JOB pod/POD -n NS")
		p("kubectl --kubeconfig KD auth can-i get pods --subresource=log -n NS")
		p("kubectl --kubeconfig KD auth can-i --list -n NS")
		p("kubectl --kubeconfig KD get events -n NS")
		p("kubectl --kubeconfig KD logs POD -c main --tail=5 -n NS")
		p("sh -c 'kubectl … get job/JOB pod/POD && kubectl … auth can-i --list && kubectl … get events && kubectl … logs POD -c main --tail=5'  # the sequence, timed as a whole")
	}
}
