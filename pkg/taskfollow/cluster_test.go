package taskfollow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube/kubetest"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// cluster is a fake API server (client-go's fake clientset) whose pods'
// logs are served by crilog kubelets, one per pod.
type cluster struct {
	t    *testing.T
	cs   *fake.Clientset
	mu   sync.Mutex
	logs map[string]*crilog.Kubelet // namespace/pod
	seq  int
}

func newCluster(t *testing.T) *cluster {
	return &cluster{t: t, cs: fake.NewClientset(), logs: map[string]*crilog.Kubelet{}}
}

func (c *cluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	c.t.Cleanup(cancel)
	return ctx
}

// task is one simulated Druid task.
type task struct {
	c   *cluster
	id  string
	job *batchv1.Job
	pod *corev1.Pod
}

// newTask creates the Job Druid 28+ would create; group, if set, is the
// task.group.id annotation (customTemplateAdapter).
func (c *cluster) newTask(ns, id, group string) *task {
	c.t.Helper()
	ann := map[string]string{}
	if group != "" {
		ann[druid.TaskGroupIDAnnotation] = group
	}
	return c.newTaskWith(ns, id, ann)
}

// newTaskWith creates a task's Job with these annotations besides task.id.
func (c *cluster) newTaskWith(ns, id string, annotations map[string]string) *task {
	c.t.Helper()
	ann := map[string]string{druid.TaskIDAnnotation: id}
	for k, v := range annotations {
		ann[k] = v
	}
	name := druid.JobNames(id, "")[0].Name
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name),
			Labels: map[string]string{druid.PeonLabel: "true"}, Annotations: ann},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{
			Labels: map[string]string{druid.PeonLabel: "true"}, Annotations: ann},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main"}}}}},
	}
	job, err := c.cs.BatchV1().Jobs(ns).Create(c.ctx(), job, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return &task{c: c, id: id, job: job}
}

// startPod creates the Job's pod, pending (no IP yet), with its kubelet.
func (tk *task) startPod(containers ...string) *task {
	c := tk.c
	c.t.Helper()
	if len(containers) == 0 {
		containers = []string{"main"}
	}
	c.mu.Lock()
	c.seq++
	name := fmt.Sprintf("%s-%05d", tk.job.Name[:min(len(tk.job.Name), 58)], c.seq)
	c.mu.Unlock()
	controller := true
	// As the Job controller makes it: the template's annotations (task.id
	// among them), the job-name label, the Job as controller.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: tk.job.Namespace, Name: name,
		CreationTimestamp: metav1.NewTime(time.Now()),
		Labels:            map[string]string{druid.JobNameLabel: tk.job.Name, druid.PeonLabel: "true"},
		Annotations:       maps.Clone(tk.job.Spec.Template.Annotations),
		OwnerReferences:   []metav1.OwnerReference{{Kind: "Job", Name: tk.job.Name, UID: tk.job.UID, Controller: &controller}}},
		Spec: corev1.PodSpec{NodeName: "node-1"}}
	for _, n := range containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: n})
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{Name: n,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}})
	}
	pod.Status.Phase = corev1.PodPending
	var err error
	if tk.pod, err = c.cs.CoreV1().Pods(pod.Namespace).Create(c.ctx(), pod, metav1.CreateOptions{}); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.logs[pod.Namespace+"/"+pod.Name] = crilog.NewKubelet()
	c.mu.Unlock()
	return tk
}

// run makes the task RUNNING: the pod has an IP, main runs.
func (tk *task) run() *task {
	if tk.pod == nil {
		tk.startPod()
	}
	return tk.status(func(p *corev1.Pod) {
		p.Status.Phase, p.Status.PodIP = corev1.PodRunning, "10.0.0.1"
		for i := range p.Status.ContainerStatuses {
			p.Status.ContainerStatuses[i].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
		}
	})
}

