// Package kube is the plugin's Kubernetes client. It speaks only to what the
// plugin reads: pods and their logs, Jobs, events, services and access
// reviews. client-go's clientset would register every API group in a scheme
// at start-up and link them all into the binary; this client registers three
// (core/v1, batch/v1, authorization/v1), which keeps start-up, binary size
// and memory small. client-go's typed clients satisfy these interfaces too,
// so tests can run on a fake clientset (see kubetest).
package kube

import (
	"context"

	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// Interface is the part of the Kubernetes API the plugin uses.
type Interface interface {
	Pods(namespace string) PodClient
	Jobs(namespace string) JobClient
	Events(namespace string) EventClient
	Services(namespace string) ServiceClient
	Namespaces() NamespaceClient
	SelfSubjectAccessReviews() AccessReviewClient
}

// NamespaceClient lists namespaces (for shell completion of -n).
type NamespaceClient interface {
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.NamespaceList, error)
}

// PodClient reads pods and their logs in one namespace.
type PodClient interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Pod, error)
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
	GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request
}

// JobClient reads Jobs in one namespace.
type JobClient interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*batchv1.Job, error)
	List(ctx context.Context, opts metav1.ListOptions) (*batchv1.JobList, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// EventClient lists events in one namespace.
type EventClient interface {
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.EventList, error)
}

// ServiceClient lists services in one namespace.
type ServiceClient interface {
	List(ctx context.Context, opts metav1.ListOptions) (*corev1.ServiceList, error)
}

// AccessReviewClient asks the API server what the caller may do.
type AccessReviewClient interface {
	Create(ctx context.Context, review *authorizationv1.SelfSubjectAccessReview, opts metav1.CreateOptions) (*authorizationv1.SelfSubjectAccessReview, error)
}

// SubjectReviewClient asks the API server what another subject may do.
type SubjectReviewClient interface {
	Create(ctx context.Context, review *authorizationv1.SubjectAccessReview, opts metav1.CreateOptions) (*authorizationv1.SubjectAccessReview, error)
}

// EventsAbout lists the events of namespace whose involved object is the
// kind and name given (at most limit of them).
func EventsAbout(ctx context.Context, c Interface, namespace, kind, name string, limit int64) ([]corev1.Event, error) {
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.AsSelector().String()
	list, err := c.Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel, Limit: limit})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}
