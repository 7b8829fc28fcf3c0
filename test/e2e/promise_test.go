//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// The product's promise while following: every log line exactly once, in
// order, through whatever ends or breaks the stream. Each story here writes
// lines, breaks the stream in one way a real cluster does, and compares the
// lines written with the lines printed.

// TestCleanEarlyEndAfterTheContainerEndedLosesNothing: a proxy stalls the
// stream, the container writes its last lines (the very last one not yet
// ended by a newline) and exits, the end is reported, and only then does the
// stream end, cleanly, before the log's tail was sent. A clean end after the
// container's end is not proof that the log was drained.
func TestCleanEarlyEndAfterTheContainerEndedLosesNothing(t *testing.T) {
	// The stream ends this long after the container's end is reported. A
	// follower that cuts a silent stream of an ended container by itself
	// may get there first when the wait is long, so both are told.
	for _, after := range []time.Duration{300 * time.Millisecond, 1500 * time.Millisecond} {
		t.Run(fmt.Sprintf("stream ends %v after the end", after), func(t *testing.T) {
			ns := newNamespace(t)
			const id = "index_early_end_abcdefgh"
			written := numbered("early", 0, 20)
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id}, written...)
			p := startPlugin(t, "follow", id, "-n", ns)
			p.expect(t, written...)
			held, err := bed.HoldStreams()
			must(t, err)
			if held < 1 {
				t.Fatalf("no open stream to hold")
			}
			more := numbered("early", 20, 30)
			must(t, task.AppendLog(more...))
			last := "the last words, with no newline after them"
			must(t, task.AppendUnterminated(crilog.Record{Time: time.Now(), Stream: crilog.Stdout, Content: []byte(last)}))
			must(t, task.Succeed(testCtx(t))) // returns once the API server has the terminated status
			time.Sleep(after)                 // the plugin's pod watch sees it meanwhile
			ended, err := bed.EndStreamsCleanly()
			must(t, err)
			t.Logf("held %d stream(s); %d still open when ended cleanly", held, ended)
			r := p.wait(t, time.Minute)
			expectCode(t, r, 0)
			promised(t, r, append(append(written, more...), last))
		})
	}
}

// TestResumeInsideASplitLongLine: a 40 KB line is written as containerd
// writes it, three records of at most 16 KiB whose timestamps straddle a
// second; short lines follow. When the stream is cut and resumed from the
// second of the last line printed, a kubelet's answer can begin inside the
// long line, with an unstamped continuation of it: it was printed already
// and must not be printed again, neither whole nor in part.
func TestResumeInsideASplitLongLine(t *testing.T) {
	for _, tt := range []struct {
		name   string
		shorts time.Duration // offset of the first short line from the long line's first record
	}{
		{"short lines in the second where the long line ends", 700 * time.Millisecond},
		{"short lines more than a second later", 1800 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t)
			const id = "index_long_line_abcdefgh"
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id})
			// Timestamps in the recent past, so the resume's sinceTime is known.
			sec := time.Now().Add(-10 * time.Second).Truncate(time.Second)
			first := sec.Add(700 * time.Millisecond)
			long := longLine(40 * 1024)
			must(t, task.AppendLogAt(sec.Add(100*time.Millisecond), "before the long line"))
			must(t, task.AppendLongLine(long, crilog.DefaultMaxRecord, first, sec.Add(1200*time.Millisecond), sec.Add(1300*time.Millisecond)))
			written := []string{"before the long line", long}
			for i := range 3 {
				l := fmt.Sprintf("short line %d after the long line", i)
				must(t, task.AppendLogAt(first.Add(tt.shorts+time.Duration(i)*100*time.Millisecond), l))
				written = append(written, l)
			}
			streams, err := bed.OpenLogStreams()
			must(t, err)
			p := startPlugin(t, "follow", id, "-n", ns)
			waitPrinted(t, p, written[len(written)-1])
			waitStreams(t, streams+1)
			_, err = bed.CutStreams()
			must(t, err)
			after := numbered("resumed", 0, 10)
			must(t, task.AppendLog(after...))
			awaitPrinted(t, p, 30*time.Second, after[len(after)-1])
			must(t, task.Succeed(testCtx(t)))
			r := p.wait(t, time.Minute)
			expectCode(t, r, 0)
			if n := strings.Count(r.stdout, "long-line-at-"); n != 40*1024/len("long-line-at-000000|") {
				t.Errorf("the long line's pieces printed %d times, want %d (once each)", n, 40*1024/len("long-line-at-000000|"))
			}
			promised(t, r, append(written, after...))
		})
	}
}

