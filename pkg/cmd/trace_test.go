package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func tracedResult(flow overlordsim.Flow) *trace.Result {
	tr := trace.NewTracer("druid/druid-overlord-0", trace.Options{TaskID: "query-abc123"})
	recs := overlordsim.RequestRecords("qtp-77", "query-abc123", "queryabc123-a2", "druid", flow)
	for _, l := range overlordsim.Render(t0, recs) {
		tr.Feed(l, t0)
	}
	return trace.Evaluate(trace.Context{TaskID: "query-abc123", Namespace: "druid"}, []trace.PodTrace{tr.Finish()})
}

// TestTraceJSONHasTheIssuesSchema: taskId, overlordPods, steps of {step,
// id, status, lines}, failedStep (null on success), cause and fix.
func TestTraceJSONHasTheIssuesSchema(t *testing.T) {
	for _, tt := range []struct {
		flow   overlordsim.Flow
		failed any
	}{{overlordsim.Streamed, nil}, {overlordsim.NotRunning, "running"}} {
		var out bytes.Buffer
		if err := printStructured(&out, "json", tracedResult(tt.flow)); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"taskId", "overlordPods", "steps", "failedStep", "cause", "fix"} {
			if _, ok := doc[k]; !ok {
				t.Fatalf("no key %q in %s", k, out.String())
			}
		}
		if doc["failedStep"] != tt.failed || doc["overlordPods"].([]any)[0] != "druid/druid-overlord-0" {
			t.Fatalf("failedStep %v, overlordPods %v", doc["failedStep"], doc["overlordPods"])
		}
		steps := doc["steps"].([]any)
		if len(steps) != 5 {
			t.Fatalf("%d steps", len(steps))
		}
		for i, s := range steps {
			var keys []string
			for k := range s.(map[string]any) {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, ",") != "id,lines,status,step" || s.(map[string]any)["step"] != float64(i+1) {
				t.Fatalf("step %d: %v", i+1, s)
			}
		}
	}
}

func TestTraceRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no task ID", []string{"trace"}, "exactly one TASK_ID"},
		{"two task IDs", []string{"trace", "a", "b"}, "exactly one TASK_ID"},
		{"--summary with a task ID", []string{"trace", "--summary", "a"}, "takes no TASK_ID"},
		{"a bad selector", []string{"trace", "a", "-l", "a==b=c"}, "invalid -l"},
		{"a bad output", []string{"trace", "a", "-o", "wide"}, "unknown output format"},
		{"a negative window", []string{"trace", "a", "--since", "-1h"}, "must not be negative"},
		{"an invalid task ID", []string{"trace", "a/b"}, "invalid task ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			root := NewRootCmd(genericiooptions.IOStreams{Out: &out, ErrOut: &errOut})
			root.SetArgs(tt.args)
			err := root.Execute()
			var coded *exitcode.Err
			if !errors.As(err, &coded) || coded.Code != exitcode.Usage || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestPrintTraceSaysTheFailingLayerCauseAndFix(t *testing.T) {
	var out bytes.Buffer
	printTrace(&out, tracedResult(overlordsim.WatchNull), false, traceMarkers(&out, true))
	for _, w := range []string{
		"Trace of task query-abc123", "handled the request", "[K8S-CLIENT] Kubernetes API returned null LogWatch for job [queryabc123-a2]",
		"[ok]   4 running", "[FAIL] 5 log-watch", "Failing layer: step 5 log-watch (KubernetesPeonClient.getPeonLogWatcher [K8S-CLIENT])",
		"Cause: the Kubernetes client returned a null LogWatch", "Fix:   check the pod, Job and container",
	} {
		if !strings.Contains(out.String(), w) {
			t.Fatalf("output lacks %q:\n%s", w, out.String())
		}
	}
}
