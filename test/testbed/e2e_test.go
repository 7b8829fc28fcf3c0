//go:build e2e

package testbed

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

var bed *Bed

// knownID is a task id with a known Job name (druid-facts.md); its Job is deleted by its test.
const knownID = "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh"

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	var err error
	// PortOffset: this self-test may run in parallel with other packages' beds on the default
	// ports; E2E_PORT_OFFSET (as for test/e2e) moves it beside other developers' beds.
	offset := 1000
	if v := os.Getenv("E2E_PORT_OFFSET"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil {
			fmt.Fprintln(os.Stderr, "E2E_PORT_OFFSET:", err)
			os.Exit(2)
		}
	}
	bed, err = Start(ctx, Options{PortOffset: offset})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting test bed:", err)
		os.Exit(1)
	}
	code := m.Run()
	bed.Stop()
	os.Exit(code)
}

// follow is a running `kubectl logs -f`.
type follow struct {
	lines chan string
	done  chan error
	cmd   *exec.Cmd
}

func startKubectl(t *testing.T, kubeconfig string, args ...string) *follow {
	t.Helper()
	cmd := exec.Command(bed.Kubectl(), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &follow{lines: make(chan string, 100), done: make(chan error, 1), cmd: cmd}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f.lines <- sc.Text()
		}
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%w: %s", err, stderr.String())
		}
		f.done <- err
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return f
}

func (f *follow) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case l := <-f.lines:
		if l != want {
			t.Fatalf("got line %q, want %q", l, want)
		}
	case err := <-f.done:
		t.Fatalf("kubectl ended before line %q: %v", want, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("no line %q within 10s", want)
	}
}

// runID makes task ids unique per run, so the tests also pass against an attached, reused bed.
var runID = strconv.FormatInt(time.Now().UnixNano()%1e9, 36)

