package overlord

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestTaskDocumentsAndTheir404s(t *testing.T) {
	const reports404 = "No task reports were found for this task. The task may not exist, or it may not have completed yet."
	tests := []struct {
		name    string
		get     func(*Client) ([]byte, error)
		code    int
		ctype   string
		body    string
		want    string // body returned, or the error's text
		wantErr any
	}{
		{"reports as they came", func(c *Client) ([]byte, error) { return c.TaskReports(context.Background(), "t") },
			200, "application/json", `{"ingestionStatsAndErrors":{"type":"ingestionStatsAndErrors"}}`, `{"ingestionStatsAndErrors"`, nil},
		{"no reports saved: Druid's text", func(c *Client) ([]byte, error) { return c.TaskReports(context.Background(), "t") },
			404, "text/plain", reports404, reports404, new(*NoDocumentError)},
		{"payload as it came", func(c *Client) ([]byte, error) { return c.TaskPayload(context.Background(), "t") },
			200, "application/json", `{"task":"t","payload":{"type":"noop"}}`, `"payload":{"type":"noop"}`, nil},
		{"unknown task's payload", func(c *Client) ([]byte, error) { return c.TaskPayload(context.Background(), "t") },
			404, "application/json", `{"task":"t","payload":null}`, `no payload for task "t": 404 Not Found`, new(*NoDocumentError)},
		{"a proxy's 404 is not Druid's", func(c *Client) ([]byte, error) { return c.TaskReports(context.Background(), "t") },
			404, "application/json", `{"kind":"Status","code":404}`, "404", new(*HTTPError)},
		{"refused credentials", func(c *Client) ([]byte, error) { return c.TaskReports(context.Background(), "t") },
			401, "text/plain", "Unauthorized", "401", new(*HTTPError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.get(fixedServer(t, tt.code, tt.ctype, tt.body))
			if tt.wantErr != nil {
				if err == nil || !errors.As(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %T containing %q", err, tt.wantErr, tt.want)
				}
				return
			}
			if err != nil || !strings.Contains(string(b), tt.want) {
				t.Fatalf("got %q, %v", b, err)
			}
		})
	}
}

func TestClusterTag(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"task":"x","payload":{"type":"index_kafka","context":{"tags":{"k8s_cluster":"west"}}}}`, "west"},
		{`{"task":"x","payload":{"type":"index_kafka","context":{}}}`, ""},
		{`{"task":"x","payload":null}`, ""},
		{`not json`, ""},
		{`{"task":"x","payload":{"context":{"tags":{"k8s_cluster":7}}}}`, ""},
	}
	for _, tt := range tests {
		if got := ClusterTag([]byte(tt.doc)); got != tt.want {
			t.Errorf("ClusterTag(%s) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}
