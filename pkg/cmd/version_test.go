package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

// kubeconfigFor writes a kubeconfig whose one cluster is server.
func kubeconfigFor(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: druid}}]
current-context: x
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runVersion runs `kubectl druid-logs ARGS` through Execute, as main does.
func runVersion(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code = Execute(context.Background(), streams, args, func() int { return 0 })
	return code, out.String(), errOut.String()
}

func TestVersionCommandPrintsBuildInfo(t *testing.T) {
	want := version.Get()
	apiServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		// The shape of k8s.io/apimachinery/pkg/version.Info, as kube-apiserver serves it.
		_, _ = w.Write([]byte(`{"major":"1","minor":"37","gitVersion":"v1.37.2","gitCommit":"abc","platform":"linux/amd64"}`))
	}))
	defer apiServer.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer refusing.Close()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer silent.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")

	buildLines := "Version:    " + want.Version + "\nGit commit: " + want.GitCommit + "\nBuild date: " + want.BuildDate +
		"\nGo version: " + want.GoVersion + "\nPlatform:   " + want.Platform + "\n"
	tests := []struct {
		name string
		args []string
		code int
		// text is the whole of stdout, or (json, yaml) the server part decoded.
		text    string
		server  *ServerVersion
		format  string
		errWant string
	}{
		{name: "text, client only", args: []string{"version", "--client"}, text: buildLines},
		{name: "text with the server", args: []string{"version", "--kubeconfig", kubeconfigFor(t, apiServer.URL)},
			text: buildLines + "Server:     v1.37.2 (linux/amd64)\n"},
		{name: "text offline", args: []string{"version"}, text: buildLines + "Server:     unknown (no cluster configured)\n"},
		{name: "json with the server", args: []string{"version", "-o", "json", "--kubeconfig", kubeconfigFor(t, apiServer.URL)},
			format: "json", server: &ServerVersion{GitVersion: "v1.37.2", Platform: "linux/amd64"}},
		{name: "yaml with the server", args: []string{"version", "-o", "yaml", "--kubeconfig", kubeconfigFor(t, apiServer.URL)},
			format: "yaml", server: &ServerVersion{GitVersion: "v1.37.2", Platform: "linux/amd64"}},
		{name: "json, client only", args: []string{"version", "--output=json", "--client"}, format: "json"},
		{name: "json, server unreachable", args: []string{"version", "-o", "json", "--kubeconfig", kubeconfigFor(t, closedURL)},
			format: "json", server: &ServerVersion{Error: "cannot reach the API server"}},
		{name: "json, server refuses", args: []string{"version", "-o", "json", "--kubeconfig", kubeconfigFor(t, refusing.URL)},
			format: "json", server: &ServerVersion{Error: "GET /version: 403 Forbidden"}},
		{name: "json, server silent", args: []string{"version", "-o", "json", "--request-timeout", "200ms", "--kubeconfig", kubeconfigFor(t, silent.URL)},
			format: "json", server: &ServerVersion{Error: "cannot reach the API server"}},
		{name: "unknown format", args: []string{"version", "-o", "wide"}, code: exitcode.Usage, errWant: `unknown output format "wide"`},
		{name: "positional argument", args: []string{"version", "extra"}, code: exitcode.Usage, errWant: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runVersion(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.code, errOut)
			}
			if tt.errWant != "" {
				if !strings.Contains(errOut, tt.errWant) || out != "" {
					t.Fatalf("stdout %q, stderr %q; want nothing and an error with %q", out, errOut, tt.errWant)
				}
				return
			}
			if tt.format == "" {
				if out != tt.text {
					t.Fatalf("output:\n%s\nwant:\n%s", out, tt.text)
				}
				return
			}
			var got VersionReport
			if tt.format == "json" {
				err = json.Unmarshal([]byte(out), &got)
			} else {
				err = yaml.UnmarshalStrict([]byte(out), &got)
			}
			if err != nil {
				t.Fatalf("decoding %q: %v", out, err)
			}
			if got.Info != want {
				t.Errorf("build %+v, want %+v", got.Info, want)
			}
			switch {
			case tt.server == nil && got.Server != nil:
				t.Errorf("server %+v with --client", got.Server)
			case tt.server == nil:
			case got.Server == nil:
				t.Errorf("no server in %s", out)
			case got.Server.GitVersion != tt.server.GitVersion || got.Server.Platform != tt.server.Platform ||
				!strings.Contains(got.Server.Error, tt.server.Error) || (tt.server.Error == "") != (got.Server.Error == ""):
				t.Errorf("server %+v, want %+v", *got.Server, *tt.server)
			}
		})
	}
}

// TestVersionJSONKeepsItsFields: the build fields stay at the top level,
// where scripts and the krew test read them.
func TestVersionJSONKeepsItsFields(t *testing.T) {
	_, out, _ := runVersion(t, "version", "-o", "json", "--client")
	var flat map[string]any
	if err := json.Unmarshal([]byte(out), &flat); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "gitCommit", "buildDate", "goVersion", "platform"} {
		if _, ok := flat[k]; !ok {
			t.Errorf("no top-level %q in %s", k, out)
		}
	}
}

func TestVersionOutputFlagCompletes(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmdVersion(&Globals{ConfigFlags: &KubeFlags{}, IOStreams: streams})
	fn, ok := cmd.GetFlagCompletionFunc("output")
	if !ok {
		t.Fatal("no completion registered for --output")
	}
	got, _ := fn(cmd, nil, "")
	if strings.Join(got, ",") != "json,yaml" {
		t.Errorf("completions = %v, want [json yaml]", got)
	}
}
