package locate

import (
	"context"
	"errors"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Resolution is everything known about a task after one lookup.
type Resolution struct {
	TaskID string
	// Namespace where the Job was found (or searched, if not found).
	Namespace string
	Job       *batchv1.Job
	// Rule says how the Job was found.
	Rule druid.Rule
	Pod  *corev1.Pod
	// PodCount is how many pods the Job has (more than one is unusual).
	PodCount int
	// PodsResourceVersion is the pod LIST's version, to watch from.
	PodsResourceVersion string
	// State is Druid's lifecycle state of the task.
	State druid.State
	// NotFound explains a missing Job (State is NOT_STARTED).
	NotFound *NotFoundError
}

// Resolve finds the task's Job and pod and decides its state; container is
// the container whose state counts. A missing Job is not an error: the
// result has State NOT_STARTED and NotFound set.
//
// The pods of the first candidate Job name are listed while that Job is
// fetched: when it is the task's Job, as it is for every task of the
// current Druid naming, the pod is known one round trip sooner. Otherwise
// the early list is dropped and the right Job's pods are listed.
func (l *Locator) Resolve(ctx context.Context, taskID, container string) (*Resolution, error) {
	r := &Resolution{TaskID: taskID, Namespace: l.Namespace}
	early := l.prefetchPods(ctx, taskID)
	defer early.drop()
	m, err := l.FindJob(ctx, taskID)
	var nf *NotFoundError
	switch {
	case errors.As(err, &nf):
		r.NotFound = nf
		r.State = druid.Evaluate(nil, nil, container, time.Now())
		return r, nil
	case err != nil:
		return nil, err
	}
	r.Job, r.Rule, r.Namespace = m.Job, m.Rule, m.Job.Namespace
	var pm *PodMatch
	if e := early.result(m.Job); e != nil {
		pm, err = l.pickPod(m.Job, e.list, e.err)
	} else {
		pm, err = l.FindPod(ctx, m.Job)
	}
	if err != nil {
		return nil, err
	}
	r.Pod, r.PodCount, r.PodsResourceVersion = pm.Pod, pm.Count, pm.ResourceVersion
	r.State = druid.Evaluate(r.Job, r.Pod, container, time.Now())
	return r, nil
}

// podPrefetch is a pod LIST started before the Job is known.
type podPrefetch struct {
	namespace, jobName string
	cancel             context.CancelFunc
	done               chan struct{}
	list               *corev1.PodList
	err                error
}

// prefetchPods starts listing the pods of the first candidate Job name of
// taskID; nil when there is no single namespace to list in.
func (l *Locator) prefetchPods(ctx context.Context, taskID string) *podPrefetch {
	cands := druid.JobNames(taskID, l.NamePrefix)
	if l.AllNamespaces || len(cands) == 0 {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &podPrefetch{namespace: l.Namespace, jobName: cands[0].Name, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.list, p.err = l.listPods(pctx, p.namespace, p.jobName)
	}()
	return p
}

// drop cancels the LIST if it is still running and waits for it, so that
// Resolve leaves nothing behind.
func (p *podPrefetch) drop() {
	if p != nil {
		p.cancel()
		<-p.done
	}
}

// result is the prefetched LIST if it was for job, waiting for it; nil if
// it was for another name (or there was none).
func (p *podPrefetch) result(job *batchv1.Job) *podPrefetch {
	if p == nil {
		return nil
	}
	if job.Namespace != p.namespace || job.Name != p.jobName {
		p.drop()
		return nil
	}
	<-p.done
	return p
}
