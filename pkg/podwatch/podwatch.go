// Package podwatch tracks one pod while its log is followed, to notice the
// end of its container (terminated, pod finished or deleted) without polling.
//
// It runs one watch on the pod by name, starting from the resource version
// of the LIST that found it, so noticing the end costs no extra request on
// the way to the first log line. A broken or expired watch is re-opened from
// a fresh GET.
package podwatch

import (
	"context"
	"sync"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// EndedFunc decides from the latest pod whether its container has ended.
type EndedFunc func(pod *corev1.Pod) bool

// Tracker follows one pod's status.
type Tracker struct {
	client kube.Interface
	ended  EndedFunc
	debugf func(string, ...any)

	mu     sync.Mutex
	pod    *corev1.Pod
	gone   bool
	doneCh chan struct{}
	once   sync.Once
}

// Start watches pod from resourceVersion until ctx is done or the pod ends.
func Start(ctx context.Context, client kube.Interface, pod *corev1.Pod, resourceVersion string,
	ended EndedFunc, debugf func(string, ...any)) *Tracker {
	t := &Tracker{client: client, ended: ended, debugf: debugf, pod: pod, doneCh: make(chan struct{})}
	if ended(pod) {
		t.finish()
		return t
	}
	go t.run(ctx, pod.Namespace, pod.Name, resourceVersion)
	return t
}

// Ended is closed once the container has ended or the pod is gone.
func (t *Tracker) Ended() <-chan struct{} { return t.doneCh }

// Latest returns the newest pod seen and whether it has been deleted.
func (t *Tracker) Latest() (pod *corev1.Pod, deleted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pod, t.gone
}

func (t *Tracker) finish() { t.once.Do(func() { close(t.doneCh) }) }

func (t *Tracker) update(pod *corev1.Pod, deleted bool) {
	t.mu.Lock()
	if pod != nil {
		t.pod = pod
	}
	t.gone = t.gone || deleted
	t.mu.Unlock()
	if deleted || (pod != nil && t.ended(pod)) {
		t.finish()
	}
}

func (t *Tracker) run(ctx context.Context, ns, name, rv string) {
	pods := t.client.Pods(ns)
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		if rv == "" {
			p, err := pods.Get(ctx, name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
				t.update(nil, true)
				return
			case err != nil:
				t.debug("podwatch: GET pod %s: %v", name, err)
				if !wait(ctx, &backoff) {
					return
				}
				continue
			}
			t.update(p, false)
			if t.isDone() {
				return
			}
			rv = p.ResourceVersion
		}
		t.debug("podwatch: WATCH pod %s/%s from resourceVersion %s", ns, name, rv)
		w, err := pods.Watch(ctx, metav1.ListOptions{
			FieldSelector:       fields.OneTermEqualSelector("metadata.name", name).String(),
			ResourceVersion:     rv,
			AllowWatchBookmarks: true,
		})
		if err != nil {
			t.debug("podwatch: watch failed: %v", err)
			rv = ""
			if !wait(ctx, &backoff) {
				return
			}
			continue
		}
		rv = t.consume(ctx, w)
		w.Stop()
		if t.isDone() {
			return
		}
	}
}

// consume reads events until the watch closes; it returns the resource
// version to resume from, or "" when a fresh GET is needed.
func (t *Tracker) consume(ctx context.Context, w watch.Interface) string {
	rv := ""
	for {
		select {
		case <-ctx.Done():
			return rv
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv
			}
			switch ev.Type {
			case watch.Error:
				t.debug("podwatch: watch error: %v", apierrors.FromObject(ev.Object))
				return ""
			case watch.Deleted:
				t.update(nil, true)
				return rv
			case watch.Added, watch.Modified, watch.Bookmark:
				p, ok := ev.Object.(*corev1.Pod)
				if !ok {
					continue
				}
				rv = p.ResourceVersion
				if ev.Type != watch.Bookmark {
					t.update(p, false)
				}
				if t.isDone() {
					return rv
				}
			}
		}
	}
}

func (t *Tracker) isDone() bool {
	select {
	case <-t.doneCh:
		return true
	default:
		return false
	}
}

func (t *Tracker) debug(format string, args ...any) {
	if t.debugf != nil {
		t.debugf(format, args...)
	}
}

func wait(ctx context.Context, backoff *time.Duration) bool {
	timer := time.NewTimer(*backoff)
	defer timer.Stop()
	*backoff = min(2**backoff, 5*time.Second)
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
