package listwatch

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// Jobs returns the List and Watch of a namespace's Jobs ("" for all).
func Jobs(c kube.JobClient) (ListFunc, WatchFunc) {
	return func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, string, error) {
		l, err := c.List(ctx, opts)
		if err != nil {
			return nil, "", "", err
		}
		items := make([]runtime.Object, len(l.Items))
		for i := range l.Items {
			items[i] = &l.Items[i]
		}
		return items, l.ResourceVersion, l.Continue, nil
	}, c.Watch
}

// Pods returns the List and Watch of a namespace's pods ("" for all).
func Pods(c kube.PodClient) (ListFunc, WatchFunc) {
	return func(ctx context.Context, opts metav1.ListOptions) ([]runtime.Object, string, string, error) {
		l, err := c.List(ctx, opts)
		if err != nil {
			return nil, "", "", err
		}
		items := make([]runtime.Object, len(l.Items))
		for i := range l.Items {
			items[i] = &l.Items[i]
		}
		return items, l.ResourceVersion, l.Continue, nil
	}, c.Watch
}
