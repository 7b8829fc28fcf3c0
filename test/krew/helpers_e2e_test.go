//go:build e2e

package krew

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/hack/krew/manifest"
)

// e2eVersion is stamped into the archives under test; krew needs a semver.
const e2eVersion = "v0.1.0-e2e"

// krewVersion must match KREW_VERSION in hack/release.mk.
const krewVersion = "v0.4.4"

var (
	// workDir lives for the whole test binary, so the archives built once
	// serve every test; TestMain removes it.
	workDir string

	distOnce sync.Once
	distDir  string
	distErr  error

	toolsOnce sync.Once
	toolsDir  string
	toolsErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "druid-logs-krew-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "hack", "release.mk")); err != nil {
		t.Fatalf("not the repository root: %v", err)
	}
	return root
}

// hostPlatform is the os/arch krew will pick on this machine.
func hostPlatform(t *testing.T) (goos, goarch string) {
	t.Helper()
	p := runtime.GOOS + "/" + runtime.GOARCH
	for _, want := range manifest.Platforms {
		if want == p {
			return runtime.GOOS, runtime.GOARCH
		}
	}
	t.Skipf("no release archive for this machine's platform %s", p)
	return "", ""
}

// archiveName is the release archive of VERSION e2eVersion for a platform.
func archiveName(goos, goarch string) string {
	ext := "tar.gz"
	if goos == "windows" {
		ext = "zip"
	}
	return fmt.Sprintf("%s_%s_%s_%s.%s", manifest.BinaryName, e2eVersion, goos, goarch, ext)
}

// releaseVars are the values hack/release.mk stamped into the archives
// under test (VERSION, GIT_COMMIT, BUILD_DATE, SOURCE_DATE_EPOCH).
var releaseVars map[string]string

// buildDist runs `make dist-check` once (two full dist builds compared byte
// for byte) and returns the first build's directory. The values the Makefile
// derives from git are read first and pinned, so that a commit made while
// the test runs cannot make expectations and archives disagree.
func buildDist(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	distOnce.Do(func() {
		makeArgs := []string{"-C", root, "-f", "hack/release.mk", "--no-print-directory"}
		out, err := run(context.Background(), time.Minute, nil, "make",
			append(makeArgs, "print-release-vars", "VERSION="+e2eVersion)...)
		if err != nil {
			distErr = err
			return
		}
		releaseVars = map[string]string{}
		var pinned []string
		for _, line := range strings.Split(out, "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && k != "LDFLAGS" {
				releaseVars[k] = v
				pinned = append(pinned, line)
			}
		}
		check := filepath.Join(workDir, "dist-check")
		start := time.Now()
		_, distErr = run(context.Background(), 40*time.Minute, nil, "make",
			append(append(makeArgs, "dist-check", "DIST_CHECK_DIR="+check), pinned...)...)
		t.Logf("make dist-check took %s", time.Since(start).Round(time.Second))
		distDir = filepath.Join(check, "a")
	})
	if distErr != nil {
		t.Fatal(distErr)
	}
	return distDir
}

// tools builds krew (as kubectl-krew) and validate-krew-manifest once into
// the shared cache through `make krew-tools` and returns that directory.
func tools(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	toolsOnce.Do(func() {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				toolsErr = err
				return
			}
			cache = filepath.Join(home, ".cache")
		}
		toolsDir = filepath.Join(cache, "druid-logs", "tools", "krew-"+krewVersion, "bin")
		_, toolsErr = run(context.Background(), 15*time.Minute, nil, "make", "-C", root, "-f", "hack/release.mk",
			"--no-print-directory", "krew-tools", "TOOLS_BIN="+toolsDir, "KREW_VERSION="+krewVersion)
	})
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	return toolsDir
}

// kubectl finds the kubectl binary to drive the plugin with.
func kubectl(t *testing.T) string {
	t.Helper()
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	script := filepath.Join(repoRoot(t), "hack", "testbed", "build.sh")
	if _, err := os.Stat(script); err == nil {
		out, err := exec.Command("bash", script, "--print-bin-dir").Output()
		if k := filepath.Join(strings.TrimSpace(string(out)), "kubectl"); err == nil && isExecutable(k) {
			return k
		}
	}
	if k, err := exec.LookPath("kubectl"); err == nil {
		return k
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no kubectl: set KUBECTL or build the test bed (hack/testbed/build.sh)")
	}
	t.Skip("no kubectl found (set KUBECTL, build the test bed, or put kubectl on PATH)")
	return ""
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// krewEnv is a process environment with its own KREW_ROOT and a PATH on
// which kubectl finds krew's plugins first, then kubectl-krew, then kubectl.
type krewEnv struct {
	t          *testing.T
	root       string // KREW_ROOT
	kubectlBin string
	env        []string
}

func newKrewEnv(t *testing.T, extraPath ...string) *krewEnv {
	t.Helper()
	k := kubectl(t)
	root := t.TempDir()
	dirs := append([]string{filepath.Join(root, "bin")}, extraPath...)
	dirs = append(dirs, tools(t), filepath.Dir(k), os.Getenv("PATH"))
	env := []string{
		"KREW_ROOT=" + root,
		"KREW_NO_UPGRADE_CHECK=1",
		"KUBECONFIG=" + filepath.Join(root, "no-kubeconfig"),
		"PATH=" + strings.Join(dirs, string(os.PathListSeparator)),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "KREW_"), strings.HasPrefix(name, "GIT_"),
			name == "PATH", name == "KUBECONFIG":
			continue
		}
		env = append(env, kv)
	}
	return &krewEnv{t: t, root: root, kubectlBin: k, env: env}
}

// kubectl runs kubectl with args and returns stdout; it fails the test,
// showing all output, if kubectl fails.
func (e *krewEnv) kubectl(args ...string) string {
	e.t.Helper()
	out, err := run(context.Background(), 5*time.Minute, e.env, e.kubectlBin, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// kubectlFails runs kubectl with args and fails the test if it succeeds.
func (e *krewEnv) kubectlFails(args ...string) {
	e.t.Helper()
	if out, err := run(context.Background(), time.Minute, e.env, e.kubectlBin, args...); err == nil {
		e.t.Fatalf("kubectl %s succeeded, want a failure; output:\n%s", strings.Join(args, " "), out)
	}
}

// run executes a command and returns its stdout; the error carries the
// command line and all of its output.
func run(ctx context.Context, timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = env
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %v\nstdout:\n%s\nstderr:\n%s",
			name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// renderManifest renders krew.yaml for the archives in dir into
// parent/druid-logs.yaml; a non-empty uriPrefix points the uris at a server.
func renderManifest(t *testing.T, dir, uriPrefix, parent string) string {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join(repoRoot(t), "krew.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := manifest.ParseChecksums(b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Render(tmpl, manifest.Options{
		Tag:       e2eVersion,
		SHA256:    manifest.FromChecksums(sums, "checksums.txt"),
		URIPrefix: uriPrefix,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(parent, manifest.PluginName+".yaml")
	if err := os.WriteFile(path, m, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