// longLine is a line of n bytes whose every 20-byte piece says where it is,
// so that a fragment printed anywhere is recognised.
func longLine(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i += 20 {
		fmt.Fprintf(&b, "long-line-at-%06d|", i)
	}
	return b.String()[:n]
}

// TestGroupRidesOutAnAPIServerRestart: `follow --group` of an MSQ
// controller and its worker while the API server restarts, at once or after
// staying down 10 s (an upgrade, a crash loop); lines are written during and
// after the outage, then both tasks succeed.
func TestGroupRidesOutAnAPIServerRestart(t *testing.T) {
	for _, down := range []time.Duration{0, 10 * time.Second} {
		t.Run(fmt.Sprintf("down %v", down), func(t *testing.T) { groupThroughRestart(t, down) })
	}
}

func groupThroughRestart(t *testing.T, down time.Duration) {
	ns := newNamespace(t)
	const ctrl = "query-3e8f2a1b-7c4d-4e5f-a6b7-c8d9e0f1a2b3"
	members := map[string]*memberLog{
		"controller": {prefix: "[controller] ", lines: numbered("ctrl", 0, 5)},
		"worker0_0":  {prefix: "[worker0_0] ", lines: numbered("w0", 0, 5)},
	}
	members["controller"].task = runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl, Type: "query_controller"},
		members["controller"].lines...)
	members["worker0_0"].task = runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl + "-worker0_0", Type: "query_worker",
		GroupID: ctrl}, members["worker0_0"].lines...)
	p := startPlugin(t, "follow", ctrl, "-n", ns, "--group")
	waitPrinted(t, p, "[controller] "+members["controller"].lines[4], "[worker0_0] "+members["worker0_0"].lines[4])
	restarted := make(chan error, 1)
	go func() { restarted <- bed.RestartAPIServerAfter(testCtx(t), down) }()
	for n, done := 5, false; !done; n++ { // lines written while the API server stops, starts and components return
		select {
		case err := <-restarted:
			must(t, err)
			done = true
		case <-time.After(300 * time.Millisecond):
			members["controller"].write(t, numbered("ctrl", n, 1)...)
			members["worker0_0"].write(t, numbered("w0", n, 1)...)
		}
	}
	members["worker0_0"].write(t, numbered("w0", 1000, 5)...)
	members["controller"].write(t, numbered("ctrl", 1000, 5)...)
	must(t, members["worker0_0"].task.Succeed(testCtx(t)))
	members["controller"].write(t, "controller: all workers done")
	must(t, members["controller"].task.Succeed(testCtx(t)))
	r := p.wait(t, 2*time.Minute)
	expectCode(t, r, 0)
	var rest []string
	byMember := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		known := false
		for name, m := range members {
			if s, ok := strings.CutPrefix(l, m.prefix); ok {
				byMember[name], known = append(byMember[name], s), true
			}
		}
		if !known {
			rest = append(rest, l)
		}
	}
	if len(rest) > 0 {
		t.Errorf("lines of no member: %q", rest)
	}
	for name, m := range members {
		t.Run(name, func(t *testing.T) {
			promised(t, result{stdout: strings.Join(byMember[name], "\n") + "\n", stderr: r.stderr}, m.lines)
		})
	}
}

// memberLog is one group member's task and the lines written to its log.
type memberLog struct {
	prefix string
	task   *testbed.Task
	mu     sync.Mutex
	lines  []string
}

func (m *memberLog) write(t *testing.T, lines ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	must(t, m.task.AppendLog(lines...))
	m.lines = append(m.lines, lines...)
}

