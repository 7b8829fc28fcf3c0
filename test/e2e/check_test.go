//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

type checkReport struct {
	TaskID, Namespace, Job, Pod, State, Reason string
	Checks                                     []struct {
		ID, Status, Message, Hint string
		Evidence                  []string
	}
}

// checkJSON runs check -o json and returns the report and the exit code.
func checkJSON(t *testing.T, args ...string) (checkReport, result) {
	t.Helper()
	r := plug(t, append([]string{"check", "-o", "json"}, args...)...)
	var rep checkReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("check -o json printed no JSON (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return rep, r
}

func statuses(rep checkReport) string {
	var s []string
	for _, c := range rep.Checks {
		s = append(s, c.ID+"="+c.Status)
	}
	return strings.Join(s, " ")
}

func findCheck(t *testing.T, rep checkReport, id string) string {
	for _, c := range rep.Checks {
		if c.ID == id {
			return c.Message + " | " + strings.Join(c.Evidence, " | ") + " | " + c.Hint
		}
	}
	t.Fatalf("no check %s", id)
	return ""
}

func TestCheck(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name     string
		setup    func(t *testing.T) (taskID string, extra []string)
		want     string // statuses
		code     int
		check    string // a check whose text must contain mention
		mention  string
		maxTaken time.Duration
	}{
		{"healthy running task", func(t *testing.T) (string, []string) {
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-healthy"}, "ok line")
			return "query-healthy", nil
		}, "job=ok pod=ok running=ok container=ok logs=ok permissions=ok terminated=ok", 0, "logs", "1 lines", 5 * time.Second},
		{"pending unschedulable pod", func(t *testing.T) (string, []string) {
			task := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-unschedulable", Unschedulable: true})
			must(t, testbed.WaitFor(testCtx(t), 30*time.Second, "FailedScheduling", func(ctx context.Context) (bool, error) {
				p, err := task.Pod(ctx)
				if err != nil {
					return false, err
				}
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodScheduled && c.Reason == "Unschedulable" {
						return true, nil
					}
				}
				return false, nil
			}))
			return "query-unschedulable", nil
		}, "job=ok pod=ok running=fail", 4, "running", "FailedScheduling", 0},
		{"image pull failure", func(t *testing.T) (string, []string) {
			task := createTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-badimage", Image: "apache/druid:nope"})
			must(t, task.SetWaiting(testCtx(t), "ImagePullBackOff", `Back-off pulling image "apache/druid:nope"`))
			return "query-badimage", nil
		}, "job=ok pod=ok running=fail", 4, "running", "ImagePullBackOff", 0},
		{"wrong container name", func(t *testing.T) (string, []string) {
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-misnamed", Adapter: testbed.AdapterCustomTemplate, ContainerName: "primary"})
			return "query-misnamed", nil
		}, "job=ok pod=ok running=ok container=fail logs=skipped", 7, "container", "found: primary", 0},
		{"missing RBAC", func(t *testing.T) (string, []string) {
			runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-rbac"}, "hidden")
			kc, err := bed.UserKubeconfig(testCtx(t), "check-rbac-"+ns, ns, []rbacv1.PolicyRule{
				{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list"}},
			})
			must(t, err)
			return "query-rbac", []string{"--kubeconfig", kc}
		}, "job=ok pod=ok running=ok container=ok logs=fail permissions=fail", 5, "permissions", "get pods/log", 0},
		{"finished task with Job deleted", func(t *testing.T) (string, []string) {
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-gone"}, "bye")
			must(t, task.Succeed(testCtx(t)))
			must(t, task.DeleteJob(testCtx(t)))
			must(t, task.WaitPodGone(testCtx(t)))
			return "query-gone", nil
		}, "job=fail pod=skipped", 3, "job", "deleted by the Overlord unless druid.indexer.runner.debugJobs=true", 0},
		{"OOMKilled container", func(t *testing.T) (string, []string) {
			task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-oom"}, "heap")
			must(t, task.OOMKill(testCtx(t)))
			return "query-oom", nil
		}, "job=ok pod=ok running=warning container=ok logs=ok permissions=ok terminated=fail", 6, "terminated", "exit code 137, reason OOMKilled", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, extra := tt.setup(t)
			start := time.Now()
			rep, r := checkJSON(t, append([]string{id, "-n", ns}, extra...)...)
			took := time.Since(start)
			if !strings.HasPrefix(statuses(rep), tt.want) {
				t.Fatalf("statuses = %s, want prefix %s\n%s", statuses(rep), tt.want, r.stdout)
			}
			expectCode(t, r, tt.code)
			if got := findCheck(t, rep, tt.check); !strings.Contains(got, tt.mention) {
				t.Fatalf("check %s does not mention %q: %s", tt.check, tt.mention, got)
			}
			if tt.maxTaken > 0 {
				t.Logf("check took %s", took) // measured, not asserted: machines are shared
			}
			text := plug(t, append([]string{"check", id, "-n", ns, "--no-emoji"}, extra...)...)
			if text.code != tt.code || !strings.Contains(text.stdout, "Task "+id) {
				t.Fatalf("text report (exit %d):\n%s", text.code, text.stdout)
			}
		})
	}
}
