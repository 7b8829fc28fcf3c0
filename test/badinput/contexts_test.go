package badinput

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// twoClusters is a kubeconfig with a healthy cluster ("up", no Druid Jobs)
// and one whose API server is down ("down").
func twoClusters(t *testing.T) (string, *fakeAPI) {
	f := newFakeAPI(t, 0, "")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: up
  cluster: {server: %s, certificate-authority-data: %s}
- name: down
  cluster: {server: "https://%s", certificate-authority-data: %s}
users:
- name: alice
  user: {token: not-a-real-token}
contexts:
- name: up
  context: {cluster: up, user: alice, namespace: druid}
- name: down
  context: {cluster: down, user: alice, namespace: druid}
current-context: up
`, f.srv.URL, base64.StdEncoding.EncodeToString(f.caPEM()), closedAddr(t), base64.StdEncoding.EncodeToString(otherCA(t)))
	return writeFile(t, "config", cfg), f
}

// TestAContextThatIsDownIsSkipped: with several contexts, one whose API
// server is down is said on stderr and skipped; the others answer.
func TestAContextThatIsDownIsSkipped(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"list --all-contexts", []string{"list", "--all-contexts"}, 0, []string{"context down skipped: cannot reach the API server",
			"No Druid peon Jobs (label druid.k8s.peons=true) found in contexts down, up"}},
		{"status in two contexts", []string{"status", "query-abc", "--context", "up,down"}, 3, []string{"context down skipped",
			"task query-abc not found in any context (asked: up)"}},
		{"check in two contexts", []string{"check", "query-abc", "--context", "down,up"}, 3, []string{"not found in any context (asked: up)"}},
		{"follow --datasource in two contexts", []string{"follow", "--datasource", "wiki", "--all-contexts", "--until-done"}, 3,
			[]string{"context down skipped", "no running task matches: the tasks of datasource wiki in contexts down, up"}},
		{"a command that reads one cluster refuses several", []string{"why", "query-abc", "--all-contexts"}, 2, []string{"pass one --context"}},
		{"an unknown context in the list", []string{"list", "--context", "up,nope"}, 2, []string{`context "nope" not found (contexts: down, up)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc, _ := twoClusters(t)
			r := run(t, kc, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Fatalf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
				t.Fatalf("stack trace:\n%s", r.stderr)
			}
		})
	}
}