// TestTailZeroLosesNothingOnADropBeforeTheFirstLine: `--tail 0` shows only
// lines written after the follow began. The first stream drops before any
// new line came, and lines are written while nothing serves logs: they are
// new, so they must be printed, each once, and none of the old ones.
func TestTailZeroLosesNothingOnADropBeforeTheFirstLine(t *testing.T) {
	ns := newNamespace(t)
	const id = "index_tail_zero_abcdefgh"
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id})
	// The old lines are seconds old: no new line shares their second.
	must(t, task.AppendLogAt(time.Now().Add(-5*time.Second), numbered("old", 0, 20)...))
	streams, err := bed.OpenLogStreams()
	must(t, err)
	p := startPlugin(t, "follow", id, "-n", ns, "--tail", "0")
	waitStreams(t, streams+1) // the first stream is open: every line from now on is new
	must(t, bed.StopLogServer())
	written := numbered("new", 0, 10)
	must(t, task.AppendLog(written...)) // while nothing serves logs
	time.Sleep(2 * time.Second)         // reconnects fail meanwhile
	must(t, bed.StartLogServer())
	more := numbered("new", 10, 10)
	must(t, task.AppendLog(more...))
	written = append(written, more...)
	awaitPrinted(t, p, 15*time.Second, more[len(more)-1])
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, time.Minute)
	expectCode(t, r, 0)
	promised(t, r, written)
}

// waitPrinted reads the plugin's stdout until every one of lines is printed,
// in any order (30 s at most). Other lines pass: the story's final
// comparison judges them.
func waitPrinted(t *testing.T, p *proc, lines ...string) {
	t.Helper()
	if !awaitPrinted(t, p, 30*time.Second, lines...) {
		t.Fatalf("not all of %d line(s) printed within 30s\nstderr:\n%s", len(lines), p.errText())
	}
}

// awaitPrinted is waitPrinted that reports false instead of failing, for
// the wait after a fault: a line that never comes is the story's finding,
// told by its final comparison once the task has ended.
func awaitPrinted(t *testing.T, p *proc, d time.Duration, lines ...string) bool {
	t.Helper()
	left := map[string]bool{}
	for _, l := range lines {
		left[l] = true
	}
	deadline := time.After(d)
	for len(left) > 0 {
		select {
		case got := <-p.lines:
			delete(left, got)
		case <-p.done:
			t.Logf("the plugin ended with %d awaited line(s) not printed", len(left))
			return false
		case <-deadline:
			for l := range left {
				t.Logf("%q not printed within %v; ending the task", short(l), d)
				break
			}
			return false
		}
	}
	return true
}

// waitStreams waits until the test kubelet serves at least n follow streams.
func waitStreams(t *testing.T, n int) {
	t.Helper()
	must(t, testbed.WaitFor(testCtx(t), 30*time.Second, fmt.Sprintf("%d open log stream(s)", n), func(context.Context) (bool, error) {
		open, err := bed.OpenLogStreams()
		return open >= n, err
	}))
}

// promised fails unless the run printed exactly want: every line once, in
// order. The failure says which lines were lost, repeated or never written.
func promised(t *testing.T, r result, want []string) {
	t.Helper()
	var got []string
	if r.stdout != "" {
		got = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	}
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		t.Logf("%d lines written, %d printed, identical", len(want), len(got))
		return
	}
	wantN, gotN := map[string]int{}, map[string]int{}
	for _, l := range want {
		wantN[l]++
	}
	for _, l := range got {
		gotN[l]++
	}
	var lost, repeated, foreign []string
	for _, l := range want {
		if gotN[l] < wantN[l] && !contains(lost, l) {
			lost = append(lost, l)
		}
	}
	for _, l := range got {
		switch {
		case wantN[l] == 0:
			foreign = append(foreign, l)
		case gotN[l] > wantN[l] && !contains(repeated, l):
			repeated = append(repeated, l)
		}
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	t.Errorf("promise broken: wrote %d lines, printed %d; first difference at line %d\n"+
		"  lost (%d): %s\n  repeated (%d): %s\n  never written (%d): %s\nstderr:\n%s",
		len(want), len(got), i+1, len(lost), shortList(lost), len(repeated), shortList(repeated),
		len(foreign), shortList(foreign), r.stderr)
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// short shortens a line for a message (the long line is 40 KB), keeping
// both ends: numbered lines differ at the end.
func short(l string) string {
	if len(l) <= 100 {
		return l
	}
	return fmt.Sprintf("%s … %s (%d bytes)", l[:30], l[len(l)-40:], len(l))
}

func shortList(lines []string) string {
	var out []string
	for i, l := range lines {
		if i == 5 {
			out = append(out, fmt.Sprintf("… %d more", len(lines)-5))
			break
		}
		out = append(out, fmt.Sprintf("%q", short(l)))
	}
	return strings.Join(out, ", ")
}
