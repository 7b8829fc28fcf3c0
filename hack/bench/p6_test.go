package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunStreamsSeesEveryStreamsFirstLine: whatever a tool puts before a line, the marker tells
// the stream; onAllFirst runs once, when the last stream showed up; a follower that never exits
// is killed at the last expected line, with the children it left (sleep holds stdout open).
func TestRunStreamsSeesEveryStreamsFirstLine(t *testing.T) {
	script := `printf 'pod-0 main %s\n' "$(M 0)"; printf 'pod-0 main body\n'; sleep 0.2
printf '[task 2] %s\n' "$(M 2)"; printf 'pod-1 main %s\n' "$(M 1)"; printf 'x\ny\n'; sleep 60`
	argv := []string{"sh", "-c", `M() { printf 'Starting up, ` + p6Marker + `%03d.' "$1"; }; ` + script}
	calls := 0
	run, err := runStreams(streamSpec{argv: argv, streams: 3, wantLines: 6, killAtWant: true,
		onAllFirst: func() { calls++ }, timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if run.streams != 3 || calls != 1 || run.lines != 6 || run.decoy || !run.proc.killed || run.proc.timedOut || run.proc.exit > 10*time.Second {
		t.Fatalf("got %+v, %d onAllFirst calls", run, calls)
	}
	if run.allFirst < 200*time.Millisecond || run.firstFirst >= run.allFirst || run.lastLine < run.allFirst {
		t.Fatalf("first %v, all first %v, last line %v", run.firstFirst, run.allFirst, run.lastLine)
	}
}

// TestRunStreamsNoticesADecoy: a line of a task outside the selection is noticed.
func TestRunStreamsNoticesADecoy(t *testing.T) {
	run, err := runStreams(streamSpec{argv: []string{"echo", "pod-x " + p6DecoyText}, streams: 1, wantLines: 1,
		onAllFirst: func() {}, timeout: 10 * time.Second})
	if err != nil || !run.decoy || run.streams != 0 || run.proc.exitCode != 0 {
		t.Fatalf("got %+v, %v", run, err)
	}
}

func TestReadAuditByUserAgent(t *testing.T) {
	lines := []string{
		`{"auditID":"a","stage":"ResponseStarted","verb":"watch","userAgent":"stern/v0.0.0 (linux/amd64) kubernetes/$Format","objectRef":{"resource":"pods"}}`,
		`{"auditID":"a","stage":"ResponseComplete","verb":"watch","userAgent":"stern/v0.0.0 (linux/amd64) kubernetes/$Format","objectRef":{"resource":"pods"}}`,
		`{"auditID":"b","stage":"ResponseComplete","verb":"get","userAgent":"stern/v0.0.0","objectRef":{"resource":"pods","subresource":"log"}}`,
		`{"auditID":"c","stage":"ResponseComplete","verb":"get","userAgent":"kubectl-druid_logs","objectRef":{"resource":"pods","subresource":"log"}}`,
		`{"auditID":"d","stage":"ResponseStarted","verb":"get","userAgent":"stern/v0.0.0","objectRef":{"resource":"pods","subresource":"log"}}`,
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, pending, err := readAuditBy(path, 0, func(ua string) bool { return strings.HasPrefix(ua, "stern") })
	if err != nil || c.requests != 2 || c.started != 2 || pending != 1 || c.summary() != "get pods/log, watch pods" {
		t.Fatalf("got %+v, pending %d, %v", c, pending, err)
	}
}

func TestWriteP6Logs(t *testing.T) {
	logs, err := writeP6Logs(t.TempDir(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	first := string(logs.first(7))
	if !strings.HasSuffix(first, " stdout F "+p6FirstText(7)+"\n") || !strings.Contains(first, p6Marker+"007.") {
		t.Fatalf("first line %q", first)
	}
	if first[:30] >= string(logs.body[:30]) {
		t.Fatalf("first line stamped %s, not before the body's %s", first[:30], logs.body[:30])
	}
	lines := strings.Count(string(logs.body), "\n") + 1
	if logs.stats.lines != lines || logs.stats.textBytes < 10000 || logs.stats.fileBytes != int64(len(first)+len(logs.body)) {
		t.Fatalf("stats %+v, want %d lines, %d file bytes", logs.stats, lines, len(first)+len(logs.body))
	}
}

// TestP6BudgetsNeedBothTools: no budget rows while the plugin cannot take part, and no verdict
// of "met" from a tool without a successful run.
func TestP6BudgetsNeedBothTools(t *testing.T) {
	x := &p6Result{tasks: 2, pluginSkipped: "no --datasource", runs: map[string][]p6Run{}}
	r := &results{p6: []*p6Result{x}}
	if bs := r.p6Budgets(); bs != nil {
		t.Fatalf("budgets of a skipped plugin: %v", bs)
	}
	x.pluginSkipped = ""
	stern := p6Run{proc: procResult{user: 4 * time.Second, maxRSSKB: 100 << 10}, allFirst: 8 * time.Second}
	x.runs[toolStern] = []p6Run{stern}
	for _, b := range r.p6Budgets() {
		if b.ok {
			t.Fatalf("budget %q met without a plugin run", b.name)
		}
	}
	plugin := p6Run{proc: procResult{user: 500 * time.Millisecond, sys: 500 * time.Millisecond, maxRSSKB: 20 << 10},
		allFirst: 500 * time.Millisecond}
	plugin.audit.requests, plugin.audit.kinds = 3, map[string]int{"get pods/log": 2, "list jobs": 1}
	x.runs[toolPlugin] = []p6Run{plugin}
	bs := r.p6Budgets()
	if len(bs) != 6 {
		t.Fatalf("budgets %+v", bs)
	}
	for _, b := range bs {
		if !b.ok {
			t.Fatalf("budget %+v not met", b)
		}
	}
	if bs[2].measured != "0.25×" {
		t.Fatalf("CPU ratio %q, want 0.25×", bs[2].measured)
	}
	// Beyond 50 tasks the first lines have 3 s, and no ratio to stern's time.
	x.tasks = 200
	if bs := r.p6Budgets(); len(bs) != 5 || !strings.Contains(bs[0].name, "≤ 3 s") {
		t.Fatalf("budgets at 200 tasks %+v", bs)
	}
}
