// Package locate finds a Druid task's Job and Pod through the Kubernetes API.
//
// It owns the request plan: GET the candidate Job names in order (one
// request on Druid 28+), fall back to one paginated LIST of peon Jobs matched
// on the task.id annotation, then LIST the Job's pods by job-name. It takes
// kube.Interface so tests run against a fake clientset or a real API
// server alike, and it returns typed errors; it never prints.
package locate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// listPageSize bounds every LIST so a namespace with 10,000 peon Jobs is read
// in pages, never as one giant response.
const listPageSize = 500

// RuleLabelSearch names a Job found by the label-selector fallback rather
// than by a computed name (a prefix the user did not pass, say).
const RuleLabelSearch druid.Rule = "label-search"

// Locator resolves task IDs in one namespace, or in all of them.
type Locator struct {
	Client kube.Interface
	// Namespace to search; ignored when AllNamespaces is set.
	Namespace     string
	AllNamespaces bool
	// NamePrefix is Druid 33+'s k8sTaskPodNamePrefix, if the user knows it.
	NamePrefix string
	// ByName makes Resolve try an ID that no Job carries as a peon Job
	// name, then a pod name (people paste those), when it is a valid
	// object name.
	ByName bool
	// Debugf, when set, receives one marker per step (the --debug output).
	Debugf func(format string, args ...any)
}

// JobMatch is a Job that belongs to the task, and how it was found.
type JobMatch struct {
	Job  *batchv1.Job
	Rule druid.Rule
}

// PodMatch is the pod chosen for a Job.
type PodMatch struct {
	// Pod is the newest pod of the Job, nil if it has none.
	Pod *corev1.Pod
	// Count is how many pods the Job has.
	Count int
	// ResourceVersion of the pod list, to start a watch from.
	ResourceVersion string
}

// NotFoundError says no Job belongs to the task.
type NotFoundError struct {
	TaskID        string
	Namespace     string
	AllNamespaces bool
	// Tried are the Job names computed from the task ID.
	Tried []druid.Candidate
	// PeonJobs is how many Druid peon Jobs the fallback LIST saw.
	PeonJobs int
	// Mismatched lists Jobs that have a candidate name but belong to
	// another task (Druid 25-27 name collisions).
	Mismatched []string
	// NamedJob is a peon Job the label search saw whose name is the
	// "task ID" itself: a pasted Job name.
	NamedJob *batchv1.Job
	// PodsJob is a peon Job the label search saw whose pods' names start
	// like the "task ID": a pasted pod name.
	PodsJob *batchv1.Job
}

func (e *NotFoundError) Error() string {
	where := "namespace " + e.Namespace
	if e.AllNamespaces {
		where = "any namespace"
	}
	return fmt.Sprintf("no Job for task %q in %s", e.TaskID, where)
}

// AmbiguousError says the task ID has a Job in several namespaces.
type AmbiguousError struct {
	TaskID     string
	Namespaces []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("task %q has a Job in %d namespaces (%v); choose one with -n", e.TaskID, len(e.Namespaces), e.Namespaces)
}

func (l *Locator) debugf(format string, args ...any) {
	if l.Debugf != nil {
		l.Debugf(format, args...)
	}
}

// FindJob returns the Job whose task.id annotation is taskID.
func (l *Locator) FindJob(ctx context.Context, taskID string) (*JobMatch, error) {
	cands := druid.JobNames(taskID, l.NamePrefix)
	nf := &NotFoundError{TaskID: taskID, Namespace: l.Namespace, AllNamespaces: l.AllNamespaces, Tried: cands}
	if l.AllNamespaces {
		return l.findJobEverywhere(ctx, taskID, cands, nf)
	}
	jobs := l.Client.Jobs(l.Namespace)
	for _, c := range cands {
		l.debugf("resolve: GET job %s/%s (%s name)", l.Namespace, c.Name, c.Rule)
		job, err := jobs.Get(ctx, c.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if druid.BelongsTo(job, taskID) {
			return &JobMatch{Job: job, Rule: c.Rule}, nil
		}
		l.debugf("resolve: job %s belongs to task %q, not this one", job.Name, druid.TaskIDOf(job))
		nf.Mismatched = append(nf.Mismatched, job.Name)
	}
	found, err := l.searchByLabel(ctx, l.Namespace, taskID, nf)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, nf
	}
	return &JobMatch{Job: newestJob(found), Rule: RuleLabelSearch}, nil
}