func runningTask(t *testing.T, ctx context.Context, node, id string) *Task {
	t.Helper()
	if id != knownID {
		id += "_" + runID
	}
	task, err := bed.CreateTask(ctx, TaskSpec{TaskID: id, Node: node, DruidVersion: "33"})
	if err != nil {
		t.Fatal(err)
	}
	pod, err := task.Pod(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.PodIP != "" {
		t.Fatalf("new pod already has an IP")
	}
	if err := WaitFor(ctx, 10*time.Second, "ContainerCreating", func(ctx context.Context) (bool, error) {
		p, err := bed.Clientset().CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		if p.Status.Phase != corev1.PodPending || p.Status.PodIP != "" || w == nil || w.Reason != "ContainerCreating" {
			return false, fmt.Errorf("unexpected pending status %+v", p.Status)
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Before SetRunning the test kubelet answers like a kubelet for a waiting container.
	if node == NodeKubelet {
		out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "-n", "default", pod.Name).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "waiting to start: ContainerCreating") {
			t.Fatalf("logs of a pending pod: %q %v", out, err)
		}
	}
	if err := task.SetRunning(ctx); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestKubeletEndingStreamEndsAtExit(t *testing.T) {
	ctx := context.Background()
	task := runningTask(t, ctx, NodeKubelet, knownID)
	if task.JobName != "indexkafkawikipedia5f2c3e1a9ba-56871c80b218bffd8318022717280a33" {
		t.Fatalf("job name %s", task.JobName)
	}
	pod, _ := bed.Clientset().CoreV1().Pods("default").Get(ctx, task.PodName(), metav1.GetOptions{})
	if pod.Status.PodIP == "" || len(pod.OwnerReferences) != 1 || pod.Status.ContainerStatuses[0].ContainerID == "" {
		t.Fatalf("pod not running as expected: %+v", pod.Status)
	}
	if err := task.AppendLog("line 1"); err != nil {
		t.Fatal(err)
	}
	f := startKubectl(t, bed.Kubeconfig(), "logs", "-f", "-n", "default", task.PodName(), "-c", "main")
	f.expect(t, "line 1")
	_ = task.AppendLog("line 2")
	f.expect(t, "line 2")
	_ = task.AppendLog("last line")
	if err := task.Succeed(ctx); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "last line")
	select {
	case err := <-f.done:
		if err != nil {
			t.Fatalf("kubectl: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow did not end after the container terminated")
	}
	// Timestamps and tail on a finished container.
	out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "--timestamps", "--tail=1", "-n", "default", task.PodName()).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "Z last line") {
		t.Fatalf("logs --timestamps --tail=1: %q %v", out, err)
	}
	if err := WaitFor(ctx, 30*time.Second, "Job Complete", func(ctx context.Context) (bool, error) {
		j, err := bed.Clientset().BatchV1().Jobs("default").Get(ctx, task.JobName, metav1.GetOptions{})
		return err == nil && j.Status.Succeeded == 1, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := task.DeleteJob(ctx); err != nil {
		t.Fatal(err)
	}
	if err := task.WaitPodGone(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestKWOKStreamNeverEnds(t *testing.T) {
	ctx := context.Background()
	task := runningTask(t, ctx, NodeKWOK, "query-abc123")
	_ = task.AppendLog("kwok 1")
	f := startKubectl(t, bed.Kubeconfig(), "logs", "-f", "-n", "default", task.PodName())
	f.expect(t, "kwok 1")
	_ = task.AppendLog("kwok 2")
	f.expect(t, "kwok 2")
	if err := task.OOMKill(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-f.done:
		t.Fatalf("KWOK follow ended: %v", err)
	case <-time.After(3 * time.Second):
	}
	p, _ := bed.Clientset().CoreV1().Pods("default").Get(ctx, task.PodName(), metav1.GetOptions{})
	if p.Status.Phase != corev1.PodFailed || p.Status.ContainerStatuses[0].State.Terminated.Reason != "OOMKilled" {
		t.Fatalf("pod status %+v", p.Status)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	task := runningTask(t, ctx, NodeKubelet, "compact_wiki_cut_2024")
	_ = task.AppendLog("before cut")
	f := startKubectl(t, bed.Kubeconfig(), "logs", "-f", "-n", "default", task.PodName())
	f.expect(t, "before cut")
	if n, err := bed.CutStreams(); err != nil || n < 1 {
		t.Fatalf("CutStreams = %d, %v", n, err)
	}
	select {
	case err := <-f.done:
		t.Logf("kubectl after cut: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("follow survived CutStreams")
	}
	if err := bed.StopLogServer(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "-n", "default", task.PodName()).CombinedOutput()
	if err == nil {
		t.Fatalf("logs with stopped log server succeeded: %s", out)
	}
	t.Logf("stopped log server: %s", strings.TrimSpace(string(out)))
	if err := bed.StartLogServer(); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "-n", "default", task.PodName()).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "before cut" {
		t.Fatalf("after StartLogServer: %q %v", out, err)
	}
	if err := bed.RestartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := bed.Clientset().CoreV1().Pods("default").Get(ctx, task.PodName(), metav1.GetOptions{}); err != nil {
		t.Fatalf("after apiserver restart: %v", err)
	}
	if err := task.Fail(ctx, 3); err != nil {
		t.Fatal(err)
	}
}

// TestHoldThenEndCleanly: through the API server, a held stream sends nothing more, even after
// the container ended, and ending it looks like a normal end of the log to kubectl; the rest of
// the log, an unterminated last record included, is still there for a non-follow read.
func TestHoldThenEndCleanly(t *testing.T) {
	ctx := context.Background()
	task := runningTask(t, ctx, NodeKubelet, "query-hold")
	_ = task.AppendLog("before the hold")
	f := startKubectl(t, bed.Kubeconfig(), "logs", "-f", "-n", "default", task.PodName())
	f.expect(t, "before the hold")
	if n, err := bed.HoldStreams(); err != nil || n != 1 {
		t.Fatalf("HoldStreams = %d, %v", n, err)
	}
	_ = task.AppendLog("held back")
	_ = task.AppendUnterminated(crilog.Record{Time: time.Now(), Stream: crilog.Stdout, Content: []byte("no newline")})
	if err := task.Succeed(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-f.lines:
		t.Fatalf("a held stream sent %q", l)
	case err := <-f.done:
		t.Fatalf("a held stream ended: %v", err)
	case <-time.After(time.Second):
	}
	if n, err := bed.EndStreamsCleanly(); err != nil || n != 1 {
		t.Fatalf("EndStreamsCleanly = %d, %v", n, err)
	}
	select {
	case l := <-f.lines:
		t.Fatalf("an ended stream sent %q", l)
	case err := <-f.done:
		if err != nil {
			t.Fatalf("kubectl after a clean end: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("follow survived EndStreamsCleanly")
	}
	out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "-n", "default", task.PodName()).CombinedOutput()
	if err != nil || string(out) != "before the hold\nheld back\nno newline" {
		t.Fatalf("logs after the clean end: %q %v", out, err)
	}
}

func TestUserKubeconfigForbidden(t *testing.T) {
	ctx := context.Background()
	task := runningTask(t, ctx, NodeKubelet, "api-issued_kill_perm_test")
	_ = task.AppendLog("secret")
	read := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}
	kc, err := bed.UserKubeconfig(ctx, "no-logs", "default", []rbacv1.PolicyRule{read})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bed.Kubectl(), "--kubeconfig", kc, "logs", task.PodName()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "forbidden") {
		t.Fatalf("want forbidden, got %q %v", out, err)
	}
	logs := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}}
	kc, err = bed.UserKubeconfig(ctx, "with-logs", "default", []rbacv1.PolicyRule{logs, read})
	if err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bed.Kubectl(), "--kubeconfig", kc, "logs", task.PodName()).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "secret" {
		t.Fatalf("with pods/log: %q %v", out, err)
	}
}

func TestUnschedulablePending(t *testing.T) {
	ctx := context.Background()
	task, err := bed.CreateTask(ctx, TaskSpec{TaskID: "index_parallel_pending_x" + runID, DruidVersion: "27",
		Adapter: AdapterCustomTemplate, Unschedulable: true, Namespace: "druid"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "indexparallelpendingx" + runID; task.Job.Labels["druid.task.id"] != want || task.JobName != want {
		t.Fatalf("job %s labels %v", task.JobName, task.Job.Labels)
	}
	if err := WaitFor(ctx, 30*time.Second, "PodScheduled=False", func(ctx context.Context) (bool, error) {
		p, err := task.Pod(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				return p.Status.PodIP == "", nil
			}
		}
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
}
