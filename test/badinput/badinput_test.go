package badinput

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// setup prepares a kubeconfig (and maybe a fake API server) for one case.
type setup func(t *testing.T) (kubeconfigPath string, api *fakeAPI)

// healthy is a working cluster with no Druid Jobs at all.
func healthy(t *testing.T) (string, *fakeAPI) {
	f := newFakeAPI(t, 0, "")
	return kubeconfig(t, f.srv.URL, f.caPEM()), f
}

// failing answers every request with code (and Retry-After, if set).
func failing(code int, retryAfter string) setup {
	return func(t *testing.T) (string, *fakeAPI) {
		f := newFakeAPI(t, code, retryAfter)
		return kubeconfig(t, f.srv.URL, f.caPEM()), f
	}
}

// file is a kubeconfig with this content and no server behind it.
func file(content string) setup {
	return func(t *testing.T) (string, *fakeAPI) { return writeFile(t, "config", content), nil }
}

func missingFile(t *testing.T) (string, *fakeAPI) {
	return filepath.Join(t.TempDir(), "does-not-exist"), nil
}

func directory(t *testing.T) (string, *fakeAPI) { return t.TempDir(), nil }

func unreachable(t *testing.T) (string, *fakeAPI) {
	return kubeconfig(t, "https://"+closedAddr(t), otherCA(t)), nil
}

func wrongCA(t *testing.T) (string, *fakeAPI) {
	f := newFakeAPI(t, 0, "")
	return kubeconfig(t, f.srv.URL, otherCA(t)), f
}

func silent(t *testing.T) (string, *fakeAPI) {
	return kubeconfig(t, "https://"+silentServer(t), otherCA(t)), nil
}

const anyCount = -1

