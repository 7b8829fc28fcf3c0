package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// firstByteRuns are runs whose first stdout byte came after each of msList milliseconds.
func firstByteRuns(msList ...float64) []procResult {
	var rs []procResult
	for _, m := range msList {
		rs = append(rs, procResult{firstByte: time.Duration(m * float64(time.Millisecond))})
	}
	return rs
}

// TestP7Report checks the round-trip estimate, the budgets at 25 ms and that the tables and
// commands are rendered; the figures are made up.
func TestP7Report(t *testing.T) {
	x := &p7Result{rtts: p7RTTs, tools: []string{toolPlugin, toolKubectl, toolStern, toolCurl},
		s: series{runs: map[string][]procResult{}, fails: map[string]int{}}}
	base := map[string]float64{toolPlugin: 40, toolKubectl: 80, toolStern: 100, toolCurl: 20}
	trips := map[string]float64{toolPlugin: 4, toolKubectl: 6, toolStern: 5, toolCurl: 3}
	for _, rtt := range x.rtts {
		for _, tool := range x.tools {
			m := base[tool] + trips[tool]*ms(rtt)
			x.s.runs[p7Name(tool, rtt)] = firstByteRuns(m-1, m, m+5)
			x.s.order = append(x.s.order, p7Name(tool, rtt))
		}
	}
	if got := x.roundTrips(toolPlugin, 25*time.Millisecond); got != 4 {
		t.Fatalf("plugin round trips at 25 ms = %v, want 4", got)
	}
	r := &results{p7: x, ran: map[string]bool{"P7": true}, opts: options{runs: 3},
		p8: series{order: []string{"plugin check", "kubectl get job,pod"}, runs: map[string][]procResult{
			"plugin check": {{exit: 200 * time.Millisecond}}, "kubectl get job,pod": {{exit: 300 * time.Millisecond}}}}}
	bs := r.budgets()
	if len(bs) != 2 {
		t.Fatalf("budgets %+v, want the two P7 ones only", bs)
	}
	// plugin 140 ms vs kubectl 230 ms (0.61×, missed) and stern 225 ms (0.62×, met).
	if bs[0].ok || !bs[1].ok {
		t.Errorf("budgets %+v: want kubectl missed, stern met", bs)
	}
	var b strings.Builder
	p := func(format string, args ...any) {
		b.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
	}
	r.mdP7(p)
	r.mdP8(p)
	r.mdP7Commands(p)
	out := b.String()
	for _, want := range []string{"| plugin | 25 | 140 |", "≈ 4.0 round trips", "plugin 4.0, kubectl 6.0, stern 5.0, curl 3.0 round trips", "| plugin check | 200 |", "auth can-i --list", "follow TASK -n NS -q"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
