package overlordlog

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

func pod(name string, labels map[string]string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "druid", Labels: labels}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c})
	}
	return p
}

func TestFindTheOverlordsPods(t *testing.T) {
	helm := pod("druid-overlord-1", map[string]string{"app": "druid", "component": "overlord"}, "druid")
	helm0 := pod("druid-overlord-0", map[string]string{"app": "druid", "component": "overlord"}, "druid")
	operator := pod("druid-tiny-cluster-overlords-0", map[string]string{"app": "druid", "druid_cr": "tiny-cluster", "nodeSpecUniqueStr": "druid-tiny-cluster-overlords"}, "druid")
	broker := pod("druid-tiny-cluster-brokers-0", map[string]string{"app": "druid", "druid_cr": "tiny-cluster", "nodeSpecUniqueStr": "druid-tiny-cluster-brokers"}, "druid")
	coord := pod("druid-coordinator-0", map[string]string{"app": "druid", "role": "coordinator"}, "druid")
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "druid-coordinator", Namespace: "druid"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"role": "coordinator"}, Ports: []corev1.ServicePort{{Name: "http", Port: 8081}}}}
	tests := []struct {
		name    string
		objects []runtime.Object
		sel     Selection
		want    string // pod names
		how     string
		err     string
	}{
		{"the Helm chart's label, every replica, sorted", []runtime.Object{helm, helm0, broker}, Selection{}, "druid-overlord-0 druid-overlord-1", "component=overlord", ""},
		{"the druid-operator's node spec label", []runtime.Object{operator, broker}, Selection{}, "druid-tiny-cluster-overlords-0", "nodeSpecUniqueStr", ""},
		{"--overlord-pod wins (a Coordinator running as Overlord)", []runtime.Object{helm, coord}, Selection{Pod: "druid-coordinator-0"}, "druid-coordinator-0", "--overlord-pod", ""},
		{"-l wins over the defaults", []runtime.Object{helm, coord}, Selection{LabelSelector: "role=coordinator"}, "druid-coordinator-0", "-l role=coordinator", ""},
		{"the pods behind --overlord-service", []runtime.Object{coord, broker, svc}, Selection{Service: "druid-coordinator:8081"}, "druid-coordinator-0", "Service druid-coordinator", ""},
		{"nothing looks like an Overlord", []runtime.Object{broker, coord}, Selection{}, "", "", "no Druid Overlord pod found in namespace druid (tried label component=overlord"},
		{"-l matching nothing", []runtime.Object{helm}, Selection{LabelSelector: "role=nope"}, "", "", "tried -l role=nope"},
		{"-l that does not parse", nil, Selection{LabelSelector: "a==b=c"}, "", "", "invalid -l"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kubetest.Wrap(fake.NewClientset(tt.objects...))
			tt.sel.Namespace = "druid"
			f, err := Find(context.Background(), k, tt.sel)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range f.Pods {
				names = append(names, p.Name)
			}
			if strings.Join(names, " ") != tt.want || !strings.Contains(f.How, tt.how) {
				t.Fatalf("found %v by %q, want %s by %q", names, f.How, tt.want, tt.how)
			}
		})
	}
}

func TestTaskWindowStartsAtTheJobsCreation(t *testing.T) {
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	job := func(name, id string) *batchv1.Job {
		return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "druid", CreationTimestamp: metav1.NewTime(created),
			Annotations: map[string]string{"task.id": id}}}
	}
	tests := []struct {
		name    string
		objects []runtime.Object
		forbid  bool
		want    string
		errs    bool
	}{
		{"the Job exists", []runtime.Object{job("queryabc123-a231684e224375f80c96f6832225c4a1", "query-abc123")}, false,
			"since 2026-12-01T09:59:00Z (1m0s before the creation of Job queryabc123-a231684e224375f80c96f6832225c4a1)", false},
		{"a Job of that name belongs to another task", []runtime.Object{job("queryabc123-a231684e224375f80c96f6832225c4a1", "other")}, false,
			"in the last 1h0m0s (no Job of the task found)", false},
		{"no Job", nil, false, "in the last 1h0m0s (no Job of the task found)", false},
		{"Jobs are forbidden", nil, true, "in the last 1h0m0s (the task's Job could not be read)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset(tt.objects...)
			if tt.forbid {
				cs.PrependReactor("get", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "x", errors.New("no"))
				})
			}
			w, err := TaskWindow(context.Background(), kubetest.Wrap(cs), "druid", "query-abc123", "")
			if w.String() != tt.want || (err != nil) != tt.errs {
				t.Fatalf("window %q err %v, want %q", w.String(), err, tt.want)
			}
		})
	}
}

type lines struct{ got []string }

func (l *lines) Feed(text string, at time.Time) {
	l.got = append(l.got, at.Format("15:04:05.000")+"|"+text)
}

func TestReadFeedsEveryPodsLinesWithTheKubeletsTime(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+100)
	streams := map[string]string{
		"o-0": "2026-12-01T10:00:00.123456789Z first\n2026-12-01T10:00:01.000000000Z second\r\nno timestamp\n2026-12-01T10:00:02Z " + long + "\n2026-12-01T10:00:03.5Z last",
		"o-1": "",
	}
	var (
		mu   sync.Mutex
		seen *corev1.PodLogOptions
	)
	open := func(_ context.Context, p *corev1.Pod, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		mu.Lock()
		seen = o
		mu.Unlock()
		if p.Name == "o-2" {
			return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods/log"}, p.Name, errors.New("no"))
		}
		return io.NopCloser(strings.NewReader(streams[p.Name])), nil
	}
	pods := []corev1.Pod{*pod("o-0", nil, "druid", "sidecar"), *pod("o-1", nil, "druid"), *pod("o-2", nil, "druid")}
	feeders := map[string]*lines{}
	res := Read(context.Background(), open, pods, "", Last(time.Hour, "test"), func(p string) Feeder {
		feeders[p] = &lines{}
		return feeders[p]
	})
	got := feeders["druid/o-0"].got
	want := []string{"10:00:00.123|first", "10:00:01.000|second", "00:00:00.000|no timestamp", "10:00:02.000|" + long[:MaxLineBytes-len("2026-12-01T10:00:02Z ")], "10:00:03.500|last"}
	if len(got) != len(want) {
		t.Fatalf("fed %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %.60q, want %.60q", i, got[i], want[i])
		}
	}
	if res[0].Lines != 5 || res[0].Err != nil || res[0].Container != "druid" || res[1].Lines != 0 || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if !apierrors.IsForbidden(res[2].Err) {
		t.Fatalf("o-2: %v", res[2].Err)
	}
	if seen.SinceSeconds == nil || *seen.SinceSeconds != 3600 || !seen.Timestamps || seen.Follow {
		t.Fatalf("log options %+v", seen)
	}
}
