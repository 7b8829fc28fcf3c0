package probe

import (
	"context"
	"errors"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// fakeAPI answers as one Overlord; leader says whether it leads.
type fakeAPI struct {
	leader bool
	status *overlord.TaskStatusPlus
}

func (f *fakeAPI) IsLeader(context.Context) (bool, error) { return f.leader, nil }
func (f *fakeAPI) Leader(context.Context) (string, error) { return "http://10.244.0.16:8090", nil }
func (f *fakeAPI) Properties(context.Context) (map[string]string, error) {
	return nil, &overlord.HTTPError{StatusCode: 403}
}
func (f *fakeAPI) TaskStatus(_ context.Context, id string) (*overlord.TaskStatus, error) {
	if !f.leader {
		return nil, errors.New("not asked of the leader")
	}
	return &overlord.TaskStatus{Task: id, Status: f.status}, nil
}
func (f *fakeAPI) RunningTasks(context.Context) ([]overlord.TaskStatusPlus, error) {
	return []overlord.TaskStatusPlus{*f.status}, nil
}
func (f *fakeAPI) PendingTasks(context.Context) ([]overlord.TaskStatusPlus, error) { return nil, nil }
func (f *fakeAPI) WaitingTasks(context.Context) ([]overlord.TaskStatusPlus, error) { return nil, nil }
func (f *fakeAPI) ProbeLog(context.Context, string, int64) (overlord.LogAnswer, error) {
	return overlord.LogAnswer{Code: 404, Message: noLog35}, nil
}

func TestCollectAsksTheLeaderAndKubernetes(t *testing.T) {
	st := status(overlord.StatusRunning, overlord.RunnerRunning)
	j := job()
	j.Spec.Template.Annotations = map[string]string{"task.id": taskID}
	p := pod(func(p *corev1.Pod) { p.Labels = map[string]string{"job-name": jobN} })
	ov := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "druid-overlord-1"},
		Spec: corev1.PodSpec{ServiceAccountName: "druid-overlord", Containers: []corev1.Container{{Name: "druid"}}}}
	cs := fake.NewClientset(j, p, &ov)
	var review *authorizationv1.SubjectAccessReview
	cs.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review = a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		out := review.DeepCopy()
		out.Status.Allowed = false
		return true, out, nil
	})
	k := kubetest.Wrap(cs)
	in := Input{TaskID: taskID, Namespace: ns, Container: "main", Kube: k, Locator: &locate.Locator{Client: k, Namespace: ns},
		Reviewer: cs.AuthorizationV1().SubjectAccessReviews(), OverlordPods: []corev1.Pod{ov},
		Targets: []Target{{API: &fakeAPI{status: st}, Where: "pod druid/druid-overlord-0:8090", How: "pod proxy"},
			{API: &fakeAPI{leader: true, status: st}, Where: "pod druid/druid-overlord-1:8090", How: "pod proxy"}}}
	a := Collect(context.Background(), in)
	o := a.Overlord
	if o.Where != "pod druid/druid-overlord-1:8090" || o.IsLeader == nil || !*o.IsLeader || o.Status == nil || o.InList != "runningTasks" ||
		o.Log == nil || o.Log.Code != 404 || o.Config != nil || o.ConfigErr == nil || o.LeaderURL == "" {
		t.Fatalf("overlord answers: %+v", o)
	}
	kk := a.Kube
	if kk.Job == nil || kk.Pod == nil || kk.Pod.Name != podN || !kk.PodLog.Tried || kk.PodLog.Err != nil || kk.PodLog.Bytes == 0 {
		t.Fatalf("kube answers: job %v pod %v log %+v", kk.Job != nil, kk.Pod != nil, kk.PodLog)
	}
	if review == nil || review.Spec.User != "system:serviceaccount:druid:druid-overlord" || review.Spec.ResourceAttributes.Subresource != "log" ||
		kk.Review.Allowed == nil || *kk.Review.Allowed {
		t.Fatalf("review %+v, answer %+v", review, kk.Review)
	}
	// The fake clientset's pod log ("fake logs") is not in Druid's pattern.
	if a.Logs.TailLines == 0 || a.Logs.DruidLines != 0 {
		t.Errorf("tail %d lines, %d Druid's", a.Logs.TailLines, a.Logs.DruidLines)
	}
	d := Evaluate(a)
	if d.Failed() != "log-watch" || d.ExitCode != 5 {
		t.Errorf("verdict %s exit %d: %s", d.Failed(), d.ExitCode, d.Cause)
	}
}
