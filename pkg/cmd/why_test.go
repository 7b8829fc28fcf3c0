package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/postmortem"
)

var whyNow = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)

func sampleWhy(outcome postmortem.Outcome) *postmortem.Report {
	code := int32(137)
	rep := &postmortem.Report{TaskID: "query-oom", Namespace: "druid", Outcome: outcome,
		Verdict:   "FAILED: container main was OOMKilled (exit 137): the peon used more memory than its limit 2Gi",
		Signature: "oom-killed", Known: true, Fix: []string{"raise the memory limit"},
		Findings: []postmortem.Finding{
			{Signature: "oom-killed", Title: "container OOMKilled", Cause: "container main was OOMKilled", Evidence: []string{"container main terminated: OOMKilled, exit 137"},
				Fix: []string{"raise the memory limit"}, Known: true},
			{Signature: "job-failed", Title: "Job failed", Cause: "Job j failed: BackoffLimitExceeded", Evidence: []string{}, Fix: []string{}, Known: true, Reference: "apache/druid#15527"},
		},
		Evidence: postmortem.Facts{
			Job: &postmortem.JobFacts{Name: "j", Created: whyNow.Add(-time.Hour), Failed: 1, Conditions: []string{"Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit"}},
			Pod: &postmortem.PodFacts{Name: "p", Phase: "Failed", Node: "n", IP: "10.0.0.1", Conditions: []string{},
				Containers: []postmortem.ContainerFact{{Name: "main", State: "terminated", Reason: "OOMKilled", ExitCode: &code, MemoryLimit: "2Gi"}}},
			Overlord: &postmortem.OverlordFacts{URL: "http://o", Known: true, StatusCode: "FAILED", RunnerStatusCode: "WAITING", ErrorMsg: "Peon did not report status successfully."},
			Events:   []postmortem.EventFact{{Object: "Job/j", Type: "Warning", Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", Count: 1, LastSeen: whyNow}},
			Logs:     []postmortem.LogFact{{Source: postmortem.FromPod, Where: "pod druid/p container main", Lines: []string{"last line"}, TotalLines: 30, Bytes: 900}},
		},
		Causes: []postmortem.Cause{
			{ID: "oom-killed", Cause: "the kernel killed the peon at its container's memory limit", Likelihood: postmortem.Confirmed,
				Evidence: []string{"confirmed by container main terminated: OOMKilled, exit 137"}, Fix: []string{"raise the memory limit"}, ExitCode: 6},
			{ID: "status-not-pushed", Cause: "the peon finished, but could not write status.json", Likelihood: postmortem.RuledOut,
				Evidence: []string{"ruled out by the peon's log has no \"Task completed with status:\" line"}, Fix: []string{"configure druid.indexer.logs.*"}, ExitCode: 6},
		},
		Unread:   []postmortem.UnreadFact{{What: "previous pod log", Reason: "no previous container"}},
		ExitCode: 6,
	}
	if outcome != postmortem.Failed {
		rep.Verdict, rep.Signature, rep.Known, rep.Fix, rep.Findings, rep.ExitCode = "SUCCEEDED: container main exited 0", "", false, []string{}, []postmortem.Finding{}, 0
		rep.Causes = []postmortem.Cause{}
	}
	return rep
}

func TestWhyTextReadsVerdictThenEvidenceThenFix(t *testing.T) {
	tests := []struct {
		name    string
		rep     *postmortem.Report
		color   bool
		want    []string // in this order
		without []string
	}{
		{"a failure", sampleWhy(postmortem.Failed), false, []string{
			"FAILED: container main was OOMKilled (exit 137)", "signature oom-killed", "Evidence:",
			"  * container main terminated: OOMKilled, exit 137", "Job       j: Failed=True BackoffLimitExceeded (created 1h0m0s ago)",
			"main: terminated OOMKilled, exit 137; memory limit 2Gi", "Overlord  FAILED, runnerStatusCode WAITING: Peon did not report status successfully.",
			"Log       pod druid/p container main: 30 lines, the last 1 shown", "| last line", "Not read  previous pod log: no previous container",
			"Fix:", "  - raise the memory limit", "Causes, most likely first", "  confirmed  oom-killed: the kernel killed", "confirmed by container main terminated",
			"fix: raise the memory limit", "  ruled out  status-not-pushed", "Also matched:", "job-failed"}, []string{"\033[", "fix: configure druid.indexer.logs"}},
		{"a success has no fix", sampleWhy(postmortem.Succeeded), false, []string{"SUCCEEDED: container main exited 0", "nothing failed", "Evidence:"}, []string{"Fix:", "Also matched:", "Causes"}},
		{"colour only when asked", sampleWhy(postmortem.Failed), true, []string{"\033[31mFAILED\033[0m: container main"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			printWhy(&out, tt.rep, whyNow, tt.color)
			s := out.String()
			if first, _, _ := strings.Cut(s, "\n"); !strings.HasPrefix(first, strings.SplitN(tt.want[0], ":", 2)[0]) && !tt.color {
				t.Fatalf("first line %q is not the verdict", first)
			}
			at := 0
			for _, w := range tt.want {
				i := strings.Index(s[at:], w)
				if i < 0 {
					t.Fatalf("lacks %q after offset %d:\n%s", w, at, s)
				}
				at += i
			}
			for _, w := range tt.without {
				if strings.Contains(s, w) {
					t.Fatalf("has %q:\n%s", w, s)
				}
			}
		})
	}
}

// TestWhyJSONMatchesTheDocumentedSchema validates -o json output against
// docs/why.schema.json, and shows the schema refuses a broken report.
func TestWhyJSONMatchesTheDocumentedSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	f, err := os.Open("../../docs/why.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("why.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("why.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	validate := func(rep *postmortem.Report) error {
		var out bytes.Buffer
		if err := printStructured(&out, "json", rep); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&out)
		if err != nil {
			t.Fatal(err)
		}
		return schema.Validate(inst)
	}
	for _, o := range []postmortem.Outcome{postmortem.Failed, postmortem.Succeeded} {
		if err := validate(sampleWhy(o)); err != nil {
			t.Fatalf("%s report does not match the schema: %v", o, err)
		}
	}
	// Every signature the code knows is in the schema.
	for _, s := range postmortem.Signatures {
		rep := sampleWhy(postmortem.Failed)
		rep.Signature, rep.Findings[0].Signature = s.ID, s.ID
		if err := validate(rep); err != nil {
			t.Fatalf("signature %s: %v", s.ID, err)
		}
	}
	bad := sampleWhy(postmortem.Failed)
	bad.Verdict = "FAILED:\ntwo lines"
	if validate(bad) == nil {
		t.Fatal("the schema accepted a verdict on two lines")
	}
	b, _ := json.Marshal(sampleWhy(postmortem.Failed))
	if !strings.Contains(string(b), `"exitCode":6`) {
		t.Fatal(string(b))
	}
}

// TestWhyOverlordLogFromStdinOrFile: --overlord-log reads stdin for "-",
// a file otherwise, and a missing file is a usage error (exit 2).
func TestWhyOverlordLogFromStdinOrFile(t *testing.T) {
	const id, job = "index_kafka_wiki_abcdefgh", "indexkafkawikiabcdefgh-0123"
	log := "2026-11-26T17:14:21,002 INFO [k8s-task-runner-3] org.apache.druid.k8s.overlord.common.KubernetesPeonClient - Pod for job[" + job +
		"] launched. Waiting for pod to be in running state.\n" +
		"2026-11-26T17:14:22,000 INFO [TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run task[index_kafka_other_abcdefgh]\n"
	o := &WhyOptions{Globals: &Globals{}, OverlordLog: "-"}
	o.In = strings.NewReader(log)
	lines, err := o.readOverlordLog(id, []string{job})
	if err != nil || len(lines) != 1 {
		t.Fatalf("stdin: %v %q", err, lines)
	}
	path := t.TempDir() + "/overlord.log"
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	o.OverlordLog = path
	if lines, err = o.readOverlordLog(id, []string{job}); err != nil || len(lines) != 1 {
		t.Fatalf("file: %v %q", err, lines)
	}
	o.OverlordLog = path + ".missing"
	_, err = o.readOverlordLog(id, nil)
	if code, _ := exitcode.CodeOf(err); code != exitcode.Usage {
		t.Fatalf("missing file: %v (exit %d)", err, code)
	}
}

// TestWhyTextWarnsOfARotatedLog: a log whose start was rotated away carries
// the warning under its row, before its lines.
func TestWhyTextWarnsOfARotatedLog(t *testing.T) {
	rep := sampleWhy(postmortem.Failed)
	rep.Evidence.Logs[0].Rotated = "the log's first line was written at 2026-12-02T05:00:00Z, 4h0m0s after container main started (2026-12-02T01:00:00Z): the kubelet rotated the start of the log away"
	var out bytes.Buffer
	printWhy(&out, rep, whyNow, false)
	s := out.String()
	row := strings.Index(s, "Log       pod druid/p container main")
	warn := strings.Index(s, "            warning: the log's first line was written at 2026-12-02T05:00:00Z, 4h0m0s after")
	line := strings.Index(s, "| last line")
	if row < 0 || warn < row || line < warn {
		t.Fatalf("want the Log row, the warning, then the lines:\n%s", s)
	}
}
