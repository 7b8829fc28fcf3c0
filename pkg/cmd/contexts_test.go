package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

const threeContexts = `apiVersion: v1
kind: Config
clusters:
- name: east
  cluster: {server: "https://127.0.0.1:1"}
- name: west
  cluster: {server: "https://127.0.0.1:2"}
users:
- name: u
  user: {}
contexts:
- name: b-west
  context: {cluster: west, user: u, namespace: druid-west}
- name: a-east
  context: {cluster: east, user: u, namespace: druid}
- name: c-east
  context: {cluster: east, user: u}
current-context: a-east
`

func TestContextsNamedOrAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(threeContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		context string
		all     bool
		want    string
		err     string
	}{
		{"", false, "", ""},
		{"a-east", false, "", ""},
		{"a-east,b-west", false, "a-east,b-west", ""},
		{" b-west , a-east,b-west", false, "b-west,a-east", ""},
		{"a-east,nope", false, "", `context "nope" not found (contexts: a-east, b-west, c-east)`},
		{"", true, "a-east,b-west,c-east", ""},
		{"a-east", true, "", "cannot be used together"},
	}
	for _, tt := range tests {
		t.Run(tt.context, func(t *testing.T) {
			g := &Globals{ConfigFlags: &KubeFlags{KubeConfig: path}, Contexts: contextFlags{All: tt.all}}
			g.ConfigFlags.Overrides.CurrentContext = tt.context
			got, err := g.contexts()
			if tt.err != "" {
				if code, _ := exitcode.CodeOf(err); err == nil || code != exitcode.Usage || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("contexts() = %v, %v; want a usage error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != tt.want {
				t.Fatalf("contexts() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestEachContextKeepsItsNamespace: clients of a context use its own
// default namespace unless -n names one.
func TestEachContextKeepsItsNamespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(threeContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &Globals{ConfigFlags: &KubeFlags{KubeConfig: path}}
	for name, want := range map[string]string{"a-east": "druid", "b-west": "druid-west", "c-east": "default"} {
		cl, err := g.clientsFor(name)
		if err != nil || cl.Namespace != want || cl.Context != name {
			t.Fatalf("clientsFor(%s) = %+v, %v; want namespace %s", name, cl, err, want)
		}
	}
	g.ConfigFlags.Overrides.Context.Namespace = "forced"
	if cl, _ := g.clientsFor("b-west"); cl.Namespace != "forced" {
		t.Fatalf("-n must win: %s", cl.Namespace)
	}
}
