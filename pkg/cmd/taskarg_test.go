package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

// TestWhyAndBundleResolveAPastedName: check, why and bundle, given a Job or
// pod name (plain or with its kind), report the task's real ID (the task.id
// annotation) and say the resolution on stderr.
func TestWhyAndBundleResolveAPastedName(t *testing.T) {
	const id = "index_kafka_wiki_a_abcdefgh"
	job := listJob("druid", "indexkafkawikiaabcdefgh-hm5sq", id, true)
	job.Status.Failed = 1
	job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue,
		Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}}
	pod := listPod(job, "10.0.0.1", &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"})
	pod.Status.Phase = corev1.PodFailed
	// bundle asks the kubeconfig's API server for its version: there is
	// none here.
	empty := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	for _, arg := range []string{job.Name, pod.Name, "job/" + job.Name, "pod/" + pod.Name} {
		for _, command := range []string{"check", "why", "bundle"} {
			t.Run(command+" "+arg, func(t *testing.T) {
				var out, errOut bytes.Buffer
				g := &Globals{ConfigFlags: &KubeFlags{KubeConfig: empty}}
				g.Out, g.ErrOut = &out, &errOut
				a, err := parseTaskArg(arg)
				if err != nil {
					t.Fatal(err)
				}
				cl := &Clients{Kube: kubetest.Wrap(fake.NewClientset(job, pod)), Namespace: "druid", Debugf: func(string, ...any) {}}
				var got string
				switch command {
				case "check":
					o := &CheckOptions{Globals: g, arg: a, clients: cl}
					o.task.Container = "main"
					err = o.Run(context.Background())
					got = o.TaskID
					if !strings.Contains(out.String(), "Task "+id+" in namespace druid") || !strings.Contains(out.String(), "druid-logs why "+id+" ") {
						t.Errorf("check's report does not name the task by its ID:\n%s", out.String())
					}
				case "why":
					o := &WhyOptions{Globals: g, arg: a, clients: cl, Tail: 5}
					o.task.Container = "main"
					err = o.Run(context.Background())
					got = o.TaskID
				case "bundle":
					o := &BundleOptions{Globals: g, arg: a, clients: cl, File: "-"}
					o.task.Container = "main"
					err = o.Run(context.Background())
					got = o.TaskID
				}
				if got != id {
					t.Errorf("task ID %q, want %q", got, id)
				}
				if strings.Contains(out.String()+errOut.String()+errString(err), "Task "+arg) ||
					strings.Contains(errString(err), "task "+arg) {
					t.Errorf("the pasted name is used as the task ID: %v\n%s", err, errOut.String())
				}
				if command == "why" && !strings.Contains(errString(err), "task "+id+" failed") {
					t.Errorf("error %v, want task %s failed", err, id)
				}
				if !strings.Contains(errOut.String(), " is task "+id) {
					t.Errorf("stderr does not say the resolution:\n%s", errOut.String())
				}
			})
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
