package badinput

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostMortemBadInput: why and bundle refuse bad input with a one-line
// error and the shared exit codes, and never leave a half-written file.
func TestPostMortemBadInput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.tar.gz")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh.tar.gz")
	tests := []struct {
		name  string
		setup setup
		args  []string
		code  int
		want  string // in the first stderr line
		// report: why prints its report on stdout even when it exits non-zero.
		report   bool
		requests int
	}{
		{"why: empty task ID", healthy, []string{"why", ""}, 2, "invalid task ID: it is empty", false, 0},
		{"why: two task IDs", healthy, []string{"why", "a", "b"}, 2, "needs exactly one TASK_ID argument, got 2", false, 0},
		{"why: unknown -o", healthy, []string{"why", "x", "-o", "table"}, 2, `unknown output format "table"`, false, 0},
		{"why: negative --tail", healthy, []string{"why", "x", "--tail=-1"}, 2, "--tail must be 0 or more, got -1", false, 0},
		{"why: empty --container", healthy, []string{"why", "x", "-c", ""}, 2, "--container must not be empty", false, 0},
		{"why: credentials in the Overlord URL", healthy, []string{"why", "x", "--overlord", "http://u:p@overlord:8081"}, 2, "must not contain credentials", false, 0},
		{"why: nothing known anywhere", healthy, []string{"why", "x", "-n", "druid"}, 3, "nothing is known of task x: no Job in namespace druid", true, anyCount},
		{"why: 403 leaves nothing known", failing(403, ""), []string{"why", "x", "-n", "druid"}, 5, `could not read the Job: jobs.batch "x" is forbidden`, true, anyCount},
		{"why: 500 leaves nothing known", failing(500, ""), []string{"why", "x", "-n", "druid"}, 1, "could not read the Job: Internal error occurred", true, anyCount},
		{"bundle: an existing file is kept", healthy, []string{"bundle", "x", "-f", existing}, 2, "existing.tar.gz exists: not overwritten (use --force to replace it)", false, 0},
		{"bundle: -f names a directory", healthy, []string{"bundle", "x", "-f", dir}, 2, "is a directory", false, 0},
		{"bundle: nothing known, nothing written", healthy, []string{"bundle", "x", "-n", "druid", "-f", fresh}, 3, "nothing is known of task x", false, anyCount},
		{"bundle: 403, nothing written", failing(403, ""), []string{"bundle", "x", "-n", "druid", "-f", fresh}, 5, "could not read the Job", false, anyCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, api := tt.setup(t)
			r := run(t, cfg, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			if tt.report {
				if !strings.HasPrefix(r.stdout, "UNKNOWN: ") {
					t.Errorf("stdout does not start with the verdict:\n%s", r.stdout)
				}
				r.stdout = ""
			}
			checkOutput(t, r, tt.want)
			if api != nil && tt.requests != anyCount {
				if got := int(api.requests.Load()); got != tt.requests {
					t.Errorf("the API server saw %d requests, want %d: %v", got, tt.requests, api.paths)
				}
			}
			if b, _ := os.ReadFile(existing); string(b) != "keep me" {
				t.Fatal("the existing file was changed")
			}
			if _, err := os.Stat(fresh); err == nil {
				t.Fatal("a bundle was written")
			}
			if leftovers, _ := filepath.Glob(filepath.Join(dir, ".druid-logs-bundle-*")); len(leftovers) > 0 {
				t.Fatalf("temporary files left behind: %v", leftovers)
			}
		})
	}
}
