package overlordsim

import (
	"strings"
	"testing"
)

func TestReportsAndPayloadAsDruidServesThem(t *testing.T) {
	s := New(Config{})
	s.SetReports("done", []byte(`{"ingestionStatsAndErrors":{"type":"ingestionStatsAndErrors"}}`))
	s.SetPayload("done", []byte(`{"type":"index_kafka","id":"done"}`))
	base := Serve(t, s) + BasePath
	tests := []struct {
		name, path string
		code       int
		body       string
	}{
		{"reports as stored", "/task/done/reports", 200, `{"ingestionStatsAndErrors":{"type":"ingestionStatsAndErrors"}}`},
		{"no reports: Druid's text", "/task/other/reports", 404, ReportsNotFound},
		{"payload wrapped as GET /task/{id} does", "/task/done", 200, `{"payload":{"type":"index_kafka","id":"done"},"task":"done"}`},
		{"unknown task: payload null", "/task/other", 404, `{"payload":null,"task":"other"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := get(t, base+tt.path, nil)
			if code != tt.code || strings.TrimSpace(body) != tt.body {
				t.Fatalf("%d %q, want %d %q", code, body, tt.code, tt.body)
			}
		})
	}
}
