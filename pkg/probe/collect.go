package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// API is the part of the Overlord client Collect asks.
type API interface {
	IsLeader(ctx context.Context) (bool, error)
	Leader(ctx context.Context) (string, error)
	TaskStatus(ctx context.Context, id string) (*overlord.TaskStatus, error)
	RunningTasks(ctx context.Context) ([]overlord.TaskStatusPlus, error)
	PendingTasks(ctx context.Context) ([]overlord.TaskStatusPlus, error)
	WaitingTasks(ctx context.Context) ([]overlord.TaskStatusPlus, error)
	ProbeLog(ctx context.Context, id string, n int64) (overlord.LogAnswer, error)
	Properties(ctx context.Context) (map[string]string, error)
}

// Target is one way to an Overlord.
type Target struct {
	API API
	// Where names it (a URL, a Service or a pod); How says which way.
	Where, How string
	// Proxied: through the API server's service or pod proxy.
	Proxied bool
}

// Reviewer creates SubjectAccessReviews (client-go's
// AuthorizationV1().SubjectAccessReviews()).
type Reviewer interface {
	Create(ctx context.Context, r *authorizationv1.SubjectAccessReview, opts metav1.CreateOptions) (*authorizationv1.SubjectAccessReview, error)
}

// Input says what to ask about one task.
type Input struct {
	TaskID, Namespace, Container string
	// Targets are the ways to the Overlord: one for --overlord or
	// --overlord-service, one per Overlord pod otherwise (the leader among
	// them is asked). None: NoneWhy says why.
	Targets []Target
	NoneWhy string
	// SharedInformers is --shared-informers when given.
	SharedInformers *bool
	Kube            kube.Interface
	Locator         *locate.Locator
	// Reviewer may be nil: the service account check then says why not.
	Reviewer Reviewer
	// OverlordPods name the Overlord's service account and are the pods
	// whose log tail is read; PodsErr says why there are none.
	OverlordPods []corev1.Pod
	PodsErr      error
	// OverlordContainer is the Overlord pods' container to read ("" =
	// each pod's default container).
	OverlordContainer string
	// Trace is the task's trace through the Overlord pods' log.
	Trace *trace.Result
}

// tailLines is how much of each Overlord pod's log is read to tell
// whether it holds Druid's lines.
const tailLines = 200

// Collect asks everything Evaluate needs; the Overlord's and Kubernetes'
// questions run at the same time.
func Collect(ctx context.Context, in Input) *Answers {
	a := &Answers{TaskID: in.TaskID, Namespace: in.Namespace, Container: in.Container, Now: time.Now(),
		SharedInformers: in.SharedInformers}
	a.Overlord.NoneWhy = in.NoneWhy
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		AskOverlord(ctx, in.Targets, in.TaskID, &a.Overlord)
	}()
	go func() {
		defer wg.Done()
		askKube(ctx, in, a)
	}()
	a.Logs = LogEvidence{Trace: in.Trace, Err: in.PodsErr}
	for i := range in.OverlordPods {
		p := &in.OverlordPods[i]
		a.Logs.Pods = append(a.Logs.Pods, p.Namespace+"/"+p.Name)
	}
	if len(in.OverlordPods) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.Logs.TailLines, a.Logs.DruidLines = tailDruidLines(ctx, in.Kube, in.OverlordPods, in.OverlordContainer)
		}()
	}
	wg.Wait()
	return a
}

// AskOverlord picks the target to ask (the leader among several) and asks
// it everything about the task at once. With no target it does nothing.
func AskOverlord(ctx context.Context, targets []Target, taskID string, o *OverlordAnswers) {
	if len(targets) == 0 {
		return
	}
	t, isLeader, leaderErr := pickLeader(ctx, targets)
	o.Where, o.How, o.Proxied = t.Where, t.How, t.Proxied
	o.IsLeader, o.LeaderErr = isLeader, leaderErr
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	run(func() {
		if url, err := t.API.Leader(ctx); err == nil {
			o.LeaderURL = url
		}
	})
	run(func() {
		st, err := t.API.TaskStatus(ctx, taskID)
		if err == nil {
			o.Status = st.Status
		}
		o.StatusErr = err
	})
	run(func() {
		o.ListsAsked = true
		o.InList, o.ListsErr = inList(ctx, t.API, taskID)
	})
	run(func() {
		ans, err := t.API.ProbeLog(ctx, taskID, LogProbeBytes)
		if err == nil {
			o.Log = &ans
		}
		o.LogErr = err
	})
	run(func() {
		props, err := t.API.Properties(ctx)
		if err == nil {
			cfg := overlord.RunnerConfigFrom(props)
			o.Config = &cfg
		}
		o.ConfigErr = err
	})
	wg.Wait()
}

// pickLeader asks every target /isLeader and returns the first leader,
// else the first that answered, else the first.
func pickLeader(ctx context.Context, targets []Target) (Target, *bool, error) {
	type answer struct {
		leader bool
		err    error
	}
	answers := make([]answer, len(targets))
	var wg sync.WaitGroup
	for i := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i].leader, answers[i].err = targets[i].API.IsLeader(ctx)
		}()
	}
	wg.Wait()
	pick := -1
	for i, ans := range answers {
		if ans.err == nil && ans.leader {
			pick = i
			break
		}
	}
	for i, ans := range answers {
		if pick < 0 && ans.err == nil {
			pick = i
		}
	}
	if pick < 0 {
		return targets[0], nil, answers[0].err
	}
	b := answers[pick].leader
	return targets[pick], &b, nil
}

