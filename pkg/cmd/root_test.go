package cmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

func TestFollowByDefault(t *testing.T) {
	tests := []struct {
		args   []string
		follow bool
	}{
		{[]string{"query-abc123"}, true},
		{[]string{"-n", "druid", "query-abc123", "--tail", "5", "-f"}, true},
		{[]string{"--kubeconfig", "/tmp/kc", "--context", "prod", "index_kafka_wiki_abcdefgh"}, true},
		{[]string{"pod/queryabc123-a2316-x7k2p"}, true},
		{[]string{"https://overlord:8281/druid/indexer/v1/task/query-abc123/status"}, true},
		{[]string{"list"}, false},
		{[]string{"ls"}, false},
		{[]string{"-n", "druid", "check", "query-abc123"}, false},
		{[]string{"chek", "query-abc123"}, false}, // a near-miss: cobra suggests check
		{[]string{"completion", "bash"}, false},
		{[]string{"__complete", "que"}, false},
		{[]string{"help"}, false},
		{[]string{"--version"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got := followByDefault(tt.args)
			if followed := len(got) == len(tt.args)+1 && got[0] == "follow"; followed != tt.follow {
				t.Fatalf("followByDefault(%q) = %q", tt.args, got)
			}
		})
	}
}

// TestInputPeoplePaste runs the command line as a user types it, up to
// the point where a cluster would be needed, and checks the message.
func TestInputPeoplePaste(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"--token is refused with the reason", []string{"follow", "x", "--token", "abc"}, exitcode.Usage, "credentials on the command line are visible to every user in ps"},
		{"--password too", []string{"check", "x", "--password=abc"}, exitcode.Usage, "--password is not accepted"},
		{"--tail abc says what it expects", []string{"follow", "x", "--tail", "abc"}, exitcode.Usage, `--tail "abc": expected a number of lines, or -1 for the whole log`},
		{"--since 1x says what it expects", []string{"follow", "x", "--since", "1x"}, exitcode.Usage, `--since "1x": expected a duration such as 90s, 15m, 2h or 1d`},
		{"a near-miss command is suggested", []string{"chek", "x"}, exitcode.Usage, "did you mean check?"},
		{"a URL without a task ID", []string{"status", "http://router:8888/unified-console.html#workbench"}, exitcode.Usage, "no task ID in URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			code := Execute(context.Background(), streams, tt.args, func() int { return 0 })
			if code != tt.code || !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut.String(), tt.code, tt.want)
			}
			if strings.Count(strings.TrimSpace(errOut.String()), "\n") > 2 || out.Len() > 0 {
				t.Fatalf("a usage error is short and stdout stays empty: stdout %q stderr %q", out.String(), errOut.String())
			}
		})
	}
}

func TestDurationValueTakesDays(t *testing.T) {
	for in, want := range map[string]string{"1d": "24h0m0s", "2d12h": "60h0m0s", "90s": "1m30s", "0": "0s"} {
		d := durationValue{new(time.Duration)}
		if err := d.Set(in); err != nil || d.String() != want {
			t.Errorf("Set(%q) = %v, %s; want %s", in, err, d.String(), want)
		}
	}
}

// TestCompletions asks the plugin what a shell asks it; the answers that
// need no cluster are checked here, the others end to end.
func TestCompletions(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "follow", "x", "-o", ""}, []string{"raw", "json"}},
		{[]string{"__complete", "list", "-o", ""}, []string{"wide", "json", "yaml", "name"}},
		{[]string{"__complete", "job-name", "x", "-o", ""}, []string{"name", "wide", "json", "yaml"}},
		{[]string{"__complete", "check", "x", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"__complete", "follow", "-c", ""}, []string{"main"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			if code := Execute(context.Background(), streams, tt.args, func() int { return 0 }); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			got = got[:len(got)-1] // the directive line
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("completions %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompletionHelpNamesTheHelper(t *testing.T) {
	var out bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}
	Execute(context.Background(), streams, []string{"completion", "--help"}, func() int { return 0 })
	if !strings.Contains(out.String(), "kubectl_complete-druid_logs must be on PATH") {
		t.Fatalf("completion --help:\n%s", out.String())
	}
}

// TestVersionFlag checks the root's --version, which the plugin prints
// itself instead of through a cobra version template.
func TestVersionFlag(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		version bool // stdout is the version line and nothing else
	}{
		{[]string{"--version"}, exitcode.OK, true},
		{[]string{"--version=true"}, exitcode.OK, true},
		{[]string{"-q", "--kubeconfig", "/nonexistent", "--version"}, exitcode.OK, true},
		{[]string{"--version", "--help"}, exitcode.OK, false},    // help wins, as in cobra
		{[]string{"--version=false"}, exitcode.OK, false},        // the root's help
		{[]string{"follow", "--version"}, exitcode.Usage, false}, // only the root has it
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
			code := Execute(context.Background(), streams, tt.args, func() int { return 0 })
			want := version.Get().String() + "\n"
			if code != tt.code || (out.String() == want) != tt.version {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, version printed %v", code, out.String(), errOut.String(), tt.code, tt.version)
			}
		})
	}
}
