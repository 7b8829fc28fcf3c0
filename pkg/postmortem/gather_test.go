package postmortem

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// fakeOverlord answers like an Overlord that knows one finished task.
type fakeOverlord struct {
	status  *overlord.TaskStatusPlus
	log     string
	reports string
	asked   []string
}

func (f *fakeOverlord) String() string { return "http://overlord:8081/druid/indexer/v1" }

func (f *fakeOverlord) TaskStatus(_ context.Context, id string) (*overlord.TaskStatus, error) {
	f.asked = append(f.asked, "status")
	if f.status == nil {
		return nil, &overlord.NotFoundError{TaskID: id}
	}
	return &overlord.TaskStatus{Task: id, Status: f.status}, nil
}

func (f *fakeOverlord) TaskLog(_ context.Context, id string, _ int64) (io.ReadCloser, error) {
	f.asked = append(f.asked, "log")
	if f.log == "" {
		return nil, &overlord.NoLogError{TaskID: id, Message: "No log was found for this task."}
	}
	return io.NopCloser(strings.NewReader(f.log)), nil
}

func (f *fakeOverlord) TaskReports(_ context.Context, id string) ([]byte, error) {
	if f.reports == "" {
		return nil, &overlord.NoDocumentError{TaskID: id, What: "reports", Message: "No task reports were found for this task."}
	}
	return []byte(f.reports), nil
}

func (f *fakeOverlord) TaskPayload(_ context.Context, id string) ([]byte, error) {
	return []byte(`{"task":"` + id + `","payload":{"type":"index_kafka"}}`), nil
}

// clientset serves objs and filters event lists by their field selector,
// as the API server does (the fake tracker ignores field selectors).
func clientset(objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewSimpleClientset(objs...)
	cs.PrependReactor("list", "events", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sel := a.(k8stesting.ListAction).GetListRestrictions().Fields
		all, err := cs.Tracker().List(schema.GroupVersionResource{Version: "v1", Resource: "events"}, schema.GroupVersionKind{Version: "v1", Kind: "Event"}, a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		out := &corev1.EventList{}
		for _, e := range all.(*corev1.EventList).Items {
			if sel.Matches(fields.Set{"involvedObject.kind": e.InvolvedObject.Kind, "involvedObject.name": e.InvolvedObject.Name}) {
				out.Items = append(out.Items, e)
			}
		}
		return true, out, nil
	})
	return cs
}

func withEvent(e corev1.Event, name string) *corev1.Event {
	e.Name, e.Namespace = name, "druid"
	return &e
}

func gather(t *testing.T, cs *fake.Clientset, ovl Overlord) *Evidence {
	t.Helper()
	loc := &locate.Locator{Client: kubetest.Wrap(cs), Namespace: "druid"}
	var o Overlord
	if ovl != nil {
		o = ovl
	}
	ev, err := Gather(context.Background(), kubetest.Wrap(cs), loc, o, taskID, Options{Container: "main", LogBytes: 1 << 20, TailLines: 500, Documents: true})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGatherReadsEverySourceThatStillExists(t *testing.T) {
	job := peonJob(backoffLimitExceeded)
	pod := peonPod(corev1.PodFailed, terminated(137, "OOMKilled"))
	cs := clientset(job, pod,
		withEvent(event("Job", jobName, corev1.EventTypeWarning, "BackoffLimitExceeded", "Job has reached the specified backoff limit"), "e1"),
		withEvent(event("Pod", podName, corev1.EventTypeNormal, "Started", "Started container main"), "e2"),
		withEvent(event("Pod", "another-pod", corev1.EventTypeWarning, "Evicted", "not ours"), "e3"))
	ovl := &fakeOverlord{status: ovl(overlord.StatusFailed, stock29NoStatus).Status, log: "saved 1\nsaved 2\n", reports: `{"ingestionStatsAndErrors":{}}`}
	ev := gather(t, cs, ovl)
	if ev.Job == nil || ev.Pod == nil || len(ev.JobEvents) != 1 || len(ev.PodEvents) != 1 {
		t.Fatalf("job %v pod %v job events %d pod events %d", ev.Job != nil, ev.Pod != nil, len(ev.JobEvents), len(ev.PodEvents))
	}
	var sources []string
	for _, l := range ev.Logs {
		sources = append(sources, string(l.Source))
	}
	if strings.Join(sources, ",") != "pod,overlord" {
		t.Fatalf("logs from %v, want the pod's and the Overlord's saved one", sources)
	}
	if string(ev.Reports) != `{"ingestionStatsAndErrors":{}}` || !strings.Contains(string(ev.Payload), "index_kafka") {
		t.Fatalf("documents: %q %q", ev.Reports, ev.Payload)
	}
	if rep := Diagnose(ev, 5); rep.Signature != "oom-killed" {
		t.Fatalf("verdict %s", rep.Verdict)
	}
}

func TestGatherFindsADeletedPodsEventsThroughTheOverlord(t *testing.T) {
	cs := clientset(withEvent(event("Pod", podName, corev1.EventTypeWarning, "Evicted", evictMsg), "e1"))
	ev := gather(t, cs, &fakeOverlord{status: ovl(overlord.StatusFailed, stock29NoStatus).Status, log: placeholder})
	if len(ev.PodEvents) != 1 || ev.Job != nil {
		t.Fatalf("pod events %d, job %v", len(ev.PodEvents), ev.Job)
	}
	if rep := Diagnose(ev, 5); rep.Signature != "evicted" || rep.ExitCode != exitcode.ContainerFailed {
		t.Fatalf("verdict %s (exit %d)", rep.Verdict, rep.ExitCode)
	}
}

func TestGatherKeepsGoingWhenKubernetesRefuses(t *testing.T) {
	cs := clientset()
	cs.PrependReactor("get", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, jobName, errors.New("RBAC"))
	})
	ev := gather(t, cs, &fakeOverlord{status: stockFailed(stockFailedToRun, neverRan).Status})
	if len(ev.Unread) == 0 || ev.Unread[0].What != "Job" || ev.Unread[0].Code != exitcode.Forbidden {
		t.Fatalf("unread: %+v", ev.Unread)
	}
	if rep := Diagnose(ev, 5); rep.Signature != "launch-failed" || rep.ExitCode != exitcode.ContainerFailed {
		t.Fatalf("the Overlord's answer should still decide: %s (exit %d)", rep.Verdict, rep.ExitCode)
	}
	if rep := Diagnose(gather(t, cs, nil), 5); rep.ExitCode != exitcode.Forbidden || !strings.Contains(rep.Verdict, "forbidden") {
		t.Fatalf("without an Overlord the refusal is the answer: %s (exit %d)", rep.Verdict, rep.ExitCode)
	}
}

