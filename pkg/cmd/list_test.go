package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/tasklist"
)

var listNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func listJob(ns, name, taskID string, full bool) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID("uid-" + name),
		Labels: map[string]string{"druid.k8s.peons": "true"}, CreationTimestamp: metav1.NewTime(listNow.Add(-time.Hour))}}
	a := map[string]string{"task.id": taskID}
	if full {
		a["task.type"], a["task.datasource"], a["task.group.id"] = "index_parallel", "wiki", taskID
	}
	j.Spec.Template.Annotations, j.Spec.Template.Labels = a, j.Labels
	return j
}

func listPod(j *batchv1.Job, ip string, term *corev1.ContainerStateTerminated) *corev1.Pod {
	yes := true
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: j.Name + "-pod", Namespace: j.Namespace,
		Labels:          map[string]string{"druid.k8s.peons": "true", "job-name": j.Name},
		OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: j.Name, UID: j.UID, Controller: &yes}}},
		Spec:   corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "main"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, PodIP: ip}}
	if ip != "" {
		p.Status.Phase = corev1.PodRunning
	}
	if term != nil {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{Terminated: term}}}
	}
	return p
}

// mixedCluster holds 50 peon tasks in namespace druid, in five states and
// both adapters' annotation styles, plus objects list must not show.
func mixedCluster() (objs []runtime.Object, want map[string]int) {
	want = map[string]int{}
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("index_parallel_wiki_task%02d_2024-06-01T10:11:12.131Z", i)
		j := listJob("druid", fmt.Sprintf("indexparallelwikitask%02d-hash", i), id, i%2 == 0)
		objs = append(objs, j)
		switch i % 5 {
		case 0: // Job without a pod yet
			want["PENDING"]++
		case 1:
			objs = append(objs, listPod(j, "", nil))
			want["PENDING"]++
		case 2:
			objs = append(objs, listPod(j, "10.0.0.1", nil))
			want["RUNNING"]++
		case 3:
			objs = append(objs, listPod(j, "10.0.0.1", &corev1.ContainerStateTerminated{ExitCode: 0}))
			want["STOPPED (Completed)"]++
		case 4:
			objs = append(objs, listPod(j, "10.0.0.1", &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}))
			want["STOPPED (OOMKilled)"]++
		}
	}
	other := listJob("druid", "not-a-peon", "x", true)
	other.Labels = map[string]string{"app": "other"}
	objs = append(objs, other, listJob("elsewhere", "queryabc123-a231684e224375f80c96f6832225c4a1", "query-abc123", false))
	return objs, want
}

// pageJobsAndPods makes the fake honour limit and continue, so the test
// sees pagination as an API server does it.
func pageJobsAndPods(c *fake.Clientset) {
	for _, res := range []string{"jobs", "pods"} {
		c.PrependReactor("list", res, func(a k8stesting.Action) (bool, runtime.Object, error) {
			la := a.(k8stesting.ListActionImpl)
			obj, err := c.Tracker().List(la.GetResource(), la.GetKind(), la.GetNamespace())
			if err != nil {
				return true, nil, err
			}
			sel, _ := labels.Parse(la.ListOptions.LabelSelector)
			start, _ := strconv.Atoi(la.ListOptions.Continue)
			limit := int(la.ListOptions.Limit)
			page := func(n int) (int, string) {
				end := n
				if limit > 0 && start+limit < n {
					end = start + limit
				}
				if end < n {
					return end, strconv.Itoa(end)
				}
				return end, ""
			}
			switch l := obj.(type) {
			case *batchv1.JobList:
				var keep []batchv1.Job
				for _, it := range l.Items {
					if sel.Matches(labels.Set(it.Labels)) {
						keep = append(keep, it)
					}
				}
				sort.Slice(keep, func(i, j int) bool { return keep[i].Namespace+keep[i].Name < keep[j].Namespace+keep[j].Name })
				end, next := page(len(keep))
				l.Items, l.Continue = keep[start:end], next
			case *corev1.PodList:
				var keep []corev1.Pod
				for _, it := range l.Items {
					if sel.Matches(labels.Set(it.Labels)) {
						keep = append(keep, it)
					}
				}
				sort.Slice(keep, func(i, j int) bool { return keep[i].Namespace+keep[i].Name < keep[j].Namespace+keep[j].Name })
				end, next := page(len(keep))
				l.Items, l.Continue = keep[start:end], next
			}
			return true, obj, nil
		})
	}
}

