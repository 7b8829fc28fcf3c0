package locate

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// ObjectNotFoundError says a pod or Job named on the command line does
// not exist.
type ObjectNotFoundError struct {
	Kind          druid.RefKind
	Name          string
	Namespace     string
	AllNamespaces bool
}

func (e *ObjectNotFoundError) Error() string {
	where := "namespace " + e.Namespace
	if e.AllNamespaces {
		where = "any namespace"
	}
	return fmt.Sprintf("%s %q not found in %s", e.Kind, e.Name, where)
}

// NotPeonError says a pod or Job exists but carries no task.id
// annotation: it is not a Druid peon.
type NotPeonError struct {
	Kind      druid.RefKind
	Name      string
	Namespace string
}

func (e *NotPeonError) Error() string {
	return fmt.Sprintf("%s %s/%s is not a Druid peon: it has no %s annotation", e.Kind, e.Namespace, e.Name, druid.TaskIDAnnotation)
}

// TaskOfObject returns the task ID of a peon Job or pod (kind RefJob or
// RefPod): the task.id annotation Druid puts on both, or, for a pod
// without it, its Job's. It also says where it was found ("Job NS/NAME").
func (l *Locator) TaskOfObject(ctx context.Context, kind druid.RefKind, name string) (taskID, from string, err error) {
	switch kind {
	case druid.RefJob:
		job, err := l.getJob(ctx, name)
		if err != nil {
			return "", "", err
		}
		if id := druid.TaskIDOf(job); id != "" {
			return id, "Job " + job.Namespace + "/" + job.Name, nil
		}
		return "", "", &NotPeonError{Kind: druid.RefJob, Name: job.Name, Namespace: job.Namespace}
	case druid.RefPod:
		pod, err := l.getPod(ctx, name)
		if err != nil {
			return "", "", err
		}
		from := "pod " + pod.Namespace + "/" + pod.Name
		if id := pod.Annotations[druid.TaskIDAnnotation]; id != "" {
			return id, from, nil
		}
		if jobName := pod.Labels[druid.JobNameLabel]; jobName != "" {
			all := *l
			all.Namespace, all.AllNamespaces = pod.Namespace, false
			if job, err := all.getJob(ctx, jobName); err == nil && druid.TaskIDOf(job) != "" {
				return druid.TaskIDOf(job), from, nil
			}
		}
		return "", "", &NotPeonError{Kind: druid.RefPod, Name: pod.Name, Namespace: pod.Namespace}
	}
	return "", "", fmt.Errorf("locate: cannot look up a %q", kind)
}

// TaskOfName is the fallback for an ID no Job carries: people paste Job
// and pod names. It uses what the label search of FindJob saw (nf): a peon
// Job with that name answers at once; a peon Job whose pods' names start
// like it costs one GET of the pod, whose annotation decides. Otherwise no
// request is made and the results are empty.
func (l *Locator) TaskOfName(ctx context.Context, name string, nf *NotFoundError) (taskID, from string) {
	if nf == nil || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", ""
	}
	if j := nf.NamedJob; j != nil && druid.TaskIDOf(j) != "" {
		return druid.TaskIDOf(j), "Job " + j.Namespace + "/" + j.Name
	}
	if j := nf.PodsJob; j != nil {
		in := *l
		in.Namespace, in.AllNamespaces = j.Namespace, false
		id, from, err := in.TaskOfObject(ctx, druid.RefPod, name)
		if err == nil {
			return id, from
		}
		l.debugf("resolve: pod %s: %v", name, err)
	}
	return "", ""
}

// getJob reads a Job by name, in the namespace or (-A) anywhere.
func (l *Locator) getJob(ctx context.Context, name string) (*batchv1.Job, error) {
	if !l.AllNamespaces {
		l.debugf("resolve: GET job %s/%s", l.Namespace, name)
		job, err := l.Client.Jobs(l.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, &ObjectNotFoundError{Kind: druid.RefJob, Name: name, Namespace: l.Namespace}
		}
		return job, err
	}
	l.debugf("resolve: LIST jobs in all namespaces with name %s", name)
	list, err := l.Client.Jobs(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		return nil, err
	}
	switch len(list.Items) {
	case 0:
		return nil, &ObjectNotFoundError{Kind: druid.RefJob, Name: name, AllNamespaces: true}
	case 1:
		return &list.Items[0], nil
	}
	return nil, ambiguousObject(name, func(i int) string { return list.Items[i].Namespace }, len(list.Items))
}

// getPod reads a pod by name, in the namespace or (-A) anywhere.
func (l *Locator) getPod(ctx context.Context, name string) (*corev1.Pod, error) {
	if !l.AllNamespaces {
		l.debugf("resolve: GET pod %s/%s", l.Namespace, name)
		p, err := l.Client.Pods(l.Namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, &ObjectNotFoundError{Kind: druid.RefPod, Name: name, Namespace: l.Namespace}
		}
		return p, err
	}
	l.debugf("resolve: LIST pods in all namespaces with name %s", name)
	list, err := l.Client.Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()})
	if err != nil {
		return nil, err
	}
	switch len(list.Items) {
	case 0:
		return nil, &ObjectNotFoundError{Kind: druid.RefPod, Name: name, AllNamespaces: true}
	case 1:
		return &list.Items[0], nil
	}
	return nil, ambiguousObject(name, func(i int) string { return list.Items[i].Namespace }, len(list.Items))
}

func ambiguousObject(name string, ns func(int) string, n int) error {
	amb := &AmbiguousError{TaskID: name}
	for i := 0; i < n; i++ {
		amb.Namespaces = append(amb.Namespaces, ns(i))
	}
	return amb
}
