package tasklist

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Tracker keeps the latest Jobs and pods seen by a watch and tells which
// rows changed since they were last reported, as `list --watch` prints
// them. A change of reason text alone (its "5m ago" ages) is not a change.
type Tracker struct {
	container string
	jobs      map[string]*batchv1.Job
	// pods holds each Job's pods by pod name, keyed like Row.Key.
	pods     map[string]map[string]corev1.Pod
	reported map[string]Row
}

// NewTracker starts from a listing and returns its rows, sorted; they
// count as reported.
func NewTracker(container string, jobs []batchv1.Job, pods []corev1.Pod, now time.Time) (*Tracker, []Row) {
	t := &Tracker{container: container}
	return t, t.Reset(jobs, pods, now)
}

// Reset replaces everything with a fresh listing (after a watch expired)
// and returns the rows that changed, including a Deleted row for each Job
// that disappeared meanwhile.
func (t *Tracker) Reset(jobs []batchv1.Job, pods []corev1.Pod, now time.Time) []Row {
	old := t.reported
	t.jobs, t.pods, t.reported = map[string]*batchv1.Job{}, map[string]map[string]corev1.Pod{}, map[string]Row{}
	for i := range pods {
		t.putPod(&pods[i])
	}
	var changed []Row
	for i := range jobs {
		j := jobs[i]
		t.jobs[key(j.Namespace, j.Name)] = &j
		if r, ok := t.refresh(key(j.Namespace, j.Name), now, old); ok {
			changed = append(changed, r)
		}
	}
	for k, r := range old {
		if _, ok := t.jobs[k]; !ok {
			r.Deleted = true
			changed = append(changed, r)
		}
	}
	Sort(changed)
	return changed
}

// Job records a Job event and returns the row if it changed.
func (t *Tracker) Job(job *batchv1.Job, deleted bool, now time.Time) []Row {
	k := key(job.Namespace, job.Name)
	if deleted {
		delete(t.jobs, k)
		r, ok := t.reported[k]
		if !ok {
			r = RowOf(job, nil, t.container, now)
		}
		delete(t.reported, k)
		r.Deleted = true
		return []Row{r}
	}
	t.jobs[k] = job
	if r, ok := t.refresh(k, now, t.reported); ok {
		return []Row{r}
	}
	return nil
}

// Pod records a pod event and returns its Job's row if it changed.
func (t *Tracker) Pod(pod *corev1.Pod, deleted bool, now time.Time) []Row {
	k := key(pod.Namespace, JobNameOf(pod))
	if deleted {
		delete(t.pods[k], pod.Name)
	} else {
		t.putPod(pod)
	}
	if r, ok := t.refresh(k, now, t.reported); ok {
		return []Row{r}
	}
	return nil
}

func (t *Tracker) putPod(pod *corev1.Pod) {
	k := key(pod.Namespace, JobNameOf(pod))
	if t.pods[k] == nil {
		t.pods[k] = map[string]corev1.Pod{}
	}
	t.pods[k][pod.Name] = *pod
}

// refresh recomputes the row of Job k and reports it if it differs from
// prev[k]; it records it as reported either way.
func (t *Tracker) refresh(k string, now time.Time, prev map[string]Row) (Row, bool) {
	job, ok := t.jobs[k]
	if !ok {
		return Row{}, false
	}
	pods := make([]corev1.Pod, 0, len(t.pods[k]))
	for _, p := range t.pods[k] {
		pods = append(pods, p)
	}
	r := RowOf(job, pods, t.container, now)
	last, seen := prev[k]
	t.reported[k] = r
	return r, !seen || fingerprint(last) != fingerprint(r)
}

func fingerprint(r Row) Row {
	r.Reason = ""
	return r
}

func key(ns, name string) string { return ns + "/" + name }
