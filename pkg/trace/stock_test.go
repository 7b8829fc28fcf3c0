package trace

import (
	"strings"
	"testing"
)

// Task IDs of the stock fixtures (testdata/stock-*/, see testdata/README.md).
const (
	idSuccess  = "compact_wikipedia_mkfjlkda_2026-12-01T10:01:00.000Z"
	idKafka    = "index_kafka_wikipedia_3b9e2a1f4c5d6e7_lmnoabcd"
	idLive     = "index_kafka_clicks_8a7b6c5d4e3f2a1_pqrsefgh"
	idNoSched  = "index_parallel_orders_nodpkfgi_2026-12-01T10:02:11.123Z"
	idQuota    = "index_parallel_events_quota_hcdbgeaf_2026-12-01T10:03:40.517Z"
	idOOM      = "index_kafka_metrics_5e4d3c2b1a09f8e_oomkilled"
	idNodeLost = "index_kafka_metrics_5e4d3c2b1a09f8e_nodelost"
	idDeleted  = "index_parallel_sales_jobdeleted_2026-12-01T10:05:00.000Z"
	idQueued   = "index_parallel_sales_queued_aabbccdd_2026-12-01T10:20:00.000Z"
	idLogError = "index_kafka_clicks_8a7b6c5d4e3f2a1_logerror"
	idMistyped = "index_kafka_wikipedia_3b9e2a1f4c5d6e7_lmnoabdc"
)

type stockCase struct {
	name, log, task string
	failed          StepID // "" when the log shows the live log served
	code            int
	state           string   // Result.Log.State
	outcome         string   // Result.Log.Outcome.Status, "" without one
	cause           []string // key facts the cause must name
}

