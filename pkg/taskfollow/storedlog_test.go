package taskfollow

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

func TestPrintStoredLogHonoursTailWithNegativeOffsets(t *testing.T) {
	sim := overlordsim.New(overlordsim.Config{})
	task := overlordsim.NewTask("index_done", "index_parallel", "wiki", time.Now())
	sim.Put(task)
	sim.Finish("index_done", "SUCCESS", "", time.Minute)
	var log strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&log, "2026-11-26T10:00:00,000 INFO [task-runner] line %05d of a finished task\n", i)
	}
	sim.SetLog("index_done", []byte(log.String()))
	c, err := overlord.New(overlord.Options{URL: overlordsim.Serve(t, sim)})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	tests := []struct {
		name string
		tail int64
		want []string
	}{
		{"whole log", -1, all},
		{"last 3 lines", 3, all[len(all)-3:]},
		{"more lines than one window holds", 5000, all[len(all)-5000:]},
		{"more lines than the log has", 50000, all},
		{"zero lines", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := printStoredLog(context.Background(), c, "index_done", &tt.tail, &out); err != nil {
				t.Fatal(err)
			}
			want := ""
			if len(tt.want) > 0 {
				want = strings.Join(tt.want, "\n") + "\n"
			}
			if out.String() != want {
				t.Fatalf("got %d bytes (%d lines), want %d lines", out.Len(), strings.Count(out.String(), "\n"), len(tt.want))
			}
		})
	}
	for _, r := range sim.Requests() {
		if r.Path == "/druid/indexer/v1/task/index_done/log" && r.Query.Get("offset") != "0" && r.Query.Get("offset") != "" && !strings.HasPrefix(r.Query.Get("offset"), "-") {
			t.Fatalf("tail must read from the end (negative offset), asked offset=%s", r.Query.Get("offset"))
		}
	}
}
