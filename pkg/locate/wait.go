package locate

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/listwatch"
)

// waitRecheck bounds how long a wait trusts its watches: after it, the task
// is resolved again even without an event.
const waitRecheck = 30 * time.Second

// waitRecheckBlind is the recheck period when a watch was refused.
const waitRecheckBlind = 2 * time.Second

// waitSettle batches the burst of events one change causes (Job, pod,
// status) into one new lookup.
const waitSettle = 150 * time.Millisecond

// WaitUntil resolves the task again each time a peon Job or pod changes,
// until done returns true for a resolution or ctx ends (ctx.Err()). It
// watches instead of polling: the Job's pods once the Job exists, else every
// peon Job and pod of the namespace; the watches ride out API outages.
// progress is called with each new resolution that is not done.
func (l *Locator) WaitUntil(ctx context.Context, r *Resolution, container string,
	done func(*Resolution) bool, progress func(*Resolution)) (*Resolution, error) {
	var w *changeWatch
	defer func() {
		if w != nil {
			w.stop()
		}
	}()
	for {
		if done(r) {
			return r, nil
		}
		if progress != nil {
			progress(r)
		}
		if k := l.watchKey(r); w == nil || w.key != k {
			if w != nil {
				w.stop()
			}
			w = l.startChangeWatch(ctx, k, r)
		}
		if err := w.next(ctx); err != nil {
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

// watchKey says what a wait for r watches: the Job's pods, or every peon
// Job and pod of the namespace (or of all namespaces).
type watchKey struct {
	namespace, job string
}

func (l *Locator) watchKey(r *Resolution) watchKey {
	if r.Job != nil {
		return watchKey{namespace: r.Namespace, job: r.Job.Name}
	}
	if l.AllNamespaces {
		return watchKey{namespace: metav1.NamespaceAll}
	}
	return watchKey{namespace: r.Namespace}
}

// changeWatch signals changes of the watched Jobs and pods.
type changeWatch struct {
	key     watchKey
	changed chan struct{}
	blind   atomic.Bool // a watch was refused: recheck on a timer
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func (l *Locator) startChangeWatch(ctx context.Context, k watchKey, r *Resolution) *changeWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &changeWatch{key: k, changed: make(chan struct{}, 1), cancel: cancel}
	signal := func() {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	run := func(what string, cfg listwatch.Config) {
		cfg.OnEvent = func(watch.Event) { signal() }
		cfg.OnFailure = func(err error, n int, wait time.Duration) {
			l.debugf("wait: %s: %v (attempt %d, retrying in %s)", what, err, n, wait)
		}
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			if err := listwatch.Run(ctx, cfg); err != nil {
				l.debugf("wait: cannot watch %s (%v); re-checking every %s", what, err, waitRecheckBlind)
				w.blind.Store(true)
				signal()
			}
		}()
	}
	podSel, podRV := druid.PeonSelector, ""
	if k.job != "" {
		podSel, podRV = druid.JobNameLabel+"="+k.job, r.PodsResourceVersion
	} else {
		list, watchFn := listwatch.Jobs(l.Client.Jobs(k.namespace))
		l.debugf("wait: LIST+WATCH jobs -l %s in %s", druid.PeonSelector, nsLabel(k.namespace))
		run("jobs", listwatch.Config{List: list, Watch: watchFn, LabelSelector: druid.PeonSelector})
	}
	list, watchFn := listwatch.Pods(l.Client.Pods(k.namespace))
	l.debugf("wait: WATCH pods -l %s in %s", podSel, nsLabel(k.namespace))
	run("pods", listwatch.Config{List: list, Watch: watchFn, LabelSelector: podSel, ResourceVersion: podRV})
	return w
}

// next returns when something may have changed: an event (after the burst
// settles), or the recheck period.
func (w *changeWatch) next(ctx context.Context) error {
	recheck := waitRecheck
	if w.blind.Load() {
		recheck = waitRecheckBlind
	}
	timer := time.NewTimer(recheck)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	case <-w.changed:
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

func (w *changeWatch) stop() {
	w.cancel()
	w.wg.Wait()
}
