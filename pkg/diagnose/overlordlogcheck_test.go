package diagnose

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlordlog"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

func traced(recs []overlordsim.Record) *trace.Result {
	tr := trace.NewTracer("druid/druid-overlord-0", trace.Options{TaskID: "query-abc123"})
	for _, l := range overlordsim.Render(now, recs) {
		tr.Feed(l, time.Time{})
	}
	return trace.Evaluate(trace.Context{TaskID: "query-abc123", Namespace: "druid"}, []trace.PodTrace{tr.Finish()})
}

func TestOverlordLogCheck(t *testing.T) {
	running := &overlord.TaskStatusPlus{ID: "query-abc123", StatusCode: "RUNNING", RunnerStatusCode: "RUNNING"}
	noLog := &overlord.NoLogError{TaskID: "query-abc123", Message: overlordsim.LogNotFound34}
	notRunning := traced(overlordsim.RequestRecords("qtp-1", "query-abc123", "j", "druid", overlordsim.NotRunning))
	stock := traced(overlordsim.StockRecords("qtp-1", "query-abc123", "j"))
	tests := []struct {
		name     string
		pod      func(*corev1.Pod)
		ovl      OverlordProbe
		probe    OverlordLogProbe
		podBytes int
		status   Status
		code     int
		contains string
	}{
		{"no Overlord configured", func(*corev1.Pod) {}, OverlordProbe{}, OverlordLogProbe{}, 120, Skipped, exitcode.OK, "no Overlord configured"},
		{"the Overlord cannot be asked", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Err: errors.New("refused")}, OverlordLogProbe{}, 120,
			Skipped, exitcode.OK, "check overlord did not pass"},
		{"the task is not RUNNING", terminate(0, "Completed"), OverlordProbe{Where: "http://o", Status: running}, OverlordLogProbe{}, 120,
			Skipped, exitcode.OK, "not RUNNING"},
		{"the live log comes back", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running}, OverlordLogProbe{Tried: true, Bytes: 42}, 120,
			OK, exitcode.OK, "streams this RUNNING task's live log: 42 bytes"},
		{"404 while the pod logs, and the Overlord's log says PENDING", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running},
			OverlordLogProbe{Tried: true, Err: noLog, Trace: notRunning}, 120, Fail, exitcode.NotRunning,
			`cannot stream this RUNNING task's live log: it answered 404 "No log was found for this task. The task may not exist, or it may not have begun running yet."; its log shows step 4 (running) fail`},
		{"an empty answer and the Overlord's log forbidden", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running},
			OverlordLogProbe{Tried: true, TraceErr: apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, "o", errors.New("no"))}, 120,
			Fail, exitcode.Error, "it answered an empty body"},
		{"404 from an Overlord without markers", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running},
			OverlordLogProbe{Tried: true, Err: noLog, Trace: stock}, 120, Fail, exitcode.Error, "no live-log marker lines"},
		{"404 while the container has written nothing", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running},
			OverlordLogProbe{Tried: true, Err: noLog}, 0, Warning, exitcode.OK, "written nothing yet either"},
		{"credentials refused", func(*corev1.Pod) {}, OverlordProbe{Where: "http://o", Status: running},
			OverlordLogProbe{Tried: true, Err: &overlord.HTTPError{Method: "GET", URL: "http://o", StatusCode: 401}}, 120, Fail, exitcode.Forbidden, "cannot ask"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(tt.pod)
			obs.Overlord, obs.OverlordLog, obs.Log.Bytes = tt.ovl, tt.probe, tt.podBytes
			c := Evaluate(obs).Checks[8]
			text := c.Message + " | " + strings.Join(c.Evidence, " | ") + " | " + c.Hint
			if c.ID != CheckOverlordLog || c.Status != tt.status || (c.Status == Fail && c.Code != tt.code) || !strings.Contains(text, tt.contains) {
				t.Fatalf("%s = %s/%d %q\nwant %s/%d containing %q", c.ID, c.Status, c.Code, text, tt.status, tt.code, tt.contains)
			}
			if c.Status == Fail && c.Hint == "" {
				t.Fatal("a failed check has no hint")
			}
		})
	}
}

type fakeLogs struct {
	body string
	err  error
}

func (f fakeLogs) TaskLog(context.Context, string, int64) (io.ReadCloser, error) {
	if f.err != nil {
		return nil, f.err
	}
	return io.NopCloser(strings.NewReader(f.body)), nil
}

func TestCollectOverlordLogTracesOnlyWhenTheOverlordGivesNothing(t *testing.T) {
	ovlPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "druid-overlord-0", Namespace: "druid", Labels: map[string]string{"component": "overlord"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "druid"}}}}
	tests := []struct {
		name   string
		pod    func(*corev1.Pod)
		ovlErr error
		logs   fakeLogs
		tried  bool
		bytes  int
		traced bool
	}{
		{"content", func(*corev1.Pod) {}, nil, fakeLogs{body: "peon line\n"}, true, 10, false},
		{"Druid's 404", func(*corev1.Pod) {}, nil, fakeLogs{err: &overlord.NoLogError{TaskID: "query-abc123", Message: overlordsim.LogNotFound35}}, true, 0, true},
		{"an empty body", func(*corev1.Pod) {}, nil, fakeLogs{}, true, 0, true},
		{"a server error is not traced", func(*corev1.Pod) {}, nil, fakeLogs{err: &overlord.HTTPError{StatusCode: 500}}, true, 0, false},
		{"a finished task is not asked", terminate(0, "Completed"), nil, fakeLogs{body: "x"}, false, 0, false},
		{"an Overlord that did not answer is not asked", func(*corev1.Pod) {}, errors.New("refused"), fakeLogs{body: "x"}, false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(tt.pod)
			obs.Overlord = OverlordProbe{Where: "http://o", Err: tt.ovlErr}
			k := kubetest.Wrap(fake.NewClientset(ovlPod))
			CollectOverlordLog(context.Background(), k, obs, tt.logs, overlordlog.Selection{Namespace: "druid"})
			p := obs.OverlordLog
			if p.Tried != tt.tried || p.Bytes != tt.bytes || (p.Trace != nil) != tt.traced {
				t.Fatalf("probe %+v", p)
			}
			if tt.traced && (strings.Join(p.Trace.OverlordPods, " ") != "druid/druid-overlord-0" || p.Trace.Markers) {
				t.Fatalf("trace of %v, markers %t", p.Trace.OverlordPods, p.Trace.Markers)
			}
		})
	}
}
