//go:build e2e

package krew

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/hack/krew/manifest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

type entry struct {
	name  string
	mode  int64
	mtime int64
}

func listArchive(t *testing.T, path string) []entry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			out = append(out, entry{f.Name, int64(f.Mode().Perm()), f.Modified.Unix()})
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: %s owned by %d:%d, want 0:0", filepath.Base(path), h.Name, h.Uid, h.Gid)
		}
		out = append(out, entry{h.Name, h.Mode, h.ModTime.Unix()})
	}
}

// TestReleaseArchivesAreReproducible builds dist twice (make dist-check fails
// unless the two are byte-identical) and checks what a release uploads.
func TestReleaseArchivesAreReproducible(t *testing.T) {
	dir := buildDist(t)
	commitTime, err := strconv.ParseInt(releaseVars["SOURCE_DATE_EPOCH"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	// Archive mtimes and the stamped build date are the same commit time.
	if date, err := time.Parse(time.RFC3339, releaseVars["BUILD_DATE"]); err != nil || date.Unix() != commitTime {
		t.Errorf("BUILD_DATE %q is not SOURCE_DATE_EPOCH %d (%v)", releaseVars["BUILD_DATE"], commitTime, err)
	}
	if c := releaseVars["GIT_COMMIT"]; c != "unknown" && len(c) != 40 {
		t.Errorf("GIT_COMMIT = %q, want a full commit hash", c)
	}
	sumsFile, err := os.ReadFile(filepath.Join(dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := manifest.ParseChecksums(sumsFile)
	if err != nil {
		t.Fatal(err)
	}
	var wantFiles []string
	for _, p := range manifest.Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		name := archiveName(goos, goarch)
		wantFiles = append(wantFiles, name)
		t.Run(p, func(t *testing.T) {
			path := filepath.Join(dir, name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%x", sha256.Sum256(b)); sums[name] != got {
				t.Errorf("checksums.txt lists %q, file has %s", sums[name], got)
			}
			exe, mtime := "", commitTime
			if goos == "windows" {
				exe = ".exe"
				mtime = max(mtime, time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
			}
			want := []entry{
				{"LICENSE", 0o644, mtime},
				{manifest.BinaryName + exe, 0o755, mtime},
				{manifest.CompletionScript, 0o755, mtime},
			}
			if got := listArchive(t, path); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("entries = %v, want %v", got, want)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	wantFiles = append(wantFiles, "checksums.txt")
	sort.Strings(wantFiles)
	if fmt.Sprint(got) != fmt.Sprint(wantFiles) {
		t.Errorf("dist holds %v, want %v", got, wantFiles)
	}
	if len(sums) != len(manifest.Platforms) {
		t.Errorf("checksums.txt lists %d files, want %d", len(sums), len(manifest.Platforms))
	}
}

// assertVersion runs the installed plugin through kubectl's plugin discovery.
func assertVersion(t *testing.T, e *krewEnv) {
	t.Helper()
	var got version.Info
	out := e.kubectl("druid-logs", "version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("kubectl druid-logs version -o json printed %q: %v", out, err)
	}
	goos, goarch := hostPlatform(t)
	want := version.Info{
		Version:   e2eVersion,
		GitCommit: releaseVars["GIT_COMMIT"],
		BuildDate: releaseVars["BUILD_DATE"],
		GoVersion: got.GoVersion,
		Platform:  goos + "/" + goarch,
	}
	if got != want {
		t.Errorf("kubectl druid-logs version = %+v, want %+v", got, want)
	}
	if !strings.HasPrefix(got.GoVersion, "go1.") {
		t.Errorf("goVersion = %q", got.GoVersion)
	}
}

// assertUninstalled checks that krew removed the plugin and kubectl no longer
// finds it.
func assertUninstalled(t *testing.T, e *krewEnv) {
	t.Helper()
	e.kubectl("krew", "uninstall", manifest.PluginName)
	if _, err := os.Lstat(filepath.Join(e.root, "bin", manifest.BinaryName)); !os.IsNotExist(err) {
		t.Errorf("plugin link still in KREW_ROOT/bin after uninstall (%v)", err)
	}
	e.kubectlFails("druid-logs", "version")
}

func TestKrewInstallsFromManifestAndArchive(t *testing.T) {
	goos, goarch := hostPlatform(t)
	dir := buildDist(t)
	e := newKrewEnv(t)
	// krew's list and uninstall need the default index, which `kubectl krew
	// update` would clone from GitHub; a local one stands in for it offline.
	e.kubectl("krew", "index", "add", "default", newIndexRepo(t, dir, ""))
	m := renderManifest(t, dir, "", t.TempDir())
	if err := manifest.Lint(mustRead(t, m)); err != nil {
		t.Fatalf("rendered manifest breaks krew-index rules: %v", err)
	}

	e.kubectl("krew", "install", "--manifest="+m, "--archive="+filepath.Join(dir, archiveName(goos, goarch)))
	if out := e.kubectl("krew", "list"); !strings.Contains(out, manifest.PluginName) {
		t.Errorf("kubectl krew list does not show %s:\n%s", manifest.PluginName, out)
	}
	assertVersion(t, e)
	for _, f := range []string{"LICENSE", manifest.CompletionScript} {
		if _, err := os.Stat(filepath.Join(e.root, "store", manifest.PluginName, e2eVersion, f)); err != nil {
			t.Errorf("krew did not install %s: %v", f, err)
		}
	}
	assertUninstalled(t, e)
}

func TestKrewInstallsFromLocalIndex(t *testing.T) {
	hostPlatform(t)
	dir := buildDist(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)

	index := newIndexRepo(t, dir, srv.URL)

	completions := t.TempDir()
	e := newKrewEnv(t, completions)
	e.kubectl("krew", "index", "add", "druid", index)
	e.kubectl("krew", "install", "druid/"+manifest.PluginName)
	if out := e.kubectl("krew", "list"); !strings.Contains(out, "druid/"+manifest.PluginName) {
		t.Errorf("kubectl krew list does not show druid/%s:\n%s", manifest.PluginName, out)
	}
	assertVersion(t, e)

	// kubectl >= 1.26 completes plugin arguments through the
	// kubectl_complete-<plugin> executable on PATH, as docs/krew.md sets up.
	script := filepath.Join(e.root, "store", manifest.PluginName, e2eVersion, manifest.CompletionScript)
	if err := os.Symlink(script, filepath.Join(completions, manifest.CompletionScript)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "druid-logs", ""}, "version"},
		{[]string{"__complete", "druid-logs", "version", "-o", ""}, "yaml"},
	}
	for _, tt := range tests {
		out := e.kubectl(tt.args...)
		if !hasLine(out, tt.want) {
			t.Errorf("kubectl %s offered no %q:\n%s", strings.Join(tt.args, " "), tt.want, out)
		}
	}
	assertUninstalled(t, e)
}

// hasLine reports whether a cobra completion output offers want.
func hasLine(out, want string) bool {
	for _, line := range strings.Split(out, "\n") {
		if name, _, _ := strings.Cut(line, "\t"); name == want {
			return true
		}
	}
	return false
}

// TestKrewValidateManifestAcceptsRelease runs krew's own validator: on the
// committed manifest (structure), and on this build's manifest served from
// loopback, where it installs every platform's archive and looks for LICENSE.
func TestKrewValidateManifestAcceptsRelease(t *testing.T) {
	dir := buildDist(t)
	e := newKrewEnv(t)
	validate := filepath.Join(tools(t), "validate-krew-manifest")
	committed := filepath.Join(repoRoot(t), "plugins", manifest.PluginName+".yaml")
	if _, err := run(context.Background(), time.Minute, e.env, validate, "-manifest", committed, "-skip-install"); err != nil {
		t.Error(err)
	}

	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	m := renderManifest(t, dir, srv.URL, t.TempDir())
	if _, err := run(context.Background(), 10*time.Minute, e.env, validate, "-manifest", m); err != nil {
		t.Error(err)
	}
}

// newIndexRepo makes a custom krew index: a git repository holding
// plugins/druid-logs.yaml for the archives in dir, with uris under uriPrefix
// (the release's uris when empty).
func newIndexRepo(t *testing.T, dir, uriPrefix string) string {
	t.Helper()
	index := t.TempDir()
	renderManifest(t, dir, uriPrefix, filepath.Join(index, "plugins"))
	base := []string{"-C", index, "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{{"init", "-q"}, {"add", "plugins"}, {"commit", "-q", "-m", "druid-logs " + e2eVersion}} {
		if _, err := run(context.Background(), time.Minute, nil, "git", append(base, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	return index
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
