//go:build e2e

package testbed

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestSupervisorRollsTasks: generations of two tasks overlap (the next runs before the last
// ends), every task carries the datasource's labels, and each log holds exactly Lines.
func TestSupervisorRollsTasks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ds := "wiki_" + runID
	ns := "supervisor-" + runID
	sup, err := bed.StartSupervisor(ctx, SupervisorSpec{
		Task:        TaskSpec{Namespace: ns, DataSource: ds, Adapter: AdapterCustomTemplate},
		Generations: 3, TaskCount: 2, Lines: 3, LineEvery: 50 * time.Millisecond, Handoff: time.Second,
		ExitCode: func(g, i int) int32 {
			if g == 2 && i == 1 {
				return 2
			}
			return 0
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var started []*Task
	for task := range sup.Started() {
		started = append(started, task)
		// A task of the next generation starts while the previous generation hands off.
		if g := (len(started) - 1) / 2; g > 0 {
			for _, prev := range started[(g-1)*2 : g*2] {
				if p := podOf(t, ctx, prev); p.Status.Phase != corev1.PodRunning {
					t.Errorf("generation %d started after %s ended (%s)", g, prev.Spec.TaskID, p.Status.Phase)
				}
			}
		}
	}
	if err := sup.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(started) != 6 || len(sup.Tasks()) != 6 {
		t.Fatalf("started %d tasks, Tasks() %d, want 6", len(started), len(sup.Tasks()))
	}
	groups := map[string]bool{}
	for i, task := range sup.Tasks() {
		if task != started[i] || !strings.HasPrefix(task.Spec.TaskID, "index_kafka_"+ds+"_") {
			t.Fatalf("task %d: %s", i, task.Spec.TaskID)
		}
		l := task.Job.Labels
		if l["druid.task.datasource"] != StringLabel(ds) || l["druid.task.type"] != StringLabel("index_kafka") {
			t.Fatalf("labels of %s: %v", task.JobName, l)
		}
		groups[l["druid.task.group.id"]] = true
		p := podOf(t, ctx, task)
		want := corev1.PodSucceeded
		if i == 5 {
			want = corev1.PodFailed
		}
		if p.Status.Phase != want {
			t.Fatalf("%s: phase %s, want %s", task.Spec.TaskID, p.Status.Phase, want)
		}
		out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "logs", "-n", ns, task.PodName()).CombinedOutput()
		lines := sup.Lines(task)
		if err != nil || string(out) != strings.Join(lines, "\n")+"\n" || len(lines) != 5 {
			t.Fatalf("logs of %s: %q %v, want %q", task.PodName(), out, err, lines)
		}
	}
	if len(groups) != 1 {
		t.Fatalf("group ids %v, want one", groups)
	}
	// The datasource label selects exactly the supervisor's pods.
	out, err := exec.Command(bed.Kubectl(), "--kubeconfig", bed.Kubeconfig(), "get", "pods", "-n", ns, "-o", "name",
		"-l", "druid.task.datasource="+StringLabel(ds)).CombinedOutput()
	if n := strings.Count(string(out), "pod/"); err != nil || n != 6 {
		t.Fatalf("pods by datasource label: %d %q %v", n, out, err)
	}
}

// TestSupervisorManualSequential: with Manual and no Handoff, nothing rolls before Roll, and a
// generation has ended before the next one starts.
func TestSupervisorManualSequential(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := "supervisor-manual-" + runID
	sup, err := bed.StartSupervisor(ctx, SupervisorSpec{
		Task:        TaskSpec{Namespace: ns, Type: "index_kinesis", DataSource: "clicks", Node: NodeKWOK},
		Generations: 2, Lines: 2, LineEvery: 10 * time.Millisecond, Gap: 200 * time.Millisecond, Manual: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	first := <-sup.Started()
	time.Sleep(500 * time.Millisecond)
	if n := len(sup.Tasks()); n != 1 || podOf(t, ctx, first).Status.Phase != corev1.PodRunning {
		t.Fatalf("before Roll: %d tasks, first %s", n, podOf(t, ctx, first).Status.Phase)
	}
	sup.Roll()
	second := <-sup.Started()
	if p := podOf(t, ctx, first); p.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("second started while the first was %s", p.Status.Phase)
	}
	if second.Spec.GroupID != "index_kinesis_clicks" || !strings.HasPrefix(second.Spec.TaskID, "index_kinesis_clicks_") {
		t.Fatalf("second task %s group %s", second.Spec.TaskID, second.Spec.GroupID)
	}
	select {
	case <-sup.Done():
		t.Fatal("the last generation ended without Roll")
	case <-time.After(300 * time.Millisecond):
	}
	sup.Roll()
	if err := sup.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := sup.Lines(second); len(got) != 4 || !strings.HasSuffix(got[3], "handed off, exiting") {
		t.Fatalf("lines of the second task: %q", got)
	}
}

func podOf(t *testing.T, ctx context.Context, task *Task) *corev1.Pod {
	t.Helper()
	p, err := task.Cluster().Clientset().CoreV1().Pods(task.Spec.Namespace).Get(ctx, task.PodName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
