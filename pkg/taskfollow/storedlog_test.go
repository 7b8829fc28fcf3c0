package taskfollow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
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

// TestContinuingFromStorageAfterARotationGoesByContent is issue 21's
// defect 4: the pod goes before its log was read to the end and the rest
// comes from Druid's stored log, which Druid read through the API after
// the container ended: after a rotation it begins later than the file the
// follow read. The follow goes on after the last lines printed, found by
// content; when they are not in the stored log it says so and prints
// nothing from it (no line twice, none dropped without a word).
func TestContinuingFromStorageAfterARotationGoesByContent(t *testing.T) {
	var all []string
	for i := 0; i < 20; i++ {
		all = append(all, fmt.Sprintf("2026-11-26T10:00:%02d,000 INFO [task-runner] peon line %d", i, i))
	}
	text := func(ls []string) string { return strings.Join(ls, "\n") + "\n" }
	tests := []struct {
		name       string
		stored     []string // Druid's stored log
		wantOut    string
		wantStderr string
	}{
		{"the stored log is the whole log", all, text(all), "continuing from Druid's task-log storage after the last line printed"},
		{"the stored log begins before the last lines printed", all[6:], text(all), "continuing from Druid's task-log storage after the last line printed"},
		{"the stored log begins inside the last lines printed", all[8:], text(all), "continuing from Druid's task-log storage after the last line printed"},
		{"the stored log begins after them", all[12:], text(all[:10]),
			"Druid's stored log of task query-a does not contain the last lines printed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ovl := overlordFor(t, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"})
			sim.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
			c := newCluster(t)
			tk := c.newTask("druid", "query-a", "").run()
			var recs []crilog.Record
			for _, l := range all {
				recs = append(recs, crilog.Line(crilog.Stdout, l, 0, time.Now())...)
			}
			tk.kubelet().Append(recs...)
			firstTen := len(crilog.Read(crilog.Encode(recs[:10]...), crilog.Options{Timestamps: true}))
			tk.kubelet().Faults(crilog.Fault{CutAfter: firstTen, Err: io.ErrUnexpectedEOF, OnCut: func() {
				sim.Finish("query-a", overlordsim.Success, "", time.Second)
				sim.SetLog("query-a", []byte(text(tt.stored)))
				c.mu.Lock()
				delete(c.logs, tk.pod.Namespace+"/"+tk.pod.Name)
				c.mu.Unlock()
				go func() { _ = c.cs.CoreV1().Pods("druid").Delete(c.ctx(), tk.pod.Name, metav1.DeleteOptions{}) }()
			}})
			var o output
			cfg := c.config("druid", &o)
			cfg.Overlord, cfg.Notify = ovl, o.notify
			if _, err := Follow(c.ctx(), cfg, "query-a"); err != nil {
				t.Fatalf("Follow: %v\nstderr:\n%s", err, o.stderr())
			}
			if o.stdout() != tt.wantOut {
				t.Fatalf("printed\n%s\nwant\n%s\nstderr:\n%s", o.stdout(), tt.wantOut, o.stderr())
			}
			if !strings.Contains(o.stderr(), tt.wantStderr) {
				t.Fatalf("stderr should say %q:\n%s", tt.wantStderr, o.stderr())
			}
		})
	}
}
