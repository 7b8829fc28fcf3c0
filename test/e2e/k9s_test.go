//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// k9sPlugin is one entry of k9s's plugins.yaml (the fields k9s's schema
// allows; unknown ones fail the strict decoding, as a typo would).
type k9sPlugin struct {
	ShortCut        string   `json:"shortCut"`
	Override        bool     `json:"override,omitempty"`
	Description     string   `json:"description"`
	Confirm         bool     `json:"confirm,omitempty"`
	Dangerous       bool     `json:"dangerous,omitempty"`
	Scopes          []string `json:"scopes"`
	Command         string   `json:"command"`
	Background      bool     `json:"background"`
	OverwriteOutput bool     `json:"overwriteOutput,omitempty"`
	Args            []string `json:"args"`
}

// docK9sPlugins reads the plugins.yaml snippet of docs/k9s.md: its one
// ```yaml block.
func docK9sPlugins(t *testing.T) map[string]k9sPlugin {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "docs", "k9s.md"))
	must(t, err)
	_, rest, ok := strings.Cut(string(data), "\n```yaml\n")
	block, _, closed := strings.Cut(rest, "\n```")
	if !ok || !closed {
		t.Fatal("docs/k9s.md has no ```yaml block")
	}
	var doc struct {
		Plugins map[string]k9sPlugin `json:"plugins"`
	}
	if err := yaml.UnmarshalStrict([]byte(block), &doc); err != nil {
		t.Fatalf("the plugins.yaml of docs/k9s.md does not decode: %v", err)
	}
	return doc.Plugins
}

// k9sVar is how k9s finds a variable in a plugin's argument: $ and a name
// of letters, digits, '_' and '-' ($COL-NODE), optionally negated with '!'.
var k9sVar = regexp.MustCompile(`\$!?[\w-]+`)

// k9sSubstitute fills arg as k9s does: the longest variable names first (so
// $NAME does not eat the start of $NAMESPACE), names looked up in upper case,
// and an unknown variable is an error (k9s then runs nothing).
func k9sSubstitute(arg string, env map[string]string) (string, error) {
	found := k9sVar.FindAllString(arg, -1)
	sort.Slice(found, func(i, j int) bool { return len(found[i]) > len(found[j]) })
	for _, v := range found {
		name := strings.ToUpper(strings.TrimPrefix(strings.TrimPrefix(v, "$"), "!"))
		value, ok := env[name]
		if !ok {
			return "", fmt.Errorf("k9s has no variable %s", v)
		}
		arg = strings.ReplaceAll(arg, v, value)
	}
	return arg, nil
}

// k9sEnv is what k9s offers a plugin on the selected row: the kubeconfig's
// current context, cluster and user, the kubeconfig it was started with,
// the row's namespace and name, and its columns as COL-<header>.
func k9sEnv(t *testing.T, kubeconfig, namespace, name string, cols map[string]string) map[string]string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	must(t, err)
	kctx := cfg.Contexts[cfg.CurrentContext]
	if kctx == nil {
		t.Fatalf("%s has no current context", kubeconfig)
	}
	env := map[string]string{
		"CONTEXT": cfg.CurrentContext, "CLUSTER": kctx.Cluster, "USER": kctx.AuthInfo, "GROUPS": "n/a",
		"KUBECONFIG": kubeconfig, "NAMESPACE": namespace, "NAME": name,
	}
	for k, v := range cols {
		env["COL-"+k] = v
	}
	return env
}

// k9sRun is a plugin's command running as k9s starts it: the command and
// its substituted arguments, no shell of k9s's own.
type k9sRun struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func (r *k9sRun) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Write(b)
}

func (r *k9sRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// startK9sPlugin runs p for the row described by env. PATH holds kubectl
// and the plugin, as on an operator's machine; KUBECONFIG points nowhere,
// so the cluster can only come from the snippet's --kubeconfig $KUBECONFIG;
// PAGER is cat, since a test has no terminal to page on.
func startK9sPlugin(t *testing.T, p k9sPlugin, env map[string]string) *k9sRun {
	t.Helper()
	args := make([]string, len(p.Args))
	for i, a := range p.Args {
		s, err := k9sSubstitute(a, env)
		must(t, err)
		args[i] = s
	}
	path := filepath.Dir(plugin) + string(os.PathListSeparator) + filepath.Dir(bed.Kubectl()) +
		string(os.PathListSeparator) + os.Getenv("PATH")
	r := &k9sRun{done: make(chan struct{})}
	r.cmd = exec.Command(p.Command, args...)
	// exec.Command looked the command up in this process's PATH: look it up
	// in the one the command gets, as k9s's child would.
	r.cmd.Path = lookPathIn(t, p.Command, path)
	r.cmd.Env = append(os.Environ(), "PATH="+path,
		"KUBECONFIG="+filepath.Join(t.TempDir(), "none"), "HOME="+t.TempDir(), "NO_COLOR=1", "LC_ALL=C", "PAGER=cat")
	r.cmd.Stdout, r.cmd.Stderr = r, r
	must(t, r.cmd.Start())
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// lookPathIn finds an executable named name in the directories of path.
func lookPathIn(t *testing.T, name, path string) string {
	t.Helper()
	if strings.Contains(name, "/") {
		return name
	}
	for _, dir := range filepath.SplitList(path) {
		f := filepath.Join(dir, name)
		if st, err := os.Stat(f); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return f
		}
	}
	t.Fatalf("%s is not on PATH %s", name, path)
	return ""
}

// finish waits for the command's end and returns its exit code.
func (r *k9sRun) finish(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(d):
		_ = r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("%v did not end within %s; output:\n%s", r.cmd.Args, d, r.output())
	}
	var ee *exec.ExitError
	if errors.As(r.err, &ee) {
		return ee.ExitCode()
	}
	must(t, r.err)
	return 0
}

