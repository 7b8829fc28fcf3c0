package listwatch

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// Jobs returns the List and Watch of a namespace's Jobs ("" for all).
func Jobs(c kube.JobClient) (ListFunc, WatchFunc) {
	return source(c, func(l *batchv1.JobList) ([]runtime.Object, metav1.ListMeta) { return itemsOf(l.Items), l.ListMeta })
}

// Pods returns the List and Watch of a namespace's pods ("" for all).
func Pods(c kube.PodClient) (ListFunc, WatchFunc) {
	return source(c, func(l *corev1.PodList) ([]runtime.Object, metav1.ListMeta) { return itemsOf(l.Items), l.ListMeta })
}

// lister is a typed client's List and Watch.
type lister[L any] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// source adapts a typed client: split turns one of its lists into objects
// and list metadata.
func source[L any](c lister[L], split func(L) ([]runtime.Object, metav1.ListMeta)) (ListFunc, WatchFunc) {
	return func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, string, error) {
		l, err := c.List(ctx, opts)
		if err != nil {
			return nil, "", "", err
		}
		items, meta := split(l)
		return items, meta.ResourceVersion, meta.Continue, nil
	}, c.Watch
}

// itemsOf points at each item of a list as a runtime.Object.
func itemsOf[T any, PT interface {
	*T
	runtime.Object
}](items []T) []runtime.Object {
	out := make([]runtime.Object, len(items))
	for i := range items {
		out[i] = PT(&items[i])
	}
	return out
}