func (tk *task) status(f func(*corev1.Pod)) *task {
	tk.c.t.Helper()
	p := tk.pod.DeepCopy()
	f(p)
	var err error
	if tk.pod, err = tk.c.cs.CoreV1().Pods(p.Namespace).UpdateStatus(tk.c.ctx(), p, metav1.UpdateOptions{}); err != nil {
		tk.c.t.Fatal(err)
	}
	return tk
}

// kubelet is the pod's log server.
func (tk *task) kubelet() *crilog.Kubelet {
	tk.c.mu.Lock()
	defer tk.c.mu.Unlock()
	return tk.c.logs[tk.pod.Namespace+"/"+tk.pod.Name]
}

// log appends lines to main's log, stamped now.
func (tk *task) log(lines ...string) *task {
	for _, l := range lines {
		tk.kubelet().Append(crilog.Line(crilog.Stdout, l, 0, time.Now())...)
	}
	return tk
}

// exit terminates main: the kubelet ends its streams, the pod's status says so.
func (tk *task) exit(code int32, reason string) {
	tk.kubelet().Terminate()
	phase := corev1.PodSucceeded
	if code != 0 {
		phase = corev1.PodFailed
	}
	tk.status(func(p *corev1.Pod) {
		p.Status.Phase = phase
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
	})
}

func (c *cluster) opener(ns, pod string) follow.Opener {
	return func(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		c.mu.Lock()
		k := c.logs[ns+"/"+pod]
		c.mu.Unlock()
		if k == nil {
			return nil, apierrors.NewNotFound(corev1.Resource("pods"), pod)
		}
		return k.Open(ctx, o)
	}
}

// config is a follow of namespace ns writing to out.
func (c *cluster) config(ns string, out io.Writer) Config {
	cl := kubetest.Wrap(c.cs)
	return Config{
		Locator:   &locate.Locator{Client: cl, Namespace: ns},
		Kube:      cl,
		Open:      c.opener,
		Container: "main",
		Follow:    follow.Options{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, EndGrace: 50 * time.Millisecond},
		Out:       out,
	}
}

// output is a follow's stdout and stderr, safe to read while it runs.
type output struct {
	mu       sync.Mutex
	out, err bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.Write(p)
}

func (o *output) notify(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(&o.err, format+"\n", args...)
}

func (o *output) stdout() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

func (o *output) stderr() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err.String()
}

func (o *output) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(o.stdout(), s) && !strings.Contains(o.stderr(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 10s\nstdout:\n%s\nstderr:\n%s", s, o.stdout(), o.stderr())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// tasks finds a task created earlier by its ID.
func (c *cluster) tasks(t *testing.T, id string) *task {
	t.Helper()
	job, err := c.cs.BatchV1().Jobs("druid").Get(c.ctx(), druid.JobNames(id, "")[0].Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := c.cs.CoreV1().Pods("druid").List(c.ctx(), metav1.ListOptions{LabelSelector: druid.JobNameLabel + "=" + job.Name})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("no pod for %s: %v", id, err)
	}
	return &task{c: c, id: id, job: job, pod: &pods.Items[0]}
}

func jobComplete() batchv1.JobCondition {
	return batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}
}

func metaUpdate() metav1.UpdateOptions { return metav1.UpdateOptions{} }

// awaitPodWatch waits until a watch on the task's pod by name is in place.
// The API server replays a watch from the LIST's resourceVersion; the fake
// clientset does not, so a change made before the watch exists would be
// lost in the fake only.
func (tk *task) awaitPodWatch(t *testing.T) {
	t.Helper()
	want := "metadata.name=" + tk.pod.Name
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range tk.c.cs.Actions() {
			if w, ok := a.(k8stesting.WatchAction); ok && a.GetResource().Resource == "pods" &&
				w.GetWatchRestrictions().Fields != nil && w.GetWatchRestrictions().Fields.String() == want {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no watch on pod %s", tk.pod.Name)
}