func TestGatherSaysWhyAWaitingContainerHasNoLog(t *testing.T) {
	pod := peonPod(corev1.PodPending, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}})
	ev := gather(t, clientset(peonJob(), pod), nil)
	if len(ev.Logs) != 0 || len(ev.Unread) != 1 || !strings.Contains(ev.Unread[0].Reason, "has not started (ImagePullBackOff)") {
		t.Fatalf("logs %d unread %+v", len(ev.Logs), ev.Unread)
	}
}

func TestTailKeepsTheEndFromALineStart(t *testing.T) {
	tests := []struct {
		name      string
		limit     int
		writes    []string
		want      string
		truncated bool
	}{
		{"short log kept whole", 100, []string{"a\n", "b\n"}, "a\nb\n", false},
		{"long log cut at a line start", 8, []string{"line1\nline2\n", "line3\n"}, "line3\n", true},
		{"many small writes", 6, []string{"1\n", "2\n", "3\n", "4\n", "5\n", "6\n", "7\n"}, "5\n6\n7\n", true},
		{"no limit keeps all", 0, []string{"x\n", "y\n"}, "x\ny\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := &tail{limit: tt.limit}
			for _, w := range tt.writes {
				tl.Write([]byte(w))
			}
			l := tl.log(FromPod, "p")
			if string(l.Text) != tt.want || l.Truncated != tt.truncated {
				t.Fatalf("got %q truncated=%v, want %q %v", l.Text, l.Truncated, tt.want, tt.truncated)
			}
		})
	}
}

// knowsOnly is an Overlord that knows the task under its ID only.
type knowsOnly struct {
	*fakeOverlord
	id string
}

func (k knowsOnly) TaskStatus(ctx context.Context, id string) (*overlord.TaskStatus, error) {
	if id != k.id {
		return nil, &overlord.NotFoundError{TaskID: id}
	}
	return k.fakeOverlord.TaskStatus(ctx, id)
}

// TestGatherTakesTheTaskIDOfAPastedName: given the Job's or the pod's name,
// the evidence is the task's under its ID, and the Overlord is asked again
// under that ID.
func TestGatherTakesTheTaskIDOfAPastedName(t *testing.T) {
	for _, tc := range []struct{ arg, from string }{
		{jobName, "Job druid/" + jobName},
		{podName, "pod druid/" + podName},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			cs := clientset(peonJob(backoffLimitExceeded), peonPod(corev1.PodFailed, terminated(137, "OOMKilled")))
			loc := &locate.Locator{Client: kubetest.Wrap(cs), Namespace: "druid", ByName: true}
			o := knowsOnly{&fakeOverlord{status: ovl(overlord.StatusFailed, stock29NoStatus).Status, log: "saved\n"}, taskID}
			ev, err := Gather(context.Background(), kubetest.Wrap(cs), loc, o, tc.arg, Options{Container: "main", LogBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if ev.TaskID != taskID || ev.From != tc.from {
				t.Fatalf("task %q from %q, want %q from %q", ev.TaskID, ev.From, taskID, tc.from)
			}
			if ev.Overlord == nil || ev.Overlord.Status == nil || ev.Overlord.NotFound || len(ev.Unread) != 0 {
				t.Fatalf("Overlord %+v, unread %+v", ev.Overlord, ev.Unread)
			}
			if rep := Diagnose(ev, 5); rep.TaskID != taskID {
				t.Fatalf("report of task %q", rep.TaskID)
			}
		})
	}
}
