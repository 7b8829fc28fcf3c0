package tasklist

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/listwatch"
)

// DefaultPageSize bounds each LIST page.
const DefaultPageSize = 500

// Lister reads the peon Jobs and pods of a namespace ("" for all): one
// consistent listing, then watches. It is the I/O half of `list`; the rows
// are built by the pure functions of this package.
type Lister struct {
	Client    kube.Interface
	Namespace string
	// PageSize bounds each LIST page (DefaultPageSize if 0).
	PageSize int64
	// Selector narrows the peon Jobs and pods (added to druid.k8s.peons=true),
	// e.g. druid.overlord.namespace=NS for one Druid cluster's tasks.
	Selector string
	// Debugf receives a marker per request (nil: none).
	Debugf func(format string, args ...any)
}

// Snapshot is one listing of peon Jobs and pods.
type Snapshot struct {
	Jobs           []batchv1.Job
	Pods           []corev1.Pod
	JobsRV, PodsRV string
}

func (s *Lister) debugf(format string, args ...any) {
	if s.Debugf != nil {
		s.Debugf(format, args...)
	}
}

// selector is the peon label selector with Selector added.
func (s *Lister) selector() string {
	if s.Selector == "" {
		return druid.PeonSelector
	}
	return druid.PeonSelector + "," + s.Selector
}

func (s *Lister) pageSize() int64 {
	if s.PageSize > 0 {
		return s.PageSize
	}
	return DefaultPageSize
}

// Snapshot pages through the peon Jobs, then the peon pods: a constant
// number of requests per page, whatever the number of tasks.
func (s *Lister) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap := &Snapshot{}
	opts := metav1.ListOptions{LabelSelector: s.selector(), Limit: s.pageSize()}
	for page := 1; ; page++ {
		s.debugf("list: LIST jobs -l %s in %s (page %d, limit %d)", s.selector(), where(s.Namespace), page, opts.Limit)
		l, err := s.Client.Jobs(s.Namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		snap.Jobs, snap.JobsRV = append(snap.Jobs, l.Items...), l.ResourceVersion
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	for page := 1; ; page++ {
		s.debugf("list: LIST pods -l %s in %s (page %d, limit %d)", s.selector(), where(s.Namespace), page, opts.Limit)
		l, err := s.Client.Pods(s.Namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		snap.Pods, snap.PodsRV = append(snap.Pods, l.Items...), l.ResourceVersion
		if opts.Continue = l.Continue; opts.Continue == "" {
			break
		}
	}
	return snap, nil
}

// Watch follows the Jobs and pods from the snapshot's versions and hands
// every row that changes to emit, on the caller's goroutine, until ctx
// ends (nil), emit fails, or the API refuses (403/401). A watch the server
// expired is replaced by a fresh listing of that resource, whose
// differences are emitted, Jobs gone meanwhile as Deleted rows; failures
// back off. watching, if set, is told each time a watch opens.
func (s *Lister) Watch(ctx context.Context, snap *Snapshot, ch *Changes, now func() time.Time,
	emit func([]Row) error, watching func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	updates := make(chan func() []Row)
	errs := make(chan error, 2)
	send := func(f func() []Row) {
		select {
		case updates <- f:
		case <-ctx.Done():
		}
	}
	peon := func(o runtime.Object) bool {
		m, err := metaLabels(o)
		return err == nil && m[druid.PeonLabel] == "true"
	}
	run := func(what string, list listwatch.ListFunc, watchFn listwatch.WatchFunc, rv string, onList func([]runtime.Object) []Row) {
		s.debugf("list: WATCH %s -l %s in %s from %q", what, s.selector(), where(s.Namespace), rv)
		errs <- listwatch.Run(ctx, listwatch.Config{List: list, Watch: watchFn, LabelSelector: s.selector(),
			PageSize: s.pageSize(), ResourceVersion: rv, OnWatch: watching,
			OnList: func(items []runtime.Object) {
				s.debugf("list: %s watch expired; listed again", what)
				send(func() []Row { return onList(items) })
			},
			OnEvent: func(ev watch.Event) {
				if !peon(ev.Object) {
					return
				}
				deleted := ev.Type == watch.Deleted
				send(func() []Row {
					switch o := ev.Object.(type) {
					case *batchv1.Job:
						return ch.Job(o, deleted, now())
					case *corev1.Pod:
						return ch.Pod(o, deleted, now())
					}
					return nil
				})
			},
			OnFailure: func(err error, n int, wait time.Duration) {
				s.debugf("list: %s watch failed (attempt %d): %v; retrying in %s", what, n, err, wait)
			},
		})
	}
	jl, jw := listwatch.Jobs(s.Client.Jobs(s.Namespace))
	pl, pw := listwatch.Pods(s.Client.Pods(s.Namespace))
	go run("jobs", jl, jw, snap.JobsRV, func(items []runtime.Object) []Row {
		jobs := make([]batchv1.Job, 0, len(items))
		for _, o := range items {
			jobs = append(jobs, *o.(*batchv1.Job))
		}
		return ch.ResetJobs(jobs, now())
	})
	go run("pods", pl, pw, snap.PodsRV, func(items []runtime.Object) []Row {
		pods := make([]corev1.Pod, 0, len(items))
		for _, o := range items {
			pods = append(pods, *o.(*corev1.Pod))
		}
		return ch.ResetPods(pods, now())
	})
	running := 2
	for {
		select {
		case f := <-updates:
			if err := emit(f()); err != nil {
				cancel()
				return err
			}
		case err := <-errs:
			running--
			if err != nil {
				cancel()
				return err
			}
			if running == 0 {
				return nil
			}
		}
	}
}

func metaLabels(o runtime.Object) (map[string]string, error) {
	switch v := o.(type) {
	case *batchv1.Job:
		return v.Labels, nil
	case *corev1.Pod:
		return v.Labels, nil
	}
	return nil, nil
}

func where(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}
