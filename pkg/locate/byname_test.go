package locate

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

const (
	jobOfAbc    = "queryabc123-a231684e224375f80c96f6832225c4a1"
	longJob     = "compactwiki20240101t000000000z-b08a5e9c76fc5afb8e6d336db6542c1d"
	longPodName = "compactwiki20240101t000000000z-b08a5e9c76fc5afb8e6d336db65vm69n"
)

func byNameObjects() []runtime.Object {
	job := peonJob("druid", jobOfAbc, "query-abc123")
	annotated := podOf(job, "-x7k2p", time.Now())
	annotated.Annotations = map[string]string{druid.TaskIDAnnotation: "query-abc123"}
	bare := podOf(job, "-bare1", time.Now()) // only the job-name label
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "web-1"}}
	// A 63-character Job name: the API server cuts generateName to 58
	// characters, dash included, before the random suffix.
	long := peonJob("druid", longJob, "compact_wiki_2024-01-01T00:00:00.000Z_x")
	longPod := podOf(long, "", time.Now())
	longPod.Name = longPodName
	longPod.Annotations = map[string]string{druid.TaskIDAnnotation: "compact_wiki_2024-01-01T00:00:00.000Z_x"}
	return []runtime.Object{job, annotated, bare, other, long, longPod}
}

func TestTaskOfObject(t *testing.T) {
	tests := []struct {
		kind     druid.RefKind
		name     string
		wantID   string
		wantFrom string
		wantErr  any
	}{
		{druid.RefJob, jobOfAbc, "query-abc123", "Job druid/" + jobOfAbc, nil},
		{druid.RefPod, jobOfAbc + "-x7k2p", "query-abc123", "pod druid/" + jobOfAbc + "-x7k2p", nil},
		{druid.RefPod, jobOfAbc + "-bare1", "query-abc123", "pod druid/" + jobOfAbc + "-bare1", nil},
		{druid.RefPod, "web-1", "", "", &NotPeonError{}},
		{druid.RefJob, "nope", "", "", &ObjectNotFoundError{}},
		{druid.RefPod, "nope", "", "", &ObjectNotFoundError{}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+tt.name, func(t *testing.T) {
			c, _ := countingClient(byNameObjects()...)
			l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid"}
			id, from, err := l.TaskOfObject(context.Background(), tt.kind, tt.name)
			switch want := tt.wantErr.(type) {
			case *NotPeonError:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want NotPeonError", err)
				}
				return
			case *ObjectNotFoundError:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want ObjectNotFoundError", err)
				}
				return
			}
			if err != nil || id != tt.wantID || from != tt.wantFrom {
				t.Fatalf("TaskOfObject = %q, %q, %v", id, from, err)
			}
		})
	}
}

// TestResolveByName: a pasted Job or pod name resolves to its task, and an
// ID that cannot be an object name costs no extra request.
func TestResolveByName(t *testing.T) {
	tests := []struct {
		arg, wantTask, wantFrom string
		wantNotFound            bool
		wantRequests            int
	}{
		{jobOfAbc, "query-abc123", "Job druid/" + jobOfAbc, false, -1},
		{jobOfAbc + "-x7k2p", "query-abc123", "pod druid/" + jobOfAbc + "-x7k2p", false, -1},
		{longPodName, "compact_wiki_2024-01-01T00:00:00.000Z_x", "pod druid/" + longPodName, false, -1},
		{"index_kafka_unknown_abcdefgh", "", "", true, 3}, // two candidate GETs and the label LIST: no name lookups
		{"nothing-like-it", "", "", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			c, reqs := countingClient(byNameObjects()...)
			l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid", ByName: true}
			r, err := l.Resolve(context.Background(), tt.arg, "main")
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNotFound {
				if r.NotFound == nil || r.From != "" {
					t.Fatalf("Resolve = %+v", r)
				}
			} else if r.TaskID != tt.wantTask || r.From != tt.wantFrom || r.Job == nil {
				t.Fatalf("Resolve = task %q from %q, job %v", r.TaskID, r.From, r.Job)
			}
			if tt.wantRequests >= 0 && len(*reqs) != tt.wantRequests {
				t.Fatalf("%d requests: %v", len(*reqs), *reqs)
			}
		})
	}
}
