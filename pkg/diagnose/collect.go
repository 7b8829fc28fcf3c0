package diagnose

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
)

// Observation is the evidence Collect gathers for Evaluate.
type Observation struct {
	TaskID    string
	Namespace string
	Container string
	// AllNamespaces is set when the search covered every namespace.
	AllNamespaces bool
	Now           time.Time
	// Res is the resolution; nil when ResolveErr is set.
	Res        *locate.Resolution
	ResolveErr error
	// Elsewhere are other namespaces holding a Job of the task, looked up
	// only when the task is not found in its namespace.
	Elsewhere    []string
	ElsewhereErr error
	// JobEvents and PodEvents are the events about the Job and the pod.
	JobEvents, PodEvents []corev1.Event
	EventsErr            error
	// Log is the result of a bounded, non-follow read of the log.
	Log LogProbe
	// LogStart is when the container started and when the first line of
	// its current log file was written (a rotated log starts late); an
	// unreadable one is left zero: it only adds a warning.
	LogStart logstart.Start
	// Access is one SelfSubjectAccessReview per permission the plugin needs.
	Access []Access
	// Overlord is what the Overlord said of the task, if one is configured.
	Overlord OverlordProbe
	// Probe is the probes' verdict on the Overlord's layers
	// (ProbeOverlord); nil when no Overlord was asked.
	Probe *probe.Diagnosis
	// Rule is the RUNNING rule applied to the task's state.
	Rule probe.RuleChoice
}

// StatusGetter is the part of the Overlord client check uses.
type StatusGetter interface {
	TaskStatus(ctx context.Context, id string) (*overlord.TaskStatus, error)
	String() string
}

// OverlordProbe is the Overlord's answer for the task.
type OverlordProbe struct {
	// Where names the Overlord asked ("" when none is configured).
	Where  string
	Status *overlord.TaskStatusPlus
	Err    error
}

// LogProbe is what a bounded read of the container log returned.
type LogProbe struct {
	Tried bool
	Bytes int
	Lines int
	Err   error
}

// Access is one permission and whether the user has it.
type Access struct {
	Verb, Group, Resource, Subresource string
	Allowed                            bool
	Reason                             string
	Err                                error
}

// String names the permission as kubectl auth can-i spells it.
func (a Access) String() string {
	r := a.Resource
	if a.Subresource != "" {
		r += "/" + a.Subresource
	}
	if a.Group != "" {
		r += "." + a.Group
	}
	return a.Verb + " " + r
}

// Needed lists every permission the plugin uses.
var Needed = []Access{
	{Verb: "get", Group: "batch", Resource: "jobs"},
	{Verb: "list", Group: "batch", Resource: "jobs"},
	{Verb: "watch", Group: "batch", Resource: "jobs"},
	{Verb: "get", Resource: "pods"},
	{Verb: "list", Resource: "pods"},
	{Verb: "watch", Resource: "pods"},
	{Verb: "get", Resource: "pods", Subresource: "log"},
	{Verb: "list", Resource: "events"},
}

// logProbeLimit bounds the log read: enough to prove the stream opens.
const logProbeLimit = 4096

// Collect gathers the evidence for a task. The permission reviews, the
// Job's events and the pods of its first candidate name run alongside the
// Job lookup; the pod's events and the log probe run together once the pod
// is known.
//
// ovl may be nil: the overlord check is then skipped.
func Collect(ctx context.Context, kube kube.Interface, loc *locate.Locator, taskID, container string, ovl StatusGetter) *Observation {
	obs := &Observation{TaskID: taskID, Namespace: loc.Namespace, Container: container,
		AllNamespaces: loc.AllNamespaces, Now: time.Now()}
	var wg sync.WaitGroup
	if ovl != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs.Overlord.Where = ovl.String()
			st, err := ovl.TaskStatus(ctx, taskID)
			if err == nil {
				obs.Overlord.Status = st.Status
			}
			obs.Overlord.Err = err
		}()
	}
	access := make([]Access, len(Needed))
	for i, a := range Needed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			access[i] = review(ctx, kube, loc.Namespace, loc.AllNamespaces, a)
		}()
	}
	// The Job's events under its first candidate name are asked for at
	// once, beside the Job and its pods (ResolveAlongside): on Druid 28+ the
	// whole check is then two round trips deep.
	var early *eventsCall
	if cands := druid.JobNames(taskID, loc.NamePrefix); !loc.AllNamespaces && len(cands) > 0 {
		early = startEvents(ctx, kube, loc.Namespace, "Job", cands[0].Name)
	}
	obs.Res, obs.ResolveErr = loc.ResolveAlongside(ctx, taskID, container)
	if r := obs.Res; r != nil {
		obs.Namespace = r.Namespace
		if r.From != "" {
			obs.TaskID = r.TaskID // a Job or pod name was pasted (locate.Locator.ByName)
		}
		switch {
		case r.NotFound != nil && !loc.AllNamespaces:
			obs.Elsewhere, obs.ElsewhereErr = elsewhere(ctx, loc, taskID)
		case r.Job != nil:
			collectAround(ctx, kube, obs, early, &wg)
		}
	}
	wg.Wait()
	obs.Access = access
	return obs
}

