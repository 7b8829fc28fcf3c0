package tasklist

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Changes keeps the latest Jobs and pods seen by a watch and tells which
// rows changed since they were last reported, as `list --watch` prints
// them. A change of reason text alone (its "5m ago" ages) is not a change.
type Changes struct {
	container string
	jobs      map[string]*batchv1.Job
	// pods holds each Job's pods by pod name, keyed like Row.Key.
	pods     map[string]map[string]corev1.Pod
	reported map[string]Row
}

// NewChanges starts from a listing and returns its rows, sorted; they
// count as reported.
func NewChanges(container string, jobs []batchv1.Job, pods []corev1.Pod, now time.Time) (*Changes, []Row) {
	t := &Changes{container: container, jobs: map[string]*batchv1.Job{}, pods: map[string]map[string]corev1.Pod{},
		reported: map[string]Row{}}
	return t, t.Reset(jobs, pods, now)
}

// Reset replaces everything with a fresh listing (after a watch expired)
// and returns the rows that changed, including a Deleted row for each Job
// that disappeared meanwhile.
func (t *Changes) Reset(jobs []batchv1.Job, pods []corev1.Pod, now time.Time) []Row {
	t.setPods(pods)
	return t.ResetJobs(jobs, now)
}

// ResetJobs replaces the Jobs with a fresh listing and returns the rows
// that changed, a Deleted row for each Job gone meanwhile.
func (t *Changes) ResetJobs(jobs []batchv1.Job, now time.Time) []Row {
	t.jobs = map[string]*batchv1.Job{}
	for i := range jobs {
		j := jobs[i]
		t.jobs[key(j.Namespace, j.Name)] = &j
	}
	return t.recompute(now)
}

// ResetPods replaces the pods with a fresh listing and returns the rows
// that changed.
func (t *Changes) ResetPods(pods []corev1.Pod, now time.Time) []Row {
	t.setPods(pods)
	return t.recompute(now)
}

func (t *Changes) setPods(pods []corev1.Pod) {
	t.pods = map[string]map[string]corev1.Pod{}
	for i := range pods {
		t.putPod(&pods[i])
	}
}

// recompute refreshes every row against what was reported.
func (t *Changes) recompute(now time.Time) []Row {
	old := t.reported
	t.reported = map[string]Row{}
	var changed []Row
	for k := range t.jobs {
		if r, ok := t.refresh(k, now, old); ok {
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
func (t *Changes) Job(job *batchv1.Job, deleted bool, now time.Time) []Row {
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
func (t *Changes) Pod(pod *corev1.Pod, deleted bool, now time.Time) []Row {
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

func (t *Changes) putPod(pod *corev1.Pod) {
	k := key(pod.Namespace, JobNameOf(pod))
	if t.pods[k] == nil {
		t.pods[k] = map[string]corev1.Pod{}
	}
	t.pods[k][pod.Name] = *pod
}

// refresh recomputes the row of Job k and reports it if it differs from
// prev[k]; it records it as reported either way.
func (t *Changes) refresh(k string, now time.Time, prev map[string]Row) (Row, bool) {
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
