package locate

import (
	"context"
	"errors"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// Resolution is everything known about a task after one lookup.
type Resolution struct {
	TaskID string
	// Namespace where the Job was found (or searched, if not found).
	Namespace string
	Job       *batchv1.Job
	// JobFromPod says Job was not read but built from the pod
	// (ResolveStreamable): name, namespace, UID and task.id, no status.
	JobFromPod bool
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
	// From is set when the argument was not the task ID but a Job or pod
	// name (Locator.ByName): "Job NS/NAME" or "pod NS/NAME".
	From string
}

// Resolve finds the task's Job and pod and decides its state; container is
// the container whose state counts. A missing Job is not an error: the
// result has State NOT_STARTED and NotFound set.
func (l *Locator) Resolve(ctx context.Context, taskID, container string) (*Resolution, error) {
	return l.resolveWith(ctx, taskID, container, nil)
}

// resolveWith is Resolve; podsOf, when set, is asked for the pods of the
// Job (labelled job-name=job, in the Locator's namespace) once its name is
// known, and returns them when an earlier step has listed them (nil: list
// them).
func (l *Locator) resolveWith(ctx context.Context, taskID, container string, podsOf func(job string) *corev1.PodList) (*Resolution, error) {
	r := &Resolution{TaskID: taskID, Namespace: l.Namespace}
	m, err := l.FindJob(ctx, taskID)
	var nf *NotFoundError
	if errors.As(err, &nf) && l.ByName {
		if id, from := l.TaskOfName(ctx, taskID, nf); id != "" && id != taskID {
			byID := *l
			byID.ByName = false
			res, err := byID.Resolve(ctx, id, container)
			if res != nil {
				res.From = from
			}
			return res, err
		}
	}
	switch {
	case errors.As(err, &nf):
		r.NotFound = nf
		r.State = druid.StateOf(nil, nil, container, time.Now())
		return r, nil
	case err != nil:
		return nil, err
	}
	r.Job, r.Rule, r.Namespace = m.Job, m.Rule, m.Job.Namespace
	var pm *PodMatch
	var known *corev1.PodList
	if podsOf != nil && m.Job.Namespace == l.Namespace && !l.AllNamespaces {
		known = podsOf(m.Job.Name)
	}
	if known != nil {
		pm = podOfJob(known, m.Job)
	} else if pm, err = l.FindPod(ctx, m.Job); err != nil {
		return nil, err
	}
	r.Pod, r.PodCount, r.PodsResourceVersion = pm.Pod, pm.Count, pm.ResourceVersion
	r.State = druid.StateOf(r.Job, r.Pod, container, time.Now())
	return r, nil
}