// eventsCall is a LIST of the events about one object, running.
type eventsCall struct {
	namespace, kind, name string
	done                  chan struct{}
	items                 []corev1.Event
	err                   error
}

func startEvents(ctx context.Context, client kube.Interface, namespace, kind, name string) *eventsCall {
	c := &eventsCall{namespace: namespace, kind: kind, name: name, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.items, c.err = kube.EventsAbout(ctx, client, namespace, kind, name, 100)
	}()
	return c
}

func collectAround(ctx context.Context, kube kube.Interface, obs *Observation, early *eventsCall, wg *sync.WaitGroup) {
	r := obs.Res
	var mu sync.Mutex
	events := func(kind, name string, into *[]corev1.Event, c *eventsCall) {
		defer wg.Done()
		if c == nil || c.namespace != r.Namespace || c.kind != kind || c.name != name {
			c = startEvents(ctx, kube, r.Namespace, kind, name)
		}
		<-c.done
		mu.Lock()
		defer mu.Unlock()
		if c.err != nil {
			obs.EventsErr = c.err
			return
		}
		*into = c.items
	}
	wg.Add(1)
	go events("Job", r.Job.Name, &obs.JobEvents, early)
	if r.Pod == nil {
		return
	}
	wg.Add(1)
	go events("Pod", r.Pod.Name, &obs.PodEvents, nil)
	if druid.HasContainer(r.Pod, obs.Container) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs.Log = probeLog(ctx, kube, r.Pod, obs.Container)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if st, err := logstart.Read(ctx, kube, r.Pod, obs.Container); err == nil {
				obs.LogStart = st
			}
		}()
	}
}

// probeLog opens the log without follow and reads a bounded tail of it.
func probeLog(ctx context.Context, kube kube.Interface, pod *corev1.Pod, container string) LogProbe {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tail, limit := int64(5), int64(logProbeLimit)
	rc, err := kube.Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: container, TailLines: &tail, LimitBytes: &limit}).Stream(ctx)
	if err != nil {
		return LogProbe{Tried: true, Err: err}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, logProbeLimit))
	p := LogProbe{Tried: true, Bytes: len(b), Err: err}
	for _, c := range b {
		if c == '\n' {
			p.Lines++
		}
	}
	return p
}

// elsewhere looks for the task's Job in every namespace.
func elsewhere(ctx context.Context, loc *locate.Locator, taskID string) ([]string, error) {
	all := *loc
	all.AllNamespaces = true
	m, err := all.FindJob(ctx, taskID)
	var amb *locate.AmbiguousError
	var nf *locate.NotFoundError
	switch {
	case errors.As(err, &amb):
		return amb.Namespaces, nil
	case errors.As(err, &nf):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return []string{m.Job.Namespace}, nil
}

func review(ctx context.Context, kube kube.Interface, ns string, all bool, a Access) Access {
	if all {
		ns = ""
	}
	res, err := kube.SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: ns, Verb: a.Verb, Group: a.Group, Resource: a.Resource, Subresource: a.Subresource}}},
		metav1.CreateOptions{})
	if err != nil {
		a.Err = err
		return a
	}
	a.Allowed, a.Reason = res.Status.Allowed, res.Status.Reason
	return a
}
