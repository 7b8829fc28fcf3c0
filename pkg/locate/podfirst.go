package locate

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// ResolveStreamable is Resolve for a caller that wants the log now (follow):
// it tries the happy path in one request, a LIST of the pods labelled
// job-name=<the first candidate Job name>, and keeps the pods whose task.id
// annotation is taskID (Druid writes it on the pod in every adapter; the
// name alone proves nothing). When the newest such pod is streamable, the
// Job is not read: the result's Job is a stand-in built from the pod
// (JobFromPod), enough to name it and to decide the pod's end. Otherwise,
// when no pod matches or the task is not streamable, it resolves as Resolve
// does, where the Job tells NOT_STARTED from PENDING and STOPPED (the pods of
// a Job of that first name are not listed twice).
//
// An API error of the first LIST is returned as is: no second lookup runs
// against a failing server. With AllNamespaces it is Resolve.
func (l *Locator) ResolveStreamable(ctx context.Context, taskID, container string) (*Resolution, error) {
	cands := druid.JobNames(taskID, l.NamePrefix)
	if l.AllNamespaces || len(cands) == 0 {
		return l.Resolve(ctx, taskID, container)
	}
	c := cands[0]
	l.debugf("resolve: LIST pods -l %s=%s in %s (%s name; pod first)", druid.JobNameLabel, c.Name, l.Namespace, c.Rule)
	list, err := l.Client.Pods(l.Namespace).List(ctx, metav1.ListOptions{LabelSelector: druid.JobNameLabel + "=" + c.Name})
	if err != nil {
		return nil, err
	}
	pod, n := taskPod(list.Items, taskID)
	if pod != nil {
		job := jobOfPod(pod, taskID)
		st := druid.StateOf(job, pod, container, time.Now())
		if st.Streamable() && druid.HasContainer(pod, container) {
			return &Resolution{TaskID: taskID, Namespace: pod.Namespace, Job: job, JobFromPod: true, Rule: c.Rule,
				Pod: pod.DeepCopy(), PodCount: n, PodsResourceVersion: list.ResourceVersion, State: st}, nil
		}
		l.debugf("resolve: pod %s is %s; reading its Job", pod.Name, st.Phase)
	} else {
		l.debugf("resolve: no pod of task %q with that label; reading the Job", taskID)
	}
	return l.resolveWith(ctx, taskID, container, func(job string) *corev1.PodList {
		if job == c.Name {
			return list
		}
		return nil
	})
}

// taskPod picks the newest pod whose task.id annotation is taskID, and
// counts the pods of the same Job (the same controller) as that one: pods of
// an earlier Job of the same name are not counted.
func taskPod(pods []corev1.Pod, taskID string) (*corev1.Pod, int) {
	mine := make([]corev1.Pod, 0, len(pods))
	for _, p := range pods {
		if p.Annotations[druid.TaskIDAnnotation] == taskID {
			mine = append(mine, p)
		}
	}
	newest, _ := druid.PickPod(mine)
	if newest == nil {
		return nil, 0
	}
	owner := controllerUID(newest)
	n := 0
	for i := range mine {
		if controllerUID(&mine[i]) == owner {
			n++
		}
	}
	return newest, n
}

// jobOfPod is the stand-in Job of a pod found first: its name (the job-name
// label), namespace and UID (the pod's controller) and task.id. Its status
// is empty: it says nothing about the Job's end, which the pod's own state
// then decides.
func jobOfPod(pod *corev1.Pod, taskID string) *batchv1.Job {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{
		Name: pod.Labels[druid.JobNameLabel], Namespace: pod.Namespace, UID: types.UID(controllerUID(pod)),
		Annotations: map[string]string{druid.TaskIDAnnotation: taskID},
	}}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "Job" {
			job.Name = ref.Name
		}
	}
	return job
}

func controllerUID(pod *corev1.Pod) string {
	for _, ref := range pod.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			return string(ref.UID)
		}
	}
	return ""
}

// ResolveAlongside is Resolve with the pods of the first candidate Job name
// listed at the same time as the Job is fetched, for a caller that reads
// everything anyway (check): one round trip instead of two when the Job has
// that name. The LIST is wasted when it has another (Druid 25-27, a prefix).
func (l *Locator) ResolveAlongside(ctx context.Context, taskID, container string) (*Resolution, error) {
	cands := druid.JobNames(taskID, l.NamePrefix)
	if l.AllNamespaces || len(cands) == 0 {
		return l.Resolve(ctx, taskID, container)
	}
	name := cands[0].Name
	type listed struct {
		list *corev1.PodList
		err  error
	}
	pods := make(chan listed, 1)
	go func() {
		l.debugf("resolve: LIST pods -l %s=%s in %s (alongside the Job)", druid.JobNameLabel, name, l.Namespace)
		list, err := l.Client.Pods(l.Namespace).List(ctx, metav1.ListOptions{LabelSelector: druid.JobNameLabel + "=" + name})
		pods <- listed{list, err}
	}()
	return l.resolveWith(ctx, taskID, container, func(job string) *corev1.PodList {
		if job != name {
			return nil
		}
		if p := <-pods; p.err == nil {
			return p.list
		}
		return nil
	})
}
