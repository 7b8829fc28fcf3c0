package taskfollow

import (
	"errors"
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

func overlordFor(t *testing.T, cfg overlordsim.Config) (*overlordsim.Sim, *overlord.Client) {
	t.Helper()
	sim := overlordsim.New(cfg)
	c, err := overlord.New(overlord.Options{URL: overlordsim.Serve(t, sim), BasicUser: "admin", BasicPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestFollowAsksTheOverlordWhatKubernetesCannotStream(t *testing.T) {
	tests := []struct {
		name  string
		sim   func(*overlordsim.Sim)
		cfg   overlordsim.Config
		check func(t *testing.T, res *Result, err error, out string)
	}{
		{"a finished task's log comes from storage", func(s *overlordsim.Sim) {
			s.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
			s.Finish("query-a", overlordsim.Success, "", time.Second)
			s.SetLog("query-a", []byte("stored 1\nstored 2\n"))
		}, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"}, func(t *testing.T, res *Result, err error, out string) {
			if err != nil || !res.FromStorage || out != "stored 1\nstored 2\n" {
				t.Fatalf("Follow = %+v, %v, %q", res, err, out)
			}
		}},
		{"a failed task's log, then its failure", func(s *overlordsim.Sim) {
			s.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
			s.Finish("query-a", overlordsim.Failed, "OOM", time.Second)
			s.SetLog("query-a", []byte("stored\n"))
		}, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"}, func(t *testing.T, _ *Result, err error, out string) {
			var e *TaskFailedError
			if !errors.As(err, &e) || e.ErrorMsg != "OOM" || out != "stored\n" {
				t.Fatalf("Follow = %v, %q", err, out)
			}
		}},
		{"a queued task is refused", func(s *overlordsim.Sim) {
			s.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
		}, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"}, func(t *testing.T, _ *Result, err error, _ string) {
			var e *QueuedError
			if !errors.As(err, &e) {
				t.Fatalf("Follow = %v", err)
			}
		}},
		{"unknown to both", func(*overlordsim.Sim) {}, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"},
			func(t *testing.T, _ *Result, err error, _ string) {
				var e *NotFoundError
				if !errors.As(err, &e) || !e.OverlordUnknown {
					t.Fatalf("Follow = %v", err)
				}
			}},
		{"the Overlord refuses the credentials", func(*overlordsim.Sim) {}, overlordsim.Config{BasicUser: "admin", BasicPassword: "other"},
			func(t *testing.T, _ *Result, err error, _ string) {
				var e *OverlordError
				var h *overlord.HTTPError
				if !errors.As(err, &e) || !errors.As(err, &h) || !h.Unauthorized() {
					t.Fatalf("Follow = %v, want the Overlord's 401 named", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ovl := overlordFor(t, tt.cfg)
			tt.sim(sim)
			c := newCluster(t)
			var o output
			cfg := c.config("druid", &o)
			cfg.Overlord = ovl
			res, err := Follow(c.ctx(), cfg, "query-a")
			tt.check(t, res, err, o.stdout())
		})
	}
}

// TestAPodGoneBeforeItsLogWasReadContinuesFromStorage: the stream drops,
// then Druid deletes the Job and its pod before the follower could read
// the rest; the rest comes from Druid's stored log at the offset printed.
func TestAPodGoneBeforeItsLogWasReadContinuesFromStorage(t *testing.T) {
	sim, ovl := overlordFor(t, overlordsim.Config{BasicUser: "admin", BasicPassword: "pw"})
	sim.Put(overlordsim.NewTask("query-a", "query_controller", "wiki", time.Now()))
	c := newCluster(t)
	tk := c.newTask("druid", "query-a", "").run()
	var all strings.Builder
	var recs []crilog.Record
	for i := 0; i < 8; i++ {
		l := fmt.Sprintf("peon line %d", i)
		recs = append(recs, crilog.Line(crilog.Stdout, l, 0, time.Now())...)
		all.WriteString(l + "\n")
	}
	tk.kubelet().Append(recs...)
	firstFive := len(crilog.Read(crilog.Encode(recs[:5]...), crilog.Options{Timestamps: true}))
	tk.kubelet().Faults(crilog.Fault{CutAfter: firstFive, Err: io.ErrUnexpectedEOF, OnCut: func() {
		// Druid stores the log and deletes the Job; the pod goes with it.
		sim.Finish("query-a", overlordsim.Success, "", time.Second)
		sim.SetLog("query-a", []byte(all.String()))
		c.mu.Lock()
		delete(c.logs, tk.pod.Namespace+"/"+tk.pod.Name)
		c.mu.Unlock()
		go func() { _ = c.cs.CoreV1().Pods("druid").Delete(c.ctx(), tk.pod.Name, metav1.DeleteOptions{}) }()
	}})
	var o output
	cfg := c.config("druid", &o)
	cfg.Overlord, cfg.Notify = ovl, o.notify
	res, err := Follow(c.ctx(), cfg, "query-a")
	if err != nil || !res.FromStorage {
		t.Fatalf("Follow = %+v, %v\nstderr:\n%s", res, err, o.stderr())
	}
	if o.stdout() != all.String() {
		t.Fatalf("printed\n%s\nwant\n%s\nstderr:\n%s", o.stdout(), all.String(), o.stderr())
	}
	if !strings.Contains(o.stderr(), "continuing from Druid's task-log storage after the last line printed") {
		t.Fatalf("stderr should say where the rest came from:\n%s", o.stderr())
	}
}
