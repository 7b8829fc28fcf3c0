//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// readmeRole is the least-privilege Role the README documents.
func readmeRole() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list"}},
	}
}

// without returns the Role minus one verb of one resource.
func without(resource, verb string) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, r := range readmeRole() {
		if r.Resources[0] == resource {
			var verbs []string
			for _, v := range r.Verbs {
				if v != verb {
					verbs = append(verbs, v)
				}
			}
			if len(verbs) == 0 {
				continue
			}
			r.Verbs = verbs
		}
		out = append(out, r)
	}
	return out
}

// TestReadmeRoleIsSufficientAndEveryRuleIsNeeded: with the README's Role,
// follow and check work; without any one of its permissions, check exits 5
// and names the missing permission.
func TestReadmeRoleIsSufficientAndEveryRuleIsNeeded(t *testing.T) {
	ns := newNamespace(t)
	task := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-rbac-min"}, "visible with the README role")
	kc, err := bed.UserKubeconfig(testCtx(t), "readme-role-"+ns, ns, readmeRole())
	must(t, err)
	rep, r := checkJSON(t, "query-rbac-min", "-n", ns, "--kubeconfig", kc)
	expectCode(t, r, 0)
	if !strings.Contains(findCheck(t, rep, "permissions"), "all 8 permissions granted") {
		t.Fatalf("permissions: %s", findCheck(t, rep, "permissions"))
	}
	p := startPlugin(t, "--kubeconfig", kc, "follow", "query-rbac-min", "-n", ns)
	p.expect(t, "visible with the README role")
	must(t, task.Succeed(testCtx(t)))
	expectCode(t, p.wait(t, time.Minute), 0)

	runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "query-rbac-minus"}, "x")
	for _, missing := range []struct{ resource, verb, name string }{
		{"jobs", "get", "get jobs.batch"}, {"jobs", "list", "list jobs.batch"}, {"jobs", "watch", "watch jobs.batch"},
		{"pods", "get", "get pods"}, {"pods", "list", "list pods"}, {"pods", "watch", "watch pods"},
		{"pods/log", "get", "get pods/log"}, {"events", "list", "list events"},
	} {
		t.Run("without "+missing.name, func(t *testing.T) {
			kc, err := bed.UserKubeconfig(testCtx(t), "minus-"+strings.NewReplacer("/", "-", ".", "-", " ", "-").Replace(missing.name)+"-"+ns, ns,
				without(missing.resource, missing.verb))
			must(t, err)
			rep, r := checkJSON(t, "query-rbac-minus", "-n", ns, "--kubeconfig", kc)
			expectCode(t, r, 5)
			if got := findCheck(t, rep, "permissions"); !strings.Contains(got, missing.name) {
				t.Fatalf("permissions check does not name %q: %s", missing.name, got)
			}
		})
	}
}
