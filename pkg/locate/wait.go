package locate

import (
	"context"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// waitRecheck bounds how long a wait trusts its watches: after it, the task
// is resolved again even without an event.
const waitRecheck = 30 * time.Second

// waitSettle batches the burst of events one change causes (Job, pod,
// status) into one new lookup.
const waitSettle = 150 * time.Millisecond

// WaitUntil resolves the task again each time a peon Job or pod changes,
// until done returns true for a resolution or ctx ends (ctx.Err()). It
// watches instead of polling: the Job's pods once the Job exists, else every
// peon Job and pod of the namespace. progress is called with each new
// resolution that is not done.
func (l *Locator) WaitUntil(ctx context.Context, r *Resolution, container string,
	done func(*Resolution) bool, progress func(*Resolution)) (*Resolution, error) {
	for {
		if done(r) {
			return r, nil
		}
		if progress != nil {
			progress(r)
		}
		if err := l.waitForChange(ctx, r); err != nil {
			return r, err
		}
		next, err := l.Resolve(ctx, r.TaskID, container)
		if err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			return r, err
		}
		r = next
	}
}

// waitForChange returns when something relevant to r may have changed.
func (l *Locator) waitForChange(ctx context.Context, r *Resolution) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := r.Namespace
	if l.AllNamespaces && r.Job == nil {
		ns = metav1.NamespaceAll
	}
	// Every watch starts from the resource version of a LIST, so it sends
	// only changes, not the objects that already exist.
	var watches []watch.Interface
	podSel, podRV := druid.PeonSelector, ""
	if r.Job != nil {
		podSel, podRV = druid.JobNameLabel+"="+r.Job.Name, r.PodsResourceVersion
	} else {
		opts := metav1.ListOptions{LabelSelector: druid.PeonSelector, Limit: 1}
		l.debugf("wait: LIST+WATCH jobs -l %s in %s", druid.PeonSelector, nsLabel(ns))
		list, err := l.Client.Jobs(ns).List(wctx, opts)
		if err == nil {
			opts.Limit, opts.ResourceVersion = 0, list.ResourceVersion
			var w watch.Interface
			if w, err = l.Client.Jobs(ns).Watch(wctx, opts); err == nil {
				watches = append(watches, w)
			}
		}
		if err != nil {
			l.debugf("wait: cannot watch jobs (%v); re-checking on a timer", err)
		}
	}
	opts := metav1.ListOptions{LabelSelector: podSel, ResourceVersion: podRV}
	var err error
	if podRV == "" {
		var list *corev1.PodList
		if list, err = l.Client.Pods(ns).List(wctx, metav1.ListOptions{LabelSelector: podSel, Limit: 1}); err == nil {
			opts.ResourceVersion = list.ResourceVersion
		}
	}
	if err == nil {
		l.debugf("wait: WATCH pods -l %s in %s", podSel, nsLabel(ns))
		var w watch.Interface
		if w, err = l.Client.Pods(ns).Watch(wctx, opts); err == nil {
			watches = append(watches, w)
		}
	}
	if err != nil {
		l.debugf("wait: cannot watch pods (%v); re-checking on a timer", err)
	}
	defer func() {
		for _, w := range watches {
			w.Stop()
		}
	}()
	recheck := waitRecheck
	if len(watches) == 0 {
		recheck = 2 * time.Second
	}
	changed := make(chan struct{}, 1)
	for _, w := range watches {
		go func(w watch.Interface) {
			for range w.ResultChan() {
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}(w)
	}
	timer := time.NewTimer(recheck)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	case <-changed:
	}
	settle := time.NewTimer(waitSettle)
	defer settle.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-settle.C:
		return nil
	}
}
