package badinput

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the plugin built by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "badinput-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "kubectl-druid_logs")
	build := exec.Command(goTool(), "build", "-o", binary, "./cmd/kubectl-druid_logs")
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the plugin: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	// go test passes GOROOT to the test; the toolchain lives under it.
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// result is what one run of the binary produced.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// run executes the plugin with a clean environment: HOME is an empty
// temporary directory and KUBECONFIG is exactly kubeconfig.
func run(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + kubeconfig, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("the plugin hung: killed after %s\nstderr:\n%s", r.took, r.stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running the plugin: %v", err)
	}
	return r
}

// checkOutput asserts the shape every failure must have: nothing on stdout,
// a message on stderr whose first line is "error: ..." and contains want,
// continuation lines (if any) indented by two spaces, and no stack trace.
func checkOutput(t *testing.T, r result, want string) {
	t.Helper()
	if r.stdout != "" {
		t.Errorf("stdout is not empty:\n%s", r.stdout)
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Fatalf("stderr is empty")
	}
	for _, bad := range []string{"goroutine ", "panic:", "runtime error", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr contains %q (a crash or a stack trace):\n%s", bad, r.stderr)
		}
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "error: ") || !strings.Contains(lines[0], want) {
		t.Errorf("first stderr line = %q\nwant \"error: ...%s...\"", lines[0], want)
	}
	if len(lines[0]) > 600 {
		t.Errorf("first stderr line is %d bytes long: not one readable line", len(lines[0]))
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("stray stderr line %q (not an indented continuation):\n%s", l, r.stderr)
		}
	}
}