// stockCases are the stories of the stock fixtures, per Druid version family.
var stockCases = []stockCase{
	// Druid 36+, with org.apache.druid.jetty.RequestLog at DEBUG (Druid's docker DRUID_LOG4J).
	{"36 finished SUCCESS", "stock-36/overlord-requestlog.log", idSuccess, StepWorkItem, 4, "finished", "SUCCESS",
		[]string{"finished SUCCESS", "druid/indexing-logs/" + idSuccess + "/log"}},
	{"36 kafka served live then finished, log in S3", "stock-36/overlord-requestlog.log", idKafka, StepWorkItem, 4, "finished", "SUCCESS",
		[]string{"finished SUCCESS", "druid/indexing-logs/" + idKafka + "/log", "200"}},
	{"36 kafka served live now", "stock-36/overlord-requestlog.log", idLive, "", 0, "running", "",
		[]string{"200"}},
	{"36 pod never scheduled: launch timeout", "stock-36/overlord-requestlog.log", idNoSched, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Failed to run task. See overlord logs for more details.", "Timed out waiting for [3600000] milliseconds for [Pod]", "never"}},
	{"36 quota exceeded", "stock-36/overlord-requestlog.log", idQuota, StepWorkItem, 4, "finished", "FAILED",
		[]string{"failed to create pods", "exceeded quota: druid-tasks"}},
	{"36 OOMKilled", "stock-36/overlord-requestlog.log", idOOM, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Peon did not report status successfully.", "BackoffLimitExceeded", "did not push its task status"}},
	{"36 node lost", "stock-36/overlord-requestlog.log", idNodeLost, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Peon did not report status successfully.", "BackoffLimitExceeded"}},
	{"36 Job deleted by hand", "stock-36/overlord-requestlog.log", idDeleted, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Peon did not report status successfully.", "Job vanished"}},
	{"36 queued behind capacity", "stock-36/overlord-requestlog.log", idQueued, StepLifecycle, 4, "queued", "",
		[]string{"Asking taskRunner to run task", "capacity"}},
	{"36 log-read ERROR", "stock-36/overlord-requestlog.log", idLogError, StepLogWatch, 1, "running", "",
		[]string{"is waiting to start: ContainerCreating", "Error streaming logs for pod["}},
	{"36 mistyped ID", "stock-36/overlord-requestlog.log", idMistyped, StepRequest, 1, "not-seen", "",
		[]string{"not seen", "GET /druid/indexer/v1/task/" + idMistyped + "/status"}},

	// Druid 36+ at INFO only (no request-log lines).
	{"36 INFO kafka running, nothing shows the live log", "stock-36/overlord.log", idLive, StepLogWatch, 1, "running", "",
		[]string{"RUNNING", "cannot tell"}},
	{"36 INFO queued", "stock-36/overlord.log", idQueued, StepLifecycle, 4, "queued", "", []string{"capacity"}},
	{"36 INFO OOMKilled", "stock-36/overlord.log", idOOM, StepWorkItem, 4, "finished", "FAILED", []string{"Peon did not report status successfully."}},

	// Druid 35.
	{"35 log-read ERROR", "stock-35/overlord.log", idLogError, StepLogWatch, 1, "running", "",
		[]string{"is waiting to start: ContainerCreating", "Error streaming logs from task"}},
	{"35 pod never scheduled", "stock-35/overlord.log", idNoSched, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Timed out waiting for [3600000] milliseconds for [Pod]"}},
	{"35 quota exceeded", "stock-35/overlord.log", idQuota, StepWorkItem, 4, "finished", "FAILED", []string{"exceeded quota"}},
	{"35 Job deleted by hand", "stock-35/overlord.log", idDeleted, StepWorkItem, 4, "finished", "FAILED", []string{"Job vanished"}},
	{"35 queued", "stock-35/overlord.log", idQueued, StepLifecycle, 4, "queued", "", []string{"capacity"}},

	// Druid 31: no line when the pod starts, TaskMaster-less leader line.
	{"31 running or pending: the log cannot tell", "stock-31/overlord.log", idLive, StepRunning, 1, "pending", "",
		[]string{"27-34 print none", "29-31"}},
	{"31 log-read ERROR proves RUNNING", "stock-31/overlord.log", idLogError, StepLogWatch, 1, "running", "",
		[]string{"Error streaming logs from task"}},
	{"31 pod never scheduled", "stock-31/overlord.log", idNoSched, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Timed out waiting for [3600000] milliseconds for [Pod]"}},
	{"31 Job deleted by hand", "stock-31/overlord.log", idDeleted, StepWorkItem, 4, "finished", "FAILED", []string{"Job vanished"}},
	{"31 OOMKilled", "stock-31/overlord.log", idOOM, StepWorkItem, 4, "finished", "FAILED", []string{"BackoffLimitExceeded"}},

	// Druid 38+ with the informer client (useK8sSharedInformers=true) and the multik8s runner.
	{"38 informer: finished SUCCESS", "stock-38/overlord-informer-multik8s.log", idSuccess, StepWorkItem, 4, "finished", "SUCCESS",
		[]string{"finished SUCCESS", "druid/indexing-logs/" + idSuccess + "/log"}},
	{"38 informer: RUNNING by the pod phase", "stock-38/overlord-informer-multik8s.log", idLive, StepLogWatch, 1, "running", "",
		[]string{"is now in Running/Complete state", "cannot tell"}},
	{"38 informer: the pod never became ready", "stock-38/overlord-informer-multik8s.log", idNoSched, StepWorkItem, 4, "finished", "FAILED",
		[]string{"k8sjobLaunchTimeout", "appeared and disappeared"}},
	{"38 informer: OOMKilled", "stock-38/overlord-informer-multik8s.log", idOOM, StepWorkItem, 4, "finished", "FAILED",
		[]string{"BackoffLimitExceeded", "Peon did not report status successfully."}},
	{"38 informer: Job deleted by hand", "stock-38/overlord-informer-multik8s.log", idDeleted, StepWorkItem, 4, "finished", "FAILED",
		[]string{"Job vanished"}},
	{"38 multik8s: queued on a cluster", "stock-38/overlord-informer-multik8s.log", idQueued, StepLifecycle, 4, "queued", "",
		[]string{"multik8s cluster east", "capacity"}},
	{"38 informer: log-read ERROR", "stock-38/overlord-informer-multik8s.log", idLogError, StepLogWatch, 1, "running", "",
		[]string{"is waiting to start: ContainerCreating"}},

	// An Overlord whose log is in a JSON layout (log4j2's JsonTemplateLayout, ECS).
	{"a JSON layout", "json-layout.log", idKafka, StepRequest, 1, "not-seen", "",
		[]string{"JSON layout", "PatternLayout"}},

	// An Overlord whose pods' log holds none of Druid's lines (log4j2 writes to a file).
	{"no Druid lines", "no-druid-lines.log", idKafka, StepRequest, 1, "not-seen", "",
		[]string{"Druid's log pattern", "DRUID_LOG4J", "log/overlord.log"}},
}

func TestStockLogsTellEachTasksLayerOutcomeAndExitCode(t *testing.T) {
	for _, tt := range stockCases {
		t.Run(tt.name, func(t *testing.T) {
			r := traceFile(t, "testdata/"+tt.log, tt.task, nil)
			failed := StepID("")
			if r.FailedStep != nil {
				failed = *r.FailedStep
			}
			if failed != tt.failed || r.ExitCode() != tt.code {
				t.Fatalf("failedStep %q exit %d, want %q exit %d\ncause %s", failed, r.ExitCode(), tt.failed, tt.code, r.Cause)
			}
			for _, c := range tt.cause {
				if !strings.Contains(r.Cause+"\n"+r.Fix, c) {
					t.Fatalf("cause %q\nfix %q\nwant them to name %q", r.Cause, r.Fix, c)
				}
			}
			outcome := ""
			if r.Log.Outcome != nil {
				outcome = r.Log.Outcome.Status
			}
			if r.Log.State != tt.state || outcome != tt.outcome {
				t.Fatalf("log state %q outcome %q, want %q %q", r.Log.State, outcome, tt.state, tt.outcome)
			}
		})
	}
}
