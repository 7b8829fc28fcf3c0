//go:build e2e

// Package e2e tells the user's stories against a real kube-apiserver, Job
// controller and simulated Druid peons (test/testbed): the plugin binary is
// built once and run as a user would run it.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

var (
	bed    *testbed.Bed
	plugin string // path of the built kubectl-druid_logs
	nsSeq  atomic.Int32
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "druid-logs-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	plugin = filepath.Join(dir, "kubectl-druid_logs")
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", plugin, "./cmd/kubectl-druid_logs")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the plugin: %v\n%s", err, out)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	offset, _ := strconv.Atoi(os.Getenv("E2E_PORT_OFFSET")) // to run beside another bed
	bed, err = testbed.Start(ctx, testbed.Options{PortOffset: offset})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the test bed:", err)
		return 1
	}
	defer bed.Stop()
	return m.Run()
}

// newNamespace returns a fresh namespace name for one test.
func newNamespace(t *testing.T) string {
	return fmt.Sprintf("e2e-%d-%d", os.Getpid()%10000, nsSeq.Add(1))
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// createTask creates a simulated task and fails the test on error.
func createTask(t *testing.T, spec testbed.TaskSpec) *testbed.Task {
	t.Helper()
	task, err := bed.CreateTask(testCtx(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// runningTask creates a task, makes it RUNNING and writes lines to its log.
func runningTask(t *testing.T, spec testbed.TaskSpec, lines ...string) *testbed.Task {
	t.Helper()
	task := createTask(t, spec)
	if err := task.SetRunning(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if len(lines) > 0 {
		must(t, task.AppendLog(lines...))
	}
	return task
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// result is a finished plugin run.
type result struct {
	stdout, stderr string
	code           int
}

// plug runs the plugin to completion with the admin kubeconfig (unless
// args carry another --kubeconfig).
func plug(t *testing.T, args ...string) result {
	t.Helper()
	p := startPlugin(t, args...)
	return p.wait(t, time.Minute)
}

// proc is a running plugin whose stdout lines are read as they come.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	stdout []string
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

// plugEnv is plug with extra environment variables.
func plugEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return startPluginEnv(t, env, args...).wait(t, time.Minute)
}

func startPlugin(t *testing.T, args ...string) *proc {
	t.Helper()
	return startPluginEnv(t, nil, args...)
}

func startPluginEnv(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	full := append([]string{}, args...)
	if !hasFlag(args, "--kubeconfig") {
		full = append([]string{"--kubeconfig", bed.Kubeconfig()}, full...)
	}
	cmd := exec.Command(plugin, full...)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir(), "NO_COLOR=1", "LC_ALL=C"), env...)
	out, err := cmd.StdoutPipe()
	must(t, err)
	p := &proc{cmd: cmd, lines: make(chan string, 100000), done: make(chan struct{})}
	cmd.Stderr = &syncBuffer{p: p}
	must(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout = append(p.stdout, sc.Text())
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			p.code = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.code = 128 + int(ws.Signal()) // killed by a signal, as a shell reports it
			}
		case err != nil:
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

type syncBuffer struct{ p *proc }

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.stderr.Write(b)
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// expect waits for the next stdout lines to be exactly want, in order.
func (p *proc) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-p.lines:
			if got != w {
				t.Fatalf("stdout line = %q, want %q\nstderr:\n%s", got, w, p.errText())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no stdout line %q within 30s\nstderr:\n%s", w, p.errText())
		}
	}
}

// expectStderr waits until stderr contains s.
func (p *proc) expectStderr(t *testing.T, s string) {
	t.Helper()
	err := testbed.WaitFor(testCtx(t), 30*time.Second, "stderr "+s, func(context.Context) (bool, error) {
		return strings.Contains(p.errText(), s), nil
	})
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.errText())
	}
}

// wait waits for the process to exit.
func (p *proc) wait(t *testing.T, d time.Duration) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("plugin did not exit within %s\nstderr:\n%s", d, p.errText())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var out string
	if len(p.stdout) > 0 {
		out = strings.Join(p.stdout, "\n") + "\n"
	}
	return result{stdout: out, stderr: p.stderr.String(), code: p.code}
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// expectCode fails unless the run ended with code and its stderr has every want.
func expectCode(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Fatalf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Fatalf("stack trace on stderr:\n%s", r.stderr)
	}
}

// numbered returns n log lines that look like a peon's.
func numbered(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2026-11-26T10:00:00,%03d INFO [task-runner-0-priority-0] org.apache.druid.indexing.common.task.%s - line %05d", (from+i)%1000, prefix, from+i)
	}
	return out
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