func newListOptions(c *fake.Clientset, out io.Writer) *ListOptions {
	g := &Globals{IOStreams: genericiooptions.IOStreams{Out: out, ErrOut: io.Discard}}
	return &ListOptions{Globals: g, clients: &Clients{Kube: kubetest.Wrap(c), Namespace: "druid"}, now: func() time.Time { return listNow }}
}

func TestListFiftyTasksInMixedStatesWithPagination(t *testing.T) {
	objs, want := mixedCluster()
	tests := []struct {
		name      string
		all       bool
		pageSize  int64
		rows      int
		jobPages  int
		podPages  int
		namespace bool
	}{
		{"one namespace, one page each", false, 0, 50, 1, 1, false},
		{"one namespace, pages of 7", false, 7, 50, 8, 6, false},
		{"all namespaces", true, 7, 51, 8, 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fake.NewClientset(objs...)
			pageJobsAndPods(c)
			var out bytes.Buffer
			o := newListOptions(c, &out)
			o.AllNamespaces, o.pageSize, o.Output = tt.all, tt.pageSize, "json"
			if err := o.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			var got TaskList
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if len(got.Items) != tt.rows {
				t.Fatalf("%d rows, want %d", len(got.Items), tt.rows)
			}
			states := map[string]int{}
			for _, r := range got.Items {
				if r.Namespace == "druid" {
					states[tasklist.StateText(r)]++
				}
			}
			if fmt.Sprint(states) != fmt.Sprint(want) {
				t.Fatalf("states %v, want %v", states, want)
			}
			calls := map[string]int{}
			for _, a := range c.Actions() {
				calls[a.GetVerb()+" "+a.GetResource().Resource]++
			}
			wantCalls := map[string]int{"list jobs": tt.jobPages, "list pods": tt.podPages}
			if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
				t.Fatalf("requests %v, want %v (never one per Job)", calls, wantCalls)
			}
		})
	}
}

func TestListTableOutputs(t *testing.T) {
	objs, _ := mixedCluster()
	tests := []struct {
		name   string
		output string
		all    bool
		want   []string
		lines  int
	}{
		{"table", "", false, []string{"TASK ID", "index_parallel_wiki_task00_2024-06-01T10:11:12.131Z", "index_parallel", "wiki", "<unknown>", "60m", "<none>"}, 51},
		{"wide -A", "wide", true, []string{"NAMESPACE", "JOB", "REASON", "elsewhere", "query-abc123", "query_controller", "no pod yet"}, 52},
		{"yaml", "yaml", false, []string{"items:", "taskId: index_parallel_wiki_task49", "typeFrom: task-id", "state: STOPPED"}, 0},
		{"name: task IDs only, for xargs", "name", false, []string{"index_parallel_wiki_task00_2024-06-01T10:11:12.131Z\n"}, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			o := newListOptions(fake.NewClientset(objs...), &out)
			o.Output, o.AllNamespaces = tt.output, tt.all
			if err := o.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if n := strings.Count(out.String(), "\n"); tt.lines > 0 && n != tt.lines {
				t.Errorf("%d lines, want %d", n, tt.lines)
			}
		})
	}
}

func TestListValidatesOutput(t *testing.T) {
	for _, f := range []string{"", "wide", "json", "yaml", "name"} {
		if err := (&ListOptions{Output: f}).Validate(); err != nil {
			t.Errorf("-o %q refused: %v", f, err)
		}
	}
	if err := (&ListOptions{Output: "csv"}).Validate(); err == nil {
		t.Error("-o csv accepted")
	}
}

