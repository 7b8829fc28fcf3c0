package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/druid-logs/kubectl-druid-logs/pkg/diagnose"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

func sampleReport() *diagnose.Report {
	rep := &diagnose.Report{TaskID: "query-abc123", Namespace: "druid", Job: "j", Pod: "p", State: "PENDING", Reason: "FailedScheduling: x"}
	for i, id := range []string{"job", "pod", "running", "container", "logs", "permissions", "terminated", "overlord", "overlord-log"} {
		st := []diagnose.Status{diagnose.OK, diagnose.Warning, diagnose.Fail, diagnose.OK, diagnose.Skipped, diagnose.OK, diagnose.OK, diagnose.Skipped, diagnose.Skipped}[i]
		c := diagnose.Check{ID: id, Status: st, Message: id + " message", Evidence: []string{}}
		if st == diagnose.Fail {
			c.Evidence, c.Hint = []string{"event Warning FailedScheduling: 0/3 nodes"}, "kubectl describe pod -n druid p"
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep
}

// TestCheckJSONMatchesTheDocumentedSchema validates real -o json output
// against docs/check.schema.json.
func TestCheckJSONMatchesTheDocumentedSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	f, err := os.Open("../../docs/check.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("check.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("check.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := diagnose.Unreachable("query-abc123", "druid", errors.New("cannot reach the API server: connection refused"), exitcode.Error)
	for _, rep := range []*diagnose.Report{sampleReport(), unreachable} {
		var out bytes.Buffer
		if err := printStructured(&out, "json", rep); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&out)
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Fatalf("check -o json (state %s) does not match the schema: %v", rep.State, err)
		}
	}
	var inst any
	// And the schema is not vacuous: a report missing a check is refused.
	bad := sampleReport()
	bad.Checks = bad.Checks[:8]
	b, _ := json.Marshal(bad)
	inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if schema.Validate(inst) == nil {
		t.Fatal("the schema accepted a report with eight checks")
	}
}

func TestPrintReport(t *testing.T) {
	tests := []struct {
		name                    string
		terminal, utf8, noEmoji bool
		want                    []string
	}{
		{"ascii when asked", true, true, true, []string{"[ok]   job", "[FAIL] running", "hint: kubectl describe pod -n druid p"}},
		{"ascii when the locale is not UTF-8", true, false, false, []string{"[warn] pod", "[skip] logs"}},
		{"ascii into a file or pipe, for grep FAIL", false, true, false, []string{"[ok]   job", "[FAIL] running"}},
		{"symbols on a UTF-8 terminal", true, true, false, []string{"✔ job", "✘ running", "○ logs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			printReport(&out, sampleReport(), styleFor(tt.terminal, tt.utf8, tt.noEmoji, false))
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Fatalf("report lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "\033[") {
				t.Fatal("colour escape codes without colour")
			}
		})
	}
}

// TestReportIntoABufferIsPlain: what newStyle picks for a non-terminal,
// even on a UTF-8 locale.
func TestReportIntoABufferIsPlain(t *testing.T) {
	t.Setenv("LC_ALL", "en_US.UTF-8")
	var out bytes.Buffer
	printReport(&out, sampleReport(), newStyle(&out, false, termstyle.Auto))
	if !strings.Contains(out.String(), "[FAIL] running") || strings.Contains(out.String(), "\033[") {
		t.Fatalf("report into a buffer:\n%s", out.String())
	}
}

func TestCheckLinksToWhyWhenTheTaskFailed(t *testing.T) {
	withFail := func(id string) *diagnose.Report {
		rep := &diagnose.Report{TaskID: "query-oom", Namespace: "druid"}
		for _, c := range []string{"job", "pod", "running", "container", "logs", "permissions", "terminated"} {
			st := diagnose.OK
			if c == id {
				st = diagnose.Fail
			}
			rep.Checks = append(rep.Checks, diagnose.Check{ID: c, Status: st, Code: map[string]int{"terminated": 6, "running": 4, "container": 7, "permissions": 5, "job": 3}[c],
				Message: c, Evidence: []string{}, Hint: "kubectl describe pod -n druid p"})
		}
		return rep
	}
	ovl := &overlordFlags{URL: "https://druid-overlord.druid:8281"}
	tests := []struct {
		name   string
		failed string
		want   string // in the failed check's hint; "" = no link
	}{
		{"a failed container links to why", "terminated", "why it failed, and the fix: kubectl druid-logs why query-oom -n druid --overlord https://druid-overlord.druid:8281"},
		{"a stuck pending pod links to why", "running", "kubectl druid-logs why query-oom"},
		{"a template without main links to why", "container", "kubectl druid-logs why query-oom"},
		{"a refusal does not: why cannot read more", "permissions", ""},
		{"an unknown task does not", "job", ""},
		{"a healthy task does not", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := withFail(tt.failed)
			linkWhy(rep, whyCommand(rep.TaskID, rep.Namespace, &taskFlags{Container: "main"}, ovl))
			all := ""
			for _, c := range rep.Checks {
				all += c.Hint + "\n"
			}
			switch {
			case tt.want == "" && strings.Contains(all, "druid-logs why"):
				t.Fatalf("linked to why:\n%s", all)
			case tt.want != "" && !strings.Contains(all, tt.want):
				t.Fatalf("hints lack %q:\n%s", tt.want, all)
			}
		})
	}
}
