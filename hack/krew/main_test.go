package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/druid-logs/kubectl-druid-logs/hack/krew/manifest"
)

// TestCommittedManifestMatchesTemplate is the drift check: the committed
// plugins/druid-logs.yaml must be what krew.yaml renders to for its version
// and digests, and must follow the krew-index rules.
func TestCommittedManifestMatchesTemplate(t *testing.T) {
	var stderr bytes.Buffer
	err := run([]string{"check", "-template", "../../krew.yaml", "-manifest", "../../plugins/druid-logs.yaml"}, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
}

// writeChecksums lists a digest for every archive of tag.
func writeChecksums(t *testing.T, dir, tag string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range manifest.Platforms {
		goos, arch, _ := strings.Cut(p, "/")
		ext := "tar.gz"
		if goos == "windows" {
			ext = "zip"
		}
		name := fmt.Sprintf("kubectl-druid_logs_%s_%s_%s.%s", tag, goos, arch, ext)
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256([]byte(name)), name)
	}
	path := filepath.Join(dir, "checksums.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderThenCheck(t *testing.T) {
	dir := t.TempDir()
	sums := writeChecksums(t, dir, "v0.9.0")
	otherSums := writeChecksums(t, t.TempDir(), "v0.9.1")
	out := filepath.Join(dir, "plugins", "druid-logs.yaml")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"render", []string{"render", "-template", "../../krew.yaml", "-tag", "v0.9.0", "-checksums", sums, "-o", out}, ""},
		{"check rendered", []string{"check", "-template", "../../krew.yaml", "-manifest", out}, ""},
		{"check against archives", []string{"check", "-template", "../../krew.yaml", "-manifest", out, "-checksums", sums}, ""},
		{"check against other archives", []string{"check", "-template", "../../krew.yaml", "-manifest", out, "-checksums", otherSums}, "no checksum for"},
		{"render for other version", []string{"render", "-template", "../../krew.yaml", "-tag", "v0.9.1", "-checksums", sums, "-o", out}, "no checksum for kubectl-druid_logs_v0.9.1"},
		{"render untagged", []string{"render", "-template", "../../krew.yaml", "-tag", "0123abc", "-checksums", sums}, "not a semantic version"},
		{"render without checksums", []string{"render", "-tag", "v0.9.0"}, "-checksums is required"},
		{"unknown subcommand", []string{"publish"}, "unknown subcommand"},
		{"no subcommand", nil, "usage"},
	}
	for _, tt := range tests { // in order: later cases read what "render" wrote
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(tt.args, &stderr)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestCheckCatchesStaleDigest(t *testing.T) {
	dir := t.TempDir()
	sums := writeChecksums(t, dir, "v0.9.0")
	out := filepath.Join(dir, "druid-logs.yaml")
	if err := run([]string{"render", "-template", "../../krew.yaml", "-tag", "v0.9.0", "-checksums", sums, "-o", out}, os.Stderr); err != nil {
		t.Fatal(err)
	}
	// A rebuilt linux/amd64 archive with a new digest.
	b, _ := os.ReadFile(sums)
	lines := strings.SplitN(string(b), "\n", 2)
	lines[0] = strings.Repeat("f", 64) + lines[0][64:]
	if err := os.WriteFile(sums, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"check", "-template", "../../krew.yaml", "-manifest", out, "-checksums", sums}, os.Stderr)
	if err == nil || !strings.Contains(err.Error(), "run `make krew-manifest`") {
		t.Errorf("check = %v, want a stale digest error", err)
	}
}