// TestK9sPluginsOfTheDocsRunOnAPodAndItsJob: the plugins.yaml of
// docs/k9s.md, with k9s's variables filled in for a peon pod and for its
// Job, runs exactly those command lines: follow prints a RUNNING task's log
// to its end, check and why explain an OOMKilled one.
func TestK9sPluginsOfTheDocsRunOnAPodAndItsJob(t *testing.T) {
	plugins := docK9sPlugins(t)
	byCommand := map[string]k9sPlugin{}
	for name, p := range plugins {
		line := p.Command + " " + strings.Join(p.Args, " ")
		for _, sub := range []string{"follow", "check", "why"} {
			if strings.Contains(line, "druid-logs "+sub+" ") {
				byCommand[sub] = p
			}
		}
		if strings.Join(p.Scopes, ",") != "pods,jobs" {
			t.Errorf("plugin %s: scopes %v, want [pods jobs]", name, p.Scopes)
		}
		if p.Background {
			t.Errorf("plugin %s runs in the background: its output would never be seen", name)
		}
	}
	for _, sub := range []string{"follow", "check", "why"} {
		if _, ok := byCommand[sub]; !ok {
			t.Fatalf("docs/k9s.md has no plugin running %s: %v", sub, plugins)
		}
	}

	ns := newNamespace(t)
	live := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_kafka_wikipedia_k9s_live", Type: "index_kafka"},
		numbered("KafkaIndexTask", 1, 3)...)
	oom := runningTask(t, testbed.TaskSpec{Namespace: ns, TaskID: "index_kafka_wikipedia_k9s_oom", Type: "index_kafka"},
		numbered("KafkaIndexTask", 1, 2)...)
	must(t, oom.OOMKill(testCtx(t)))

	rows := func(task *testbed.Task) map[string]map[string]string {
		pod, err := task.Pod(testCtx(t))
		must(t, err)
		podCols := map[string]string{"NAME": pod.Name, "STATUS": string(pod.Status.Phase), "IP": pod.Status.PodIP, "NODE": pod.Spec.NodeName}
		return map[string]map[string]string{
			"pods": k9sEnv(t, bed.Kubeconfig(), ns, pod.Name, podCols),
			"jobs": k9sEnv(t, bed.Kubeconfig(), ns, task.JobName, map[string]string{"NAME": task.JobName, "COMPLETIONS": "0/1"}),
		}
	}
	liveRows, oomRows := rows(live), rows(oom)
	last := numbered("KafkaIndexTask", 1, 3)[2]

	// follow, from the pod and from the Job at once; both end with the task.
	follows := map[string]*k9sRun{}
	for _, scope := range []string{"pods", "jobs"} {
		follows[scope] = startK9sPlugin(t, byCommand["follow"], liveRows[scope])
	}
	for scope, r := range follows {
		err := testbed.WaitFor(testCtx(t), 30*time.Second, scope+" follow prints the log", func(context.Context) (bool, error) {
			return strings.Contains(r.output(), last), nil
		})
		if err != nil {
			t.Fatalf("%s: %v\noutput:\n%s", scope, err, r.output())
		}
	}
	must(t, live.Succeed(testCtx(t)))
	for scope, r := range follows {
		if code := r.finish(t, time.Minute); code != 0 {
			t.Errorf("%s: follow exited %d, want 0 (the task succeeded); output:\n%s", scope, code, r.output())
		}
		if out := r.output(); strings.Count(out, last) != 1 || !strings.Contains(out, "task container exited 0") {
			t.Errorf("%s: follow's output:\n%s", scope, out)
		}
	}

	// check and why on the OOMKilled task, from its pod and from its Job.
	for _, tc := range []struct{ sub, want string }{
		{"check", "OOMKilled"},
		{"why", "signature oom-killed"},
	} {
		for _, scope := range []string{"pods", "jobs"} {
			r := startK9sPlugin(t, byCommand[tc.sub], oomRows[scope])
			if code := r.finish(t, time.Minute); code != 0 {
				t.Errorf("%s on %s: the pager's pipeline exited %d; output:\n%s", tc.sub, scope, code, r.output())
			}
			out := r.output()
			// Given the pod's or the Job's name, both name the task by its
			// ID (the task.id annotation), never by the name pasted.
			if !strings.Contains(out, "Task "+oom.Spec.TaskID) || !strings.Contains(out, tc.want) || strings.Contains(out, "error: kubeconfig") {
				t.Errorf("%s on %s: output lacks \"Task %s\" or %q:\n%s", tc.sub, scope, oom.Spec.TaskID, tc.want, out)
			}
		}
	}
}