func TestBadInput(t *testing.T) {
	long := strings.Repeat("a", 10_000)
	shell := `q;$(rm -rf x)'`
	tests := []struct {
		name  string
		setup setup
		args  []string
		code  int
		want  string // substring of the first stderr line
		// requests is how many requests the fake API server must see
		// (anyCount: not checked).
		requests int
		// minTook and maxTook bound the run time (0: not checked).
		minTook, maxTook time.Duration
	}{
		// Task IDs: refused before any request.
		{"empty task ID", healthy, []string{"follow", ""}, 2, "invalid task ID: it is empty", 0, 0, 0},
		{"whitespace task ID", healthy, []string{"status", "   "}, 2, "invalid task ID: it is only whitespace", 0, 0, 0},
		{"10,000-character task ID", healthy, []string{"follow", long}, 2, "it is 10000 bytes long; Druid task IDs are at most 1024", 0, 0, 0},
		{"control character in task ID", healthy, []string{"status", "index\x07task"}, 2, "control or whitespace character U+0007", 0, 0, 0},
		{"newline in task ID", healthy, []string{"check", "index\ntask"}, 2, "control or whitespace character U+000A", 0, 0, 0},
		{"escape sequence in task ID", healthy, []string{"status", "a\x1b[2Jb"}, 2, `U+001B at byte 1 (task ID "a\x1b[2Jb")`, 0, 0, 0},
		{"non-UTF-8 task ID", healthy, []string{"status", "task\xff\xfe"}, 2, "invalid task ID: it is not valid UTF-8", 0, 0, 0},
		{"leading space", healthy, []string{"status", " query-abc"}, 2, "leading or trailing whitespace", 0, 0, 0},
		{"slash in task ID", healthy, []string{"status", "druid/task"}, 2, "it contains '/'", 0, 0, 0},
		{"leading dot", healthy, []string{"job-name", ".hidden"}, 2, "it starts with '.'", 0, 0, 0},
		{"shell metacharacters are a valid ID, looked up", healthy, []string{"status", shell}, 3, `task "q;$(rm -rf x)'" not found`, 3, 0, 0},

		// Arguments and flags.
		{"unknown flag", healthy, []string{"status", "x", "--bogus"}, 2, "unknown flag: --bogus", 0, 0, 0},
		{"unknown shorthand flag", healthy, []string{"follow", "x", "-Z"}, 2, "unknown shorthand flag: 'Z' in -Z", 0, 0, 0},
		{"a near-miss of a command is suggested", healthy, []string{"chek", "x"}, 2, `unknown command "chek" for "kubectl druid-logs"; did you mean check?`, 0, 0, 0},
		{"a bare word is followed as a task, and said to be no command", healthy, []string{"frobnicate"}, 3, `task "frobnicate" not found`, 4, 0, 0}, // pods by the first name, both Job names, the label search
		{"--token is refused with the reason", healthy, []string{"follow", "x", "--token=abc"}, 2, "--token is not accepted: credentials on the command line are visible", 0, 0, 0},
		{"job-name of an ID Kubernetes cannot name", healthy, []string{"job-name", `a\\b`}, 2, "Kubernetes rejects every Job name Druid computes", 0, 0, 0},
		{"--tail abc says what it expects", healthy, []string{"follow", "x", "--tail", "abc"}, 2, `--tail "abc": expected a number of lines, or -1 for the whole log`, 0, 0, 0},
		{"no task ID", healthy, []string{"status"}, 2, "needs exactly one TASK_ID argument, got 0", 0, 0, 0},
		{"two task IDs", healthy, []string{"follow", "a", "b"}, 2, "needs exactly one TASK_ID argument, got 2", 0, 0, 0},
		{"--since with --since-time", healthy, []string{"follow", "x", "--since=5m", "--since-time=2026-01-01T00:00:00Z"}, 2, "--since and --since-time cannot be used together", 0, 0, 0},
		{"negative --tail", healthy, []string{"follow", "x", "--tail=-5"}, 2, "--tail must be -1 (all) or a count of lines, not -5", 0, 0, 0},
		{"bad --since duration", healthy, []string{"follow", "x", "--since=banana"}, 2, `--since "banana": expected a duration such as 90s, 15m, 2h or 1d`, 0, 0, 0},
		{"negative --since", healthy, []string{"follow", "x", "--since=-5m"}, 2, "--since must be positive", 0, 0, 0},
		{"bad --since-time", healthy, []string{"follow", "x", "--since-time=yesterday"}, 2, `--since-time "yesterday" is not an RFC3339 time`, 0, 0, 0},
		{"bad --timeout duration", healthy, []string{"follow", "x", "--wait", "--timeout=forever"}, 2, `--timeout "forever": expected a duration such as 90s, 15m, 2h or 1d`, 0, 0, 0},
		{"zero --max-reconnects", healthy, []string{"follow", "x", "--max-reconnects=0"}, 2, "--max-reconnects must be at least 1", 0, 0, 0},
		{"empty --container", healthy, []string{"follow", "x", "-c", ""}, 2, "--container must not be empty", 0, 0, 0},
		{"bad --request-timeout", healthy, []string{"status", "x", "--request-timeout=banana"}, 2, "kubeconfig: Invalid timeout value", 0, 0, 0},
		{"unknown -o for status", healthy, []string{"status", "x", "-o", "xml"}, 2, `unknown output format "xml"`, 0, 0, 0},
		{"unknown -o for check", healthy, []string{"check", "x", "-o", "table"}, 2, `unknown output format "table"`, 0, 0, 0},
		{"unknown -o for job-name", healthy, []string{"job-name", "x", "-o", "csv"}, 2, `unknown output format "csv"`, 0, 0, 0},

		// Kubeconfig.
		{"KUBECONFIG names a missing file", missingFile, []string{"status", "x"}, 2, "kubeconfig:", anyCount, 0, 0},
		{"--kubeconfig names a missing file", healthy, []string{"status", "x", "--kubeconfig=/nonexistent/config"}, 2, "kubeconfig: stat /nonexistent/config: no such file or directory", 0, 0, 0},
		{"unreadable kubeconfig (a directory)", directory, []string{"status", "x"}, 2, "kubeconfig: error loading config file", anyCount, 0, 0},
		{"malformed kubeconfig", file("{{{ this is : not yaml"), []string{"status", "x"}, 2, "kubeconfig: error loading config file", anyCount, 0, 0},
		{"kubeconfig of the wrong shape", file("clusters: 5\n"), []string{"status", "x"}, 2, "kubeconfig: error loading config file", anyCount, 0, 0},
		{"unknown context", healthy, []string{"status", "x", "--context=nope"}, 2, "kubeconfig: invalid configuration: context was not found for specified context: nope", 0, 0, 0},

		// The API server.
		{"nonexistent namespace", healthy, []string{"status", "query-abc", "-n", "no-such-ns"}, 3, "in namespace no-such-ns", 3, 0, 0},
		{"server unreachable", unreachable, []string{"status", "x"}, 1, "cannot reach the API server", anyCount, 0, 10 * time.Second},
		{"check with the server unreachable: one line, no report", unreachable, []string{"check", "x"}, 1, "cannot reach the API server", anyCount, 0, 10 * time.Second},
		{"check with expired credentials: one line, exit 5", failing(401, ""), []string{"check", "x"}, 5, "rejected the credentials (401 Unauthorized)", anyCount, 0, 0},
		{"server cert from another CA", wrongCA, []string{"status", "x"}, 1, "certificate signed by unknown authority", 0, 0, 10 * time.Second},
		{"401 expired credentials", failing(401, ""), []string{"status", "x"}, 5, "rejected the credentials (401 Unauthorized)", 1, 0, 0},
		{"403 forbidden", failing(403, ""), []string{"follow", "x"}, 5, `permission denied: jobs.batch "x" is forbidden`, 1, 0, 0},
		{"429 honours Retry-After, 4 attempts", failing(429, "1"), []string{"status", "x"}, 1, "the API server is throttling requests (429)", 4, 3 * time.Second, 15 * time.Second},
		{"500 retried with backoff, 4 attempts", failing(500, ""), []string{"status", "x"}, 1, "etcdserver: request timed out", 4, 0, 10 * time.Second},
		{"503 with Retry-After, 4 attempts", failing(503, "1"), []string{"follow", "x"}, 1, "the server is currently unable to handle the request", 4, 3 * time.Second, 15 * time.Second},
		{"server accepts TCP and never answers", silent, []string{"status", "x", "--request-timeout=2s"}, 1, "timed out talking to the API server", anyCount, 2 * time.Second, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, api := tt.setup(t)
			r := run(t, cfg, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d", r.code, tt.code)
			}
			checkOutput(t, r, tt.want)
			if api != nil && tt.requests != anyCount {
				if got := int(api.requests.Load()); got != tt.requests {
					t.Errorf("the API server saw %d requests, want %d: %v", got, tt.requests, api.paths)
				}
			}
			if tt.minTook > 0 && r.took < tt.minTook {
				t.Errorf("took %s, want at least %s (waits not honoured)", r.took.Round(time.Millisecond), tt.minTook)
			}
			if tt.maxTook > 0 && r.took > tt.maxTook {
				t.Errorf("took %s, want under %s", r.took.Round(time.Millisecond), tt.maxTook)
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("exit %d after %s, stderr:\n%s", r.code, r.took.Round(time.Millisecond), r.stderr)
			}
		})
	}
}
