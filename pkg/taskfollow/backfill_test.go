package taskfollow

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// TestAGapIsFilledFromTheStoredLogAtTheEnd: the stream drops while the
// kubelet rotates the log; the resume reads only the current file, which
// begins after the last line printed. One warning, following goes on, the
// exit stays the container's; at the end the missing lines come from
// Druid's stored log when it holds them, announced and (in JSON) marked
// backfilled, and never a line twice; when it does not, that is said.
func TestAGapIsFilledFromTheStoredLogAtTheEnd(t *testing.T) {
	var all []string
	var recs []crilog.Record
	t0 := time.Now().Add(-time.Minute)
	for i := 0; i < 30; i++ {
		all = append(all, fmt.Sprintf("2026-11-26T10:00:%02d,000 INFO [task-runner] peon line %d", i, i))
		recs = append(recs, crilog.Line(crilog.Stdout, all[i], 0, t0.Add(time.Duration(i)*time.Second))...)
	}
	text := func(ls []string) string { return strings.Join(ls, "\n") + "\n" }
	tests := []struct {
		name       string
		stored     []string
		json       bool
		wantOut    string
		wantStderr string
	}{
		{"the stored log holds the gap", all, false, text(all[:10]) + text(all[20:]) + text(all[10:20]),
			"10 lines missing between " + stampText(t0.Add(9*time.Second)) + " and " + stampText(t0.Add(20*time.Second)) + ", from task-log storage:"},
		{"as JSON", all, true, "", "10 lines missing between"},
		{"the stored log begins after the gap (Druid read the current file)", all[25:], false, text(all[:10]) + text(all[20:]),
			"are not in Druid's stored log either"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ovl := overlordFor(t, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"})
			sim.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
			c := newCluster(t)
			tk := c.newTask("druid", "query-a", "").run()
			tk.kubelet().Append(recs[:10]...)
			tk.kubelet().Faults(crilog.Fault{CutAfter: 1 << 30, OrWhenIdle: true, Err: io.ErrUnexpectedEOF, OnCut: func() {
				// Lines 10 to 19 go to a file the kubelet rotates away; a
				// new request reads the current file only.
				current := crilog.NewKubelet()
				current.Append(recs[20:]...)
				c.mu.Lock()
				c.logs[tk.pod.Namespace+"/"+tk.pod.Name] = current
				c.mu.Unlock()
				go func() {
					time.Sleep(50 * time.Millisecond)
					tk.exit(0, "Completed")
					sim.Finish("query-a", overlordsim.Success, "", time.Second)
					sim.SetLog("query-a", []byte(text(tt.stored)))
				}()
			}})
			var o output
			cfg := c.config("druid", &o)
			cfg.Overlord, cfg.Notify, cfg.JSON = ovl, o.notify, tt.json
			res, err := Follow(c.ctx(), cfg, "query-a")
			if err != nil {
				t.Fatalf("Follow: %v\nstderr:\n%s", err, o.stderr())
			}
			if n := strings.Count(o.stderr(), "warning: log lines between"); n != 1 || len(res.Gaps) != 1 {
				t.Fatalf("want one gap warning, got %d and %d gaps:\n%s", n, len(res.Gaps), o.stderr())
			}
			if !strings.Contains(o.stderr(), tt.wantStderr) {
				t.Fatalf("stderr should say %q:\n%s", tt.wantStderr, o.stderr())
			}
			if !tt.json {
				if o.stdout() != tt.wantOut {
					t.Fatalf("printed\n%s\nwant\n%s\nstderr:\n%s", o.stdout(), tt.wantOut, o.stderr())
				}
				return
			}
			type object struct {
				Event, From, To, Message string
				Backfilled               bool
			}
			var objs []object
			for _, l := range strings.Split(strings.TrimSuffix(o.stdout(), "\n"), "\n") {
				var v object
				if err := json.Unmarshal([]byte(l), &v); err != nil {
					t.Fatalf("not JSON: %q", l)
				}
				objs = append(objs, v)
			}
			if len(objs) != 31 || objs[10].Event != "gap" || objs[10].From != stampText(t0.Add(9*time.Second)) ||
				objs[10].To != stampText(t0.Add(20*time.Second)) || objs[11].Message != all[20] || objs[11].Backfilled ||
				objs[21].Message != all[10] || !objs[21].Backfilled || !objs[30].Backfilled {
				t.Fatalf("JSON output:\n%s", o.stdout())
			}
		})
	}
}
