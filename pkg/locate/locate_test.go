package locate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
)

// peonJob builds a Job the way Druid's task runner does.
func peonJob(ns, name, taskID string) *batchv1.Job {
	ann := map[string]string{druid.TaskIDAnnotation: taskID, druid.TLSEnabledAnnotation: "false"}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name),
			Labels: map[string]string{druid.PeonLabel: "true"}, Annotations: ann},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{
			Labels: map[string]string{druid.PeonLabel: "true"}, Annotations: ann}}},
	}
}

func podOf(job *batchv1.Job, suffix string, created time.Time) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: job.Namespace, Name: job.Name[:min(len(job.Name), 58)] + suffix,
		CreationTimestamp: metav1.NewTime(created),
		Labels:            map[string]string{druid.JobNameLabel: job.Name},
		OwnerReferences:   []metav1.OwnerReference{{Kind: "Job", Name: job.Name, UID: job.UID}}}}
}

// countingClient returns a fake clientset holding objs and a pointer to the
// list of requests made ("verb resource").
func countingClient(objs ...runtime.Object) (*fake.Clientset, *[]string) {
	c := fake.NewClientset(objs...)
	var reqs []string
	c.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		reqs = append(reqs, a.GetVerb()+" "+a.GetResource().Resource)
		return false, nil, nil
	})
	return c, &reqs
}

func TestHappyPathIsTwoRequestsWhateverTheNumberOfJobs(t *testing.T) {
	const taskID = "query-abc123"
	for _, others := range []int{10, 10000} {
		t.Run(fmt.Sprint(others, " jobs"), func(t *testing.T) {
			objs := []runtime.Object{}
			for i := 0; i < others; i++ {
				id := fmt.Sprintf("index_kafka_wiki_%05d", i)
				objs = append(objs, peonJob("druid", druid.JobNames(id, "")[0].Name, id))
			}
			job := peonJob("druid", "queryabc123-a231684e224375f80c96f6832225c4a1", taskID)
			objs = append(objs, job, podOf(job, "-abcde", time.Now()))
			c, reqs := countingClient(objs...)
			l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid"}
			m, err := l.FindJob(context.Background(), taskID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Rule != druid.RuleDruid28 || m.Job.Name != job.Name {
				t.Fatalf("found %s by %s", m.Job.Name, m.Rule)
			}
			p, err := l.FindPod(context.Background(), m.Job)
			if err != nil || p.Pod == nil || p.Count != 1 {
				t.Fatalf("FindPod = %+v, %v", p, err)
			}
			want := []string{"get jobs", "list pods"}
			if fmt.Sprint(*reqs) != fmt.Sprint(want) {
				t.Fatalf("requests = %v, want %v", *reqs, want)
			}
		})
	}
}

func TestFindJob(t *testing.T) {
	const taskID = "query-abc123"
	n28 := "queryabc123-a231684e224375f80c96f6832225c4a1"
	tests := []struct {
		name     string
		prefix   string
		all      bool
		objs     []runtime.Object
		wantJob  string
		wantRule druid.Rule
		wantReqs []string
		wantErr  any
	}{
		{"druid 25-27 name after a 28+ miss", "", false, []runtime.Object{peonJob("druid", "queryabc123", taskID)},
			"queryabc123", druid.RuleDruid25, []string{"get jobs", "get jobs"}, nil},
		{"druid 33+ prefix given", "druid-prod", false, []runtime.Object{peonJob("druid", "druidprod-a231684e224375f80c96f6832225c4a1", taskID)},
			"druidprod-a231684e224375f80c96f6832225c4a1", druid.RuleDruid33Prefix, []string{"get jobs"}, nil},
		{"unknown prefix found by the label search", "", false, []runtime.Object{peonJob("druid", "other-a231684e224375f80c96f6832225c4a1", taskID)},
			"other-a231684e224375f80c96f6832225c4a1", RuleLabelSearch, []string{"get jobs", "get jobs", "list jobs"}, nil},
		{"a name collision is rejected by the annotation", "", false, []runtime.Object{peonJob("druid", "queryabc123", "query-abc12_3")},
			"", "", []string{"get jobs", "get jobs", "list jobs"}, &NotFoundError{}},
		{"other namespace is not searched", "", false, []runtime.Object{peonJob("other", n28, taskID)},
			"", "", []string{"get jobs", "get jobs", "list jobs"}, &NotFoundError{}},
		{"-A finds it in another namespace", "", true, []runtime.Object{peonJob("other", n28, taskID)},
			n28, druid.RuleDruid28, []string{"list jobs"}, nil},
		{"-A with the task in two namespaces", "", true, []runtime.Object{peonJob("a", n28, taskID), peonJob("b", n28, taskID)},
			"", "", []string{"list jobs"}, &AmbiguousError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, reqs := countingClient(tt.objs...)
			l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid", NamePrefix: tt.prefix, AllNamespaces: tt.all}
			m, err := l.FindJob(context.Background(), taskID)
			if fmt.Sprint(*reqs) != fmt.Sprint(tt.wantReqs) {
				t.Errorf("requests = %v, want %v", *reqs, tt.wantReqs)
			}
			switch want := tt.wantErr.(type) {
			case *NotFoundError:
				if !errors.As(err, &want) {
					t.Fatalf("err = %v, want NotFoundError", err)
				}
				return
			case *AmbiguousError:
				if !errors.As(err, &want) || len(want.Namespaces) != 2 {
					t.Fatalf("err = %v, want AmbiguousError over 2 namespaces", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Job.Name != tt.wantJob || m.Rule != tt.wantRule {
				t.Fatalf("found %s by %s, want %s by %s", m.Job.Name, m.Rule, tt.wantJob, tt.wantRule)
			}
		})
	}
}

func TestLabelSearchPagesAndCounts(t *testing.T) {
	c, reqs := countingClient()
	// The fake tracker ignores Limit, so emulate a server that pages.
	pages := 0
	c.PrependReactor("list", "jobs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pages++
		list := &batchv1.JobList{}
		for i := 0; i < listPageSize; i++ {
			list.Items = append(list.Items, *peonJob("druid", fmt.Sprintf("j%d-%d", pages, i), "other"))
		}
		if pages < 3 {
			list.Continue = fmt.Sprint("token-", pages)
		}
		return true, list, nil
	})
	l := &Locator{Client: kubetest.Wrap(c), Namespace: "druid"}
	_, err := l.FindJob(context.Background(), "query-abc123")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.PeonJobs != 3*listPageSize || len(nf.Tried) != 2 {
		t.Fatalf("err = %#v", err)
	}
	if pages != 3 || len(*reqs) != 2 { // the paging reactor answers lists before the counter sees them
		t.Fatalf("pages = %d, requests = %v", pages, *reqs)
	}
}

func TestFindPodPicksNewestAndIgnoresOtherOwners(t *testing.T) {
	job := peonJob("druid", "j", "t")
	stale := podOf(job, "-old", time.Now())
	stale.OwnerReferences[0].UID = "uid-of-a-deleted-job"
	older := podOf(job, "-aaaaa", time.Now().Add(-time.Minute))
	newer := podOf(job, "-bbbbb", time.Now())
	c, _ := countingClient(stale, older, newer)
	p, err := (&Locator{Client: kubetest.Wrap(c), Namespace: "druid"}).FindPod(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if p.Pod.Name != "j-bbbbb" || p.Count != 2 {
		t.Fatalf("picked %s of %d", p.Pod.Name, p.Count)
	}
}
