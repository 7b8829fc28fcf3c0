//go:build e2e

package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// TestFaultsWhileFollowing injects one fault per story while lines are
// written; every story compares the lines written with the lines printed.
func TestFaultsWhileFollowing(t *testing.T) {
	tests := []struct {
		name  string
		fault func(t *testing.T, p *proc, w *lineWriter)
		end   func(t *testing.T, task *testbed.Task)
		code  int
		say   string
	}{
		{"API server restarted mid-stream", func(t *testing.T, p *proc, w *lineWriter) {
			must(t, bed.RestartAPIServer(testCtx(t)))
			w.write(t, 20)
		}, succeed, 0, "exited 0"},
		{"log endpoint killed and restarted", func(t *testing.T, p *proc, w *lineWriter) {
			must(t, bed.StopLogServer())
			w.write(t, 30)                          // written while nothing serves logs
			p.expectStderr(t, "log stream dropped") // a reconnect has failed: the fault under test
			must(t, bed.StartLogServer())
		}, succeed, 0, "log stream dropped"},
		{"Job deleted by the Overlord right after completion", nil, func(t *testing.T, task *testbed.Task) {
			must(t, task.Succeed(testCtx(t)))
			must(t, task.DeleteJob(testCtx(t)))
		}, 0, "exited 0"},
		{"pod deleted mid-follow", nil, func(t *testing.T, task *testbed.Task) {
			must(t, bed.Clientset().CoreV1().Pods(task.Spec.Namespace).Delete(testCtx(t), task.PodName(), metav1.DeleteOptions{}))
		}, 6, "was deleted before container main ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := newNamespace(t)
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_fault_abcdefgh"}, numbered("cut", 0, 50)...)
			w := &lineWriter{task: task, next: 50, written: numbered("cut", 0, 50)}
			p := startPlugin(t, "follow", "index_fault_abcdefgh", "-n", ns)
			p.expect(t, numbered("cut", 0, 50)...)
			w.write(t, 20)
			p.expect(t, numbered("cut", 50, 20)...)
			if tt.fault != nil {
				tt.fault(t, p, w)
			}
			w.write(t, 10)
			p.expect(t, w.written[70:]...) // everything after the 70 lines already seen
			tt.end(t, task)
			r := p.wait(t, 2*time.Minute)
			expectCode(t, r, tt.code, tt.say)
			w.compare(t, r.stdout)
		})
	}
}

func succeed(t *testing.T, task *testbed.Task) { must(t, task.Succeed(testCtx(t))) }

// TestSignalsExitCleanly: SIGINT exits 130 and SIGTERM 143, after the lines
// already received, with no trace.
func TestSignalsExitCleanly(t *testing.T) {
	for _, sig := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(sig.sig.String(), func(t *testing.T) {
			ns := newNamespace(t)
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-signal"}, "before the signal")
			p := startPlugin(t, "follow", "query-signal", "-n", ns)
			p.expect(t, "before the signal")
			must(t, p.cmd.Process.Signal(sig.sig))
			r := p.wait(t, 10*time.Second)
			expectCode(t, r, sig.code)
			if strings.Contains(r.stderr, "error") {
				t.Fatalf("an interrupt is not an error:\n%s", r.stderr)
			}
		})
	}
}

// TestClosedStdoutExitsQuietly is `kubectl druid-logs follow X | head -1`.
func TestClosedStdoutExitsQuietly(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-head"}, "first", "second")
	cmd := exec.Command(plugin, "--kubeconfig", bed.Kubeconfig(), "follow", "query-head", "-n", ns)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.StdoutPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	must(t, err)
	if line != "first\n" {
		t.Fatalf("first line = %q", line)
	}
	out.Close() // head -1 exits
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for i := 0; i < 50; i++ { // the next writes hit the closed pipe
		must(t, task.AppendLog("more"))
		select {
		case <-done:
			if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "panic") {
				t.Fatalf("trace on stderr:\n%s", stderr.String())
			}
			if strings.Contains(stderr.String(), "error") {
				t.Fatalf("a closed pipe is not an error to report:\n%s", stderr.String())
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	cmd.Process.Kill()
	t.Fatal("the plugin kept running after its stdout was closed")
}
