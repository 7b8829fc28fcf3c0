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
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
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

func TestPrintDiagnosisSaysTheFailedLayerCauseAndFix(t *testing.T) {
	// A RUNNING task whose live log the Overlord (Druid 36) answers 404 for
	// while its service account may not get pods/log.
	st := &overlord.TaskStatusPlus{ID: "query-abc123", StatusCode: overlord.StatusRunning, RunnerStatusCode: overlord.RunnerRunning,
		Location: overlord.TaskLocation{Host: "10.244.1.7", Port: 8100, TLSPort: -1, K8sPodName: "queryabc123-a2-x7k2p"}}
	allowed := false
	leader := true
	a := &probe.Answers{TaskID: "query-abc123", Namespace: "druid", Container: "main", Now: t0,
		Overlord: probe.OverlordAnswers{Where: "pod druid/druid-overlord-0:8090", How: "the API server's pod proxy", IsLeader: &leader, Status: st,
			Log: &overlord.LogAnswer{Code: 404, Message: "No log was found for this task. No logs found for this task. Ensure that the task is running and logging is configured correctly."}},
		Kube: probe.KubeAnswers{Review: probe.AccessAnswer{ServiceAccount: "druid:druid-overlord", Namespace: "druid", Allowed: &allowed}},
		Logs: probe.LogEvidence{Pods: []string{"druid/druid-overlord-0"}, TailLines: 40}}
	d := probe.Evaluate(a)
	var out bytes.Buffer
	printDiagnosis(&out, d, tracedResult(overlordsim.Streamed), false, traceMarkers(&out, true))
	for _, w := range []string{
		"Live-log path of task query-abc123 (namespace druid)", "Overlord: pod druid/druid-overlord-0:8090, reached by the API server's pod proxy",
		"RUNNING rule: RUNNING = the pod has an IP (default direct client; assumed: the Overlord's properties are unavailable",
		"Overlord log: the log of druid/druid-overlord-0 holds no line in Druid's pattern", "DRUID_LOG4J",
		"[ok]   1 request", "[ok]   4 running", "[FAIL] 5 log-watch", "404 \"No log was found for this task.",
		"Failed layer: step 5 log-watch (exit 5)", "Cause: the Overlord's service account system:serviceaccount:druid:druid-overlord may not get pods/log",
		"Fix:   grant it: kubectl create role",
	} {
		if !strings.Contains(out.String(), w) {
			t.Fatalf("output lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	if err := printStructured(&out, "json", traceDoc{Diagnosis: d, OverlordPods: []string{"druid/druid-overlord-0"}}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"taskId", "overlord", "reachedBy", "runningRule", "steps", "failedStep", "cause", "fix", "exitCode", "overlordLog", "overlordPods", "logTrace"} {
		if _, ok := doc[k]; !ok {
			t.Fatalf("no key %q in %s", k, out.String())
		}
	}
	if doc["failedStep"] != "log-watch" || doc["exitCode"] != float64(5) {
		t.Fatalf("failedStep %v exitCode %v", doc["failedStep"], doc["exitCode"])
	}
}