// findJobEverywhere lists each candidate name across namespaces with a
// field selector (one request per rule, whatever the cluster size), then
// falls back to the label search across namespaces.
func (l *Locator) findJobEverywhere(ctx context.Context, taskID string, cands []druid.Candidate, nf *NotFoundError) (*JobMatch, error) {
	for _, c := range cands {
		l.debugf("resolve: LIST jobs in all namespaces with name %s (%s name)", c.Name, c.Rule)
		list, err := l.Client.Jobs(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("metadata.name", c.Name).String()})
		if err != nil {
			return nil, err
		}
		var found []*batchv1.Job
		for i := range list.Items {
			if druid.BelongsTo(&list.Items[i], taskID) {
				found = append(found, &list.Items[i])
			} else {
				nf.Mismatched = append(nf.Mismatched, list.Items[i].Namespace+"/"+list.Items[i].Name)
			}
		}
		if m, err := unique(taskID, found, c.Rule); m != nil || err != nil {
			return m, err
		}
	}
	found, err := l.searchByLabel(ctx, metav1.NamespaceAll, taskID, nf)
	if err != nil {
		return nil, err
	}
	if m, err := unique(taskID, found, RuleLabelSearch); m != nil || err != nil {
		return m, err
	}
	return nil, nf
}

func unique(taskID string, found []*batchv1.Job, rule druid.Rule) (*JobMatch, error) {
	if len(found) == 0 {
		return nil, nil
	}
	nss := map[string]bool{}
	for _, j := range found {
		nss[j.Namespace] = true
	}
	if len(nss) > 1 {
		amb := &AmbiguousError{TaskID: taskID}
		for ns := range nss {
			amb.Namespaces = append(amb.Namespaces, ns)
		}
		sort.Strings(amb.Namespaces)
		return nil, amb
	}
	return &JobMatch{Job: newestJob(found), Rule: rule}, nil
}

// searchByLabel pages through the peon Jobs and keeps those whose task.id
// annotation is taskID; it counts the peon Jobs it saw in nf, and notes a
// Job whose name is taskID, or whose pods' names start like it (people
// paste those), for TaskOfName.
func (l *Locator) searchByLabel(ctx context.Context, namespace, taskID string, nf *NotFoundError) ([]*batchv1.Job, error) {
	var found []*batchv1.Job
	opts := metav1.ListOptions{LabelSelector: druid.PeonSelector, Limit: listPageSize}
	for {
		l.debugf("resolve: LIST jobs -l %s in %s (limit %d)", druid.PeonSelector, nsLabel(namespace), listPageSize)
		list, err := l.Client.Jobs(namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		nf.PeonJobs += len(list.Items)
		for i := range list.Items {
			job := &list.Items[i]
			switch {
			case druid.BelongsTo(job, taskID):
				found = append(found, job)
			case job.Name == taskID:
				nf.NamedJob = job.DeepCopy()
			case strings.HasPrefix(taskID, podNamePrefix(job.Name)):
				nf.PodsJob = job.DeepCopy()
			}
		}
		if list.Continue == "" {
			return found, nil
		}
		opts.Continue = list.Continue
	}
}

// podNamePrefix is how the Job controller's pod names start: its
// generateName, the Job name and a dash, cut to 58 characters by the API
// server before the 5 random characters.
func podNamePrefix(job string) string {
	g := job + "-"
	return g[:min(len(g), 58)]
}

// FindPod lists the Job's pods by the job-name label and picks the newest.
// Pods owned by an earlier Job of the same name are ignored.
func (l *Locator) FindPod(ctx context.Context, job *batchv1.Job) (*PodMatch, error) {
	l.debugf("resolve: LIST pods -l %s=%s in %s", druid.JobNameLabel, job.Name, job.Namespace)
	list, err := l.Client.Pods(job.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: druid.JobNameLabel + "=" + job.Name})
	if err != nil {
		return nil, err
	}
	return podOfJob(list, job), nil
}

// PodOfJob is FindPod's choice among pods already known (labelled with the
// Job's name), for a caller that watches pods itself.
func PodOfJob(pods []corev1.Pod, job *batchv1.Job) *PodMatch {
	return podOfJob(&corev1.PodList{Items: pods}, job)
}

// podOfJob picks the newest of the listed pods (labelled with the Job's
// name) that no earlier Job of the same name owns.
func podOfJob(list *corev1.PodList, job *batchv1.Job) *PodMatch {
	pods := make([]corev1.Pod, 0, len(list.Items))
	for _, p := range list.Items {
		if ownedByOther(&p, job) {
			continue
		}
		pods = append(pods, p)
	}
	pod, n := druid.PickPod(pods)
	if pod != nil {
		pod = pod.DeepCopy()
	}
	return &PodMatch{Pod: pod, Count: n, ResourceVersion: list.ResourceVersion}
}

func ownedByOther(pod *corev1.Pod, job *batchv1.Job) bool {
	if job.UID == "" {
		return false
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && ref.UID != job.UID {
			return true
		}
	}
	return false
}

func newestJob(jobs []*batchv1.Job) *batchv1.Job {
	best := jobs[0]
	for _, j := range jobs[1:] {
		if j.CreationTimestamp.After(best.CreationTimestamp.Time) {
			best = j
		}
	}
	return best
}

func nsLabel(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}
