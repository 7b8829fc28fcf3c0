package druid

import (
	"strings"
	"testing"
)

func TestParseTaskRef(t *testing.T) {
	tests := []struct {
		arg       string
		kind      RefKind
		value     string
		fromURL   string
		wantError string
	}{
		{"query-abc123", RefTaskID, "query-abc123", "", ""},
		{"index_kafka_wiki_abcdefgh", RefTaskID, "index_kafka_wiki_abcdefgh", "", ""},
		{"pod/queryabc123-a231684e224375f80c96f6832225c4a1-x7k2p", RefPod, "queryabc123-a231684e224375f80c96f6832225c4a1-x7k2p", "", ""},
		{"pods/p1", RefPod, "p1", "", ""},
		{"job/queryabc123-a231684e224375f80c96f6832225c4a1", RefJob, "queryabc123-a231684e224375f80c96f6832225c4a1", "", ""},
		{"job.batch/j1", RefJob, "j1", "", ""},
		{"job/", "", "", "", "names no job"},
		{"https://druid.example.com:8281/druid/indexer/v1/task/query-abc123/status", RefTaskID, "query-abc123", "Overlord API URL", ""},
		{"http://overlord:8090/druid/indexer/v1/task/compact_wiki_2024-01-01T00%3A00%3A00.000Z_x/log?offset=-8192",
			RefTaskID, "compact_wiki_2024-01-01T00:00:00.000Z_x", "Overlord API URL", ""},
		{"/druid/indexer/v1/task/query-abc123", RefTaskID, "query-abc123", "Overlord API URL", ""},
		{"http://router:8888/unified-console.html#tasks/task_id=query-abc123", RefTaskID, "query-abc123", "web-console URL", ""},
		{"http://router:8888/unified-console.html#ingestion/task_id~index_kafka_wiki_abcdefgh", RefTaskID, "index_kafka_wiki_abcdefgh", "web-console URL", ""},
		{"http://router:8888/unified-console.html#tasks/datasource=wiki&taskId=query%2Dabc123", RefTaskID, "query-abc123", "web-console URL", ""},
		{"http://router:8888/unified-console.html#workbench", "", "", "", "no task ID in URL"},
		{"https://druid.example.com/", "", "", "", "no task ID in URL"},
		{"some/thing", RefTaskID, "some/thing", "", ""}, // ValidateTaskID rejects it later, with its own message
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			got, err := ParseTaskRef(tt.arg)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("ParseTaskRef = %+v, %v; want an error with %q", got, err, tt.wantError)
				}
				return
			}
			if err != nil || got.Kind != tt.kind || got.Value != tt.value || got.FromURL != tt.fromURL {
				t.Fatalf("ParseTaskRef = %+v, %v; want %s %q from %q", got, err, tt.kind, tt.value, tt.fromURL)
			}
		})
	}
}
