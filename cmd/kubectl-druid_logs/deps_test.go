package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksOnlyTheAPIGroupsItReads: the plugin's client registers core/v1,
// batch/v1 and authorization/v1 (pkg/kube). One import of client-go's
// clientset links every API group and all their typed and apply clients:
// the binary grew from 17 to 29 MB, and the pages its package initialisation
// touches added 9 MB to every command's resident memory (issue 22: a third
// of a 50-task follow's budget).
func TestLinksOnlyTheAPIGroupsItReads(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err) // no toolchain here: nothing to check
	}
	allowed := map[string]bool{
		"k8s.io/api/core/v1": true, "k8s.io/api/batch/v1": true, "k8s.io/api/authorization/v1": true,
		"k8s.io/api/scheduling/v1alpha3": true, // imported by core/v1's generated code
	}
	var bad []string
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, "k8s.io/api/") && !allowed[pkg],
			pkg == "k8s.io/client-go/kubernetes", strings.HasPrefix(pkg, "k8s.io/client-go/kubernetes/"),
			strings.HasPrefix(pkg, "k8s.io/client-go/applyconfigurations/"), pkg == "k8s.io/client-go/testing":
			bad = append(bad, pkg)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("the plugin links %d packages it does not need (use pkg/kube, not client-go's clientset): %s",
			len(bad), strings.Join(bad[:min(len(bad), 8)], " "))
	}
}
