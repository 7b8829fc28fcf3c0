package trace

import "testing"

func TestRecognizeMarkersByTagAndPhrase(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want Marker
	}{
		{"request with emoji", "📺 [STREAM] API request to stream logs for task [query-abc123] (offset=0)",
			Marker{Kind: RequestReceived, Tag: TagStream, TaskID: "query-abc123"}},
		{"request with the emoji mangled into Latin-1", "ðŸ“º [STREAM] API request to stream logs for task [query-abc123] (offset=0)",
			Marker{Kind: RequestReceived, Tag: TagStream, TaskID: "query-abc123"}},
		{"request with the emoji replaced by question marks", "?? [STREAM] API request to stream logs for task [query-abc123] (offset=-8192)",
			Marker{Kind: RequestReceived, Tag: TagStream, TaskID: "query-abc123"}},
		{"request without any emoji, lower-cased tag", "[stream] api request to stream logs for task [query-abc123]",
			Marker{Kind: RequestReceived, Tag: TagStream, TaskID: "query-abc123"}},
		{"no work item", "⚠️  [STREAM] No work item found for task [query-unknown] - task may not exist",
			Marker{Kind: WorkItemMissing, Tag: TagStream, TaskID: "query-unknown"}},
		{"work item found", "📺 [STREAM] Found work item for task [query-abc123], delegating to streamTaskLogs()",
			Marker{Kind: WorkItemFound, Tag: TagStream, TaskID: "query-abc123"}},
		{"no lifecycle, as the source writes it with the TV emoji", "📺 [WORKITEM] No peon lifecycle available for task [query-abc123] - task may not have started yet",
			Marker{Kind: LifecycleMissing, Tag: TagWorkItem, TaskID: "query-abc123"}},
		{"no log stream from the lifecycle", "⚠️  [WORKITEM] Peon lifecycle returned no log stream for task [query-abc123]",
			Marker{Kind: WorkItemReturnedNone, Tag: TagWorkItem, TaskID: "query-abc123"}},
		{"log stream from the lifecycle", "✅ [WORKITEM] Peon lifecycle returned log stream for task [query-abc123]",
			Marker{Kind: WorkItemReturned, Tag: TagWorkItem, TaskID: "query-abc123"}},
		{"state without a task ID", "📺 [LIFECYCLE] Current task state: PENDING",
			Marker{Kind: StateReported, Tag: TagLifecycle, State: "PENDING"}},
		{"not running", "⚠️  [LIFECYCLE] Task [query-abc123] is not in RUNNING state (state=PENDING), cannot stream logs",
			Marker{Kind: NotRunning, Tag: TagLifecycle, TaskID: "query-abc123", State: "PENDING"}},
		{"running", "📺 [LIFECYCLE] Task [query-abc123] is RUNNING, requesting LogWatch from Kubernetes client",
			Marker{Kind: IsRunning, Tag: TagLifecycle, TaskID: "query-abc123"}},
		{"transition to running", "✅ [LIFECYCLE] Task [query-abc123] now in RUNNING state - logs should be streamable",
			Marker{Kind: NowRunning, Tag: TagLifecycle, TaskID: "query-abc123"}},
		{"state before join", "📊 [LIFECYCLE] Current state before join: PENDING",
			Marker{Kind: StateBeforeJoin, Tag: TagLifecycle, State: "PENDING"}},
		{"watcher called with the Job", "📺 [K8S-CLIENT] getPeonLogWatcher() called for task [query-abc123] (K8s job: queryabc123-a231684e224375f80c96f6832225c4a1)",
			Marker{Kind: WatcherCalled, Tag: TagK8sClient, TaskID: "query-abc123", Job: "queryabc123-a231684e224375f80c96f6832225c4a1"}},
		{"namespace and container", "📺 [K8S-CLIENT] Namespace: druid, Container: main",
			Marker{Kind: ClientTarget, Tag: TagK8sClient, Namespace: "druid", Container: "main"}},
		{"watch called names only the Job", "📺 [K8S-CLIENT] Calling Kubernetes API .watchLog() for job [queryabc123-a2]",
			Marker{Kind: WatchCalled, Tag: TagK8sClient, Job: "queryabc123-a2"}},
		{"watch error", "❌ [K8S-CLIENT] Error watching logs from task [query-abc123] (job: queryabc123-a2): Pod not found",
			Marker{Kind: WatchError, Tag: TagK8sClient, TaskID: "query-abc123", Job: "queryabc123-a2", Detail: "Pod not found"}},
		{"null watch", "⚠️  [K8S-CLIENT] Kubernetes API returned null LogWatch for job [queryabc123-a2]",
			Marker{Kind: WatchNull, Tag: TagK8sClient, Job: "queryabc123-a2"}},
		{"an unknown phrase of a known layer", "📺 [STREAM] something new for task [x]",
			Marker{Kind: OtherMarker, Tag: TagStream, TaskID: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Recognize(tt.msg)
			if !ok || got != tt.want {
				t.Fatalf("Recognize = %+v, %t; want %+v", got, ok, tt.want)
			}
		})
	}
}

func TestRecognizeIgnoresOrdinaryLines(t *testing.T) {
	for _, msg := range []string{
		"Successfully submitted job: queryabc123-a2 ... waiting for job to launch",
		"Error streaming logs from task: [ query-abc123, queryabc123-a2]",
		"[STREAMING] not a tag",
		"By the power of Grayskull, I have the power!",
		"",
	} {
		if m, ok := Recognize(msg); ok {
			t.Errorf("Recognize(%q) = %+v, want no marker", msg, m)
		}
	}
}