// inList says which of the runner's lists holds the task.
func inList(ctx context.Context, api API, id string) (string, error) {
	lists := []struct {
		name string
		get  func(context.Context) ([]overlord.TaskStatusPlus, error)
	}{{"runningTasks", api.RunningTasks}, {"pendingTasks", api.PendingTasks}, {"waitingTasks", api.WaitingTasks}}
	var errs []error
	for _, l := range lists {
		tasks, err := l.get(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range tasks {
			if t.ID == id {
				return l.name, nil
			}
		}
	}
	return "", errors.Join(errs...)
}

// askKube finds the task's Job and pod, then reads their events, a short
// piece of the pod's log, and reviews the Overlord's account on pods/log.
func askKube(ctx context.Context, in Input, a *Answers) {
	k := &a.Kube
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		k.Review = ReviewOverlord(ctx, in.Reviewer, in.OverlordPods, in.PodsErr, in.Namespace)
	}()
	r, err := in.Locator.Resolve(ctx, in.TaskID, in.Container)
	switch {
	case err != nil:
		k.JobErr = err
	case r.Job != nil:
		k.Job, k.Pod = r.Job, r.Pod
		if r.Namespace != "" {
			a.Namespace = r.Namespace
		}
	}
	if k.Job != nil {
		var mu sync.Mutex
		events := func(kind, name string, into *[]corev1.Event) {
			defer wg.Done()
			ev, err := kube.EventsAbout(ctx, in.Kube, k.Job.Namespace, kind, name, 100)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				k.EventsErr = err
				return
			}
			*into = ev
		}
		wg.Add(1)
		go events("Job", k.Job.Name, &k.JobEvents)
		if k.Pod != nil {
			wg.Add(2)
			go events("Pod", k.Pod.Name, &k.PodEvents)
			go func() {
				defer wg.Done()
				k.PodLog = readPodLog(ctx, in.Kube, k.Pod, in.Container)
			}()
		}
	}
	wg.Wait()
}

// readPodLog reads the last lines of the container's log without follow,
// as the Overlord's own read does (GET pods/log?container=main).
func readPodLog(ctx context.Context, k kube.Interface, pod *corev1.Pod, container string) PodLogAnswer {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tail, limit := int64(5), int64(4096)
	rc, err := k.Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container, TailLines: &tail, LimitBytes: &limit}).Stream(ctx)
	if err != nil {
		return PodLogAnswer{Tried: true, Err: err}
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(rc, limit))
	if n > 0 {
		err = nil
	}
	return PodLogAnswer{Tried: true, Bytes: int(n), Err: err}
}

// ReviewOverlord asks whether the service account of the Overlord's pod
// (the first of pods) may get pods/log in namespace. rv may be nil.
func ReviewOverlord(ctx context.Context, rv Reviewer, pods []corev1.Pod, podsErr error, namespace string) AccessAnswer {
	ans := AccessAnswer{Namespace: namespace}
	if len(pods) == 0 {
		ans.Err = errors.New("no Overlord pod found to name its service account")
		if podsErr != nil {
			ans.Err = fmt.Errorf("no Overlord pod found to name its service account: %w", podsErr)
		}
		return ans
	}
	p := &pods[0]
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	ans.ServiceAccount = p.Namespace + ":" + sa
	if rv == nil {
		ans.Err = errors.New("no SubjectAccessReview client")
		return ans
	}
	res, err := rv.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               "system:serviceaccount:" + p.Namespace + ":" + sa,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + p.Namespace, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: "get", Resource: "pods", Subresource: "log"},
	}}, metav1.CreateOptions{})
	if err != nil {
		ans.Err = err
		return ans
	}
	allowed := res.Status.Allowed
	ans.Allowed, ans.Reason = &allowed, res.Status.Reason
	return ans
}

// tailDruidLines reads the last lines of each Overlord pod's log and
// counts them and those in Druid's pattern.
func tailDruidLines(ctx context.Context, k kube.Interface, pods []corev1.Pod, container string) (lines, druid int) {
	for i := range pods {
		p := &pods[i]
		c := container
		if c == "" {
			c = defaultContainer(p)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		tail, limit := int64(tailLines), int64(256<<10)
		rc, err := k.Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: c, TailLines: &tail, LimitBytes: &limit}).Stream(rctx)
		if err == nil {
			sc := bufio.NewScanner(rc)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				lines++
				if trace.Parse(sc.Text()).Patterned() {
					druid++
				}
			}
			rc.Close()
		}
		cancel()
	}
	return lines, druid
}

// defaultContainer is kubectl logs' choice: the default-container
// annotation, else the first container.
func defaultContainer(p *corev1.Pod) string {
	if c := p.Annotations["kubectl.kubernetes.io/default-container"]; c != "" {
		return c
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}
