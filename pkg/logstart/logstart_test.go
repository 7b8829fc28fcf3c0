package logstart

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	fakerest "k8s.io/client-go/rest/fake"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

var started = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func TestRotated(t *testing.T) {
	tests := []struct {
		name  string
		first time.Time
		start time.Time
		want  bool
	}{
		{"first line a second after the start", started.Add(time.Second), started, false},
		{"first line at the slack's end", started.Add(Slack), started, false},
		{"first line just past the slack", started.Add(Slack + time.Millisecond), started, true},
		{"first line hours later", started.Add(3 * time.Hour), started, true},
		// Two clocks (the runtime's and the line's): a line may predate it.
		{"first line a little before the start", started.Add(-time.Millisecond), started, false},
		{"empty log", time.Time{}, started, false},
		{"start unknown", started.Add(time.Hour), time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start{Container: "main", Started: tt.start, First: tt.first}
			if got := s.Rotated(); got != tt.want {
				t.Fatalf("Rotated() = %v, want %v", got, tt.want)
			}
		})
	}
	ev := Start{Container: "main", Started: started, First: started.Add(3*time.Hour + 400*time.Millisecond)}.Evidence()
	for _, w := range []string{"2026-12-04T12:00:00Z", "3h0m0s after container main started (2026-12-04T09:00:00Z)", "rotated"} {
		if !strings.Contains(ev, w) {
			t.Errorf("evidence %q lacks %q", ev, w)
		}
	}
}

func TestFirstTimestamp(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Time
		wantErr bool
	}{
		// The kubelet's form (RFC3339Nano, fixed nanoseconds), cut by limitBytes.
		{"kubelet line", "2026-12-04T12:00:00.123456789Z 2026-12-04T12:00:00,123 INFO [main] org.apa", started.Add(3*time.Hour + 123456789), false},
		{"line cut right after the timestamp", "2026-12-04T12:00:00.000000000Z ", started.Add(3 * time.Hour), false},
		{"empty log", "", time.Time{}, false},
		{"no timestamp", "fake logs", time.Time{}, true},
		{"no space", "2026-12-04T12:00:00.000000000Z", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FirstTimestamp([]byte(tt.in))
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Fatalf("FirstTimestamp(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// logBody serves body as every pod's log and records the query asked.
type logBody struct {
	kube.Interface
	body  string
	query *string
}

func (l logBody) Pods(ns string) kube.PodClient { return logPods{l.Interface.Pods(ns), l} }

type logPods struct {
	kube.PodClient
	l logBody
}

func (p logPods) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	c := &fakerest.RESTClient{
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(),
		GroupVersion:         schema.GroupVersion{Version: "v1"},
		VersionedAPIPath:     "/api/v1",
		Client: fakerest.CreateHTTPClient(func(r *http.Request) (*http.Response, error) {
			*p.l.query = r.URL.RawQuery
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(p.l.body))}, nil
		}),
	}
	return c.Get().Resource("pods").Name(name).SubResource("log").VersionedParams(opts, scheme.ParameterCodec)
}

func pod(state corev1.ContainerState) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "druid"},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "main", State: state}}}}
}

func TestRead(t *testing.T) {
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}
	ended := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{StartedAt: metav1.NewTime(started), ExitCode: 137}}
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	tests := []struct {
		name      string
		pod       *corev1.Pod
		body      string
		rotated   bool
		wantQuery bool
	}{
		{"running, rotated", pod(running), "2026-12-04T11:00:00.000000000Z 2026-12-04T11:00:00,000 INFO", true, true},
		{"running, whole log", pod(running), "2026-12-04T09:00:02.000000000Z 2026-12-04T09:00:02,000 INFO", false, true},
		{"terminated, rotated", pod(ended), "2026-12-04T11:00:00.000000000Z x", true, true},
		{"not started: not asked", pod(waiting), "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var query string
			kc := logBody{Interface: kubetest.Wrap(fake.NewClientset()), body: tt.body, query: &query}
			s, err := Read(context.Background(), kc, tt.pod, "main")
			if err != nil {
				t.Fatal(err)
			}
			if s.Rotated() != tt.rotated {
				t.Fatalf("%+v: Rotated() = %v, want %v", s, s.Rotated(), tt.rotated)
			}
			if asked := query != ""; asked != tt.wantQuery {
				t.Fatalf("asked %q", query)
			}
			if tt.wantQuery && (!strings.Contains(query, "timestamps=true") || !strings.Contains(query, "limitBytes=64") || strings.Contains(query, "tailLines")) {
				t.Fatalf("query %q: want timestamps=true, limitBytes=64, the start of the file", query)
			}
		})
	}
}