// TestListWatchPrintsChangedRows runs list --watch against the fake API
// and drives one task from Job creation to deletion.
func TestListWatchPrintsChangedRows(t *testing.T) {
	j := listJob("druid", "queryabc123-a231684e224375f80c96f6832225c4a1", "query-abc123", false)
	c := fake.NewClientset(j)
	sink := newLineSink()
	o := newListOptions(c, sink)
	o.Watch = true
	watching := make(chan struct{}, 1)
	o.onWatching = func() { watching <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	next := func() string {
		t.Helper()
		select {
		case l := <-sink.lines:
			return l
		case err := <-done:
			t.Fatalf("list --watch ended early: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("no row printed within 10s")
		}
		return ""
	}
	if h := next(); !strings.HasPrefix(h, "TASK ID") {
		t.Fatalf("header %q", h)
	}
	if r := next(); !strings.Contains(r, "query-abc123") || !strings.Contains(r, "PENDING") {
		t.Fatalf("first row %q", r)
	}
	<-watching
	pods := c.CoreV1().Pods("druid")
	jobs := c.BatchV1().Jobs("druid")
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"pod created", func() error { _, err := pods.Create(ctx, listPod(j, "", nil), metav1.CreateOptions{}); return err }, "PENDING"},
		{"pod got an IP", func() error {
			_, err := pods.Update(ctx, listPod(j, "10.0.0.7", nil), metav1.UpdateOptions{})
			return err
		}, "RUNNING"},
		{"container OOMKilled", func() error {
			_, err := pods.Update(ctx, listPod(j, "10.0.0.7", &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}), metav1.UpdateOptions{})
			return err
		}, "STOPPED (OOMKilled)"},
		{"Job deleted", func() error { return jobs.Delete(ctx, j.Name, metav1.DeleteOptions{}) }, "DELETED"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if r := next(); !strings.Contains(r, s.want) || !strings.Contains(r, "query-abc123") {
			t.Fatalf("%s: row %q, want %s", s.name, r, s.want)
		}
	}
	// A non-peon pod is not a task.
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "druid"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("watch ended with %v", err)
	}
	select {
	case l := <-sink.lines:
		t.Fatalf("unexpected row for a non-peon pod: %q", l)
	default:
	}
}

// lineSink is an io.Writer that never blocks and hands out whole lines.
type lineSink struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func newLineSink() *lineSink { return &lineSink{lines: make(chan string, 1000)} }

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		s.lines <- string(s.buf[:i])
		s.buf = s.buf[i+1:]
	}
}

// TestListWatchRelistsAfterExpiry makes the first Job watch fail with 410
// Expired while a task is created unseen; list must list again and print it.
func TestListWatchRelistsAfterExpiry(t *testing.T) {
	c := fake.NewClientset(listJob("druid", "first-hash", "index_kafka_wiki_a_abcdefgh", false))
	expired := false
	c.PrependWatchReactor("jobs", func(a k8stesting.Action) (bool, watch.Interface, error) {
		if expired {
			return false, nil, nil
		}
		expired = true
		if err := c.Tracker().Add(listJob("druid", "missed-hash", "compact_wiki_missed", false)); err != nil {
			t.Error(err)
		}
		w := watch.NewRaceFreeFake()
		w.Error(&apierrors.NewResourceExpired("too old resource version").ErrStatus)
		return true, w, nil
	})
	sink := newLineSink()
	o := newListOptions(c, sink)
	o.Watch, o.NoHeaders = true, true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	for _, want := range []string{"index_kafka_wiki_a_abcdefgh", "compact_wiki_missed"} {
		select {
		case l := <-sink.lines:
			if !strings.Contains(l, want) {
				t.Fatalf("row %q, want %s", l, want)
			}
		case err := <-done:
			t.Fatalf("ended: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("no row for %s", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestListOneDruidClustersTasks: Druid 33+ with overlordNamespace labels
// each peon with druid.overlord.namespace; --overlord-namespace lists one
// Druid cluster's tasks of a shared namespace.
func TestListOneDruidClustersTasks(t *testing.T) {
	a := listJob("druid", "job-a", "index_a", true)
	a.Labels = map[string]string{"druid.k8s.peons": "true", "druid.overlord.namespace": "druid-one"}
	b := listJob("druid", "job-b", "index_b", true)
	b.Labels = map[string]string{"druid.k8s.peons": "true", "druid.overlord.namespace": "druid-two"}
	c := fake.NewClientset(a, b)
	pageJobsAndPods(c)
	var out bytes.Buffer
	o := newListOptions(c, &out)
	o.Output, o.OverlordNamespace = "name", "druid-two"
	if err := o.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "index_b\n" {
		t.Fatalf("list --overlord-namespace druid-two printed %q", out.String())
	}
}
