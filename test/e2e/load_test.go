//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestFollowingFiftyTasksStaysBounded follows an MSQ group of 50 tasks at
// once and measures what it costs: one log stream per task, goroutines,
// threads and memory; every line must still be printed once.
func TestFollowingFiftyTasksStaysBounded(t *testing.T) {
	ns := newNamespace(t)
	const ctrl = "query-0e0e0e0e-1111-4222-8333-444444444444"
	tasks := []*testbed.Task{runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: ctrl}, "controller line")}
	for i := 0; i < 49; i++ {
		tasks = append(tasks, runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: fmt.Sprintf("%s-worker%d_0", ctrl, i), GroupID: ctrl},
			fmt.Sprintf("worker %d line", i)))
	}
	p := startPlugin(t, "follow", ctrl, "-n", ns, "--group", "--debug")
	must(t, testbed.WaitFor(testCtx(t), time.Minute, "50 followers", func(context.Context) (bool, error) {
		return strings.Count(p.errText(), "] following pod") == 50, nil
	}))
	must(t, testbed.WaitFor(testCtx(t), time.Minute, "50 open streams", func(context.Context) (bool, error) {
		n, err := bed.OpenLogStreams()
		return n == 50, err
	}))
	rss, threads := procStatus(t, p.cmd.Process.Pid)
	streams, _ := bed.OpenLogStreams()
	for i, task := range tasks {
		must(t, task.AppendLog(fmt.Sprintf("task %d says goodbye", i)))
	}
	for _, task := range tasks[1:] {
		must(t, task.Succeed(testCtx(t)))
	}
	must(t, tasks[0].Succeed(testCtx(t)))
	r := p.wait(t, 2*time.Minute)
	expectCode(t, r, 0, "50 task(s) followed, 0 failed")
	for i := range tasks {
		if n := strings.Count(r.stdout, fmt.Sprintf("task %d says goodbye\n", i)); n != 1 {
			t.Fatalf("task %d's last line printed %d times", i, n)
		}
	}
	goroutines := 0
	for _, m := range regexp.MustCompile(`(\d+) goroutines`).FindAllStringSubmatch(r.stderr, -1) {
		n, _ := strconv.Atoi(m[1])
		goroutines = max(goroutines, n)
	}
	t.Logf("50 tasks followed at once: %d open log streams, peak %d goroutines, %d threads, RSS %d MiB", streams, goroutines, threads, rss>>20)
	if streams != 50 || goroutines > 50*12 || threads > 64 {
		t.Fatalf("not bounded: %d streams, %d goroutines, %d threads", streams, goroutines, threads)
	}
}

// procStatus reads VmRSS (bytes) and Threads of a process from /proc.
func procStatus(t *testing.T, pid int) (rss int64, threads int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	must(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "VmRSS:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		case len(f) >= 2 && f[0] == "Threads:":
			threads, _ = strconv.Atoi(f[1])
		}
	}
	return rss, threads
}
