//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// Hours-long tasks (issue 21): a Kafka or Kinesis task writes far more than the kubelet keeps in
// one file, stays quiet long enough for an idle timeout, and outlives its credentials. The test
// kubelet rotates as the kubelet does and serves the log through the kubelet's own reader
// (package kubeletlog).

// discardLines keeps reading the plugin's stdout lines so a long story never fills the channel
// (the final comparison uses everything printed).
func discardLines(p *proc) {
	go func() {
		for {
			select {
			case <-p.lines:
			case <-p.done:
				return
			}
		}
	}()
}

// waitRotations waits until the test kubelet has rotated the task's log n times.
func waitRotations(t *testing.T, task *testbed.Task, n int) {
	t.Helper()
	must(t, testbed.WaitFor(testCtx(t), time.Minute, fmt.Sprintf("%d rotations", n), func(context.Context) (bool, error) {
		got, err := task.LogRotations()
		return got >= n, err
	}))
}

// TestFollowThroughFiftyRotationsPrintsEveryLineOnce: 200,000 numbered lines written while the
// kubelet rotates the log 50 times (containerLogMaxSize 512 KiB here); an unbroken follow reopens
// each new file as the kubelet's reader does and prints every line once, in order.
func TestFollowThroughFiftyRotationsPrintsEveryLineOnce(t *testing.T) {
	const rotations, perFile = 50, 4000 // 4,000 lines are ~590 KB of CRI records: one rotation each
	ns := newNamespace(t)
	const id = "index_kafka_wikipedia_rotating_abcdefgh"
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Type: "index_kafka",
		LogRotation: &kubeletlog.Policy{MaxSize: 512 << 10, MaxFiles: 5}})
	written := numbered("rotating", 0, 1)
	must(t, task.AppendLog(written...))
	p := startPlugin(t, "follow", id, "-n", ns)
	waitPrinted(t, p, written...)
	discardLines(p)
	for k := range rotations {
		batch := numbered("rotating", 1+k*perFile, perFile)
		must(t, task.AppendLog(batch...))
		written = append(written, batch...)
		waitRotations(t, task, k+1)
	}
	tail := numbered("rotating", 1+rotations*perFile, 10)
	must(t, task.AppendLog(tail...))
	written = append(written, tail...)
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, 5*time.Minute)
	expectCode(t, r, 0)
	n, err := task.LogRotations()
	must(t, err)
	t.Logf("%d rotations", n)
	promised(t, r, written)
}

// TestIdleCutStreamsLoseNothing: a quiet task's stream is ended after 1.5 s of silence, as a load
// balancer's or the kubelet's idle timeout ends it, cleanly or by a reset, several times; the
// follow resumes each time and prints every line once.
func TestIdleCutStreamsLoseNothing(t *testing.T) {
	for _, abrupt := range []bool{false, true} {
		t.Run(fmt.Sprintf("abrupt=%v", abrupt), func(t *testing.T) {
			must(t, bed.SetIdleCut(1500*time.Millisecond, abrupt))
			t.Cleanup(func() { _ = bed.SetIdleCut(0, false) })
			ns := newNamespace(t)
			const id = "index_kafka_wikipedia_quiet_abcdefgh"
			written := numbered("quiet", 0, 20)
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Type: "index_kafka"}, written...)
			p := startPlugin(t, "follow", id, "-n", ns)
			waitPrinted(t, p, written...)
			for burst := 1; burst <= 3; burst++ {
				time.Sleep(3 * time.Second) // silence: the stream is cut meanwhile
				more := numbered("quiet", burst*20, 20)
				must(t, task.AppendLog(more...))
				written = append(written, more...)
				awaitPrinted(t, p, 30*time.Second, more...)
			}
			must(t, task.Succeed(testCtx(t)))
			r := p.wait(t, time.Minute)
			expectCode(t, r, 0)
			t.Logf("stderr:\n%s", r.stderr)
			promised(t, r, written)
		})
	}
}

// TestTokenFileReplacedMidFollow: the follow runs as a ServiceAccount whose kubeconfig reads a
// token file. Mid-follow the token is replaced in the file and the old one revoked, then the
// stream drops: the follow must go on with the new token (client-go re-reads the file, at once
// after a 401) and print every line once.
func TestTokenFileReplacedMidFollow(t *testing.T) {
	ns := newNamespace(t)
	const id = "index_kafka_wikipedia_token_abcdefgh"
	user, err := bed.TokenUser(testCtx(t), "druid-logs-reader", ns, readmeRole())
	must(t, err)
	written := numbered("token", 0, 20)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: id, Type: "index_kafka"}, written...)
	p := startPlugin(t, "--kubeconfig", user.Kubeconfig(), "follow", id, "-n", ns)
	waitPrinted(t, p, written...)
	must(t, user.Rotate(testCtx(t)))
	_, err = bed.CutStreams()
	must(t, err)
	more := numbered("token", 20, 20)
	must(t, task.AppendLog(more...))
	written = append(written, more...)
	awaitPrinted(t, p, 30*time.Second, more...)
	must(t, task.Succeed(testCtx(t)))
	r := p.wait(t, time.Minute)
	expectCode(t, r, 0)
	promised(t, r, written)
}
