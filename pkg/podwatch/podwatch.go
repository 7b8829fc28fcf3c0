// Package podwatch tracks one pod while its log is followed, to notice the
// end of its container (terminated, pod finished or deleted) without polling.
//
// It runs one watch on the pod by name (listwatch), starting from the
// resource version of the LIST that found it, so noticing the end costs no
// extra request on the way to the first log line. A broken watch is
// reopened, an expired one replaced by a fresh GET-like listing, through
// API outages, with backoff. A pod's deletion carries its final state: a
// pod deleted right after it succeeded is a success. Where pods may be
// listed but not watched (RBAC without the watch verb, a proxy that
// refuses watches), it polls: one LIST every Options.PollEvery, said once
// through Options.Notify.
package podwatch

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/listwatch"
)

// EndedFunc decides from the latest pod whether its container has ended.
type EndedFunc func(pod *corev1.Pod) bool

// DefaultPollEvery is how often pods are listed when they may not be
// watched: an end is noticed within it, and a LIST of a task's pod (or of
// a selection's, paged) every 2 s is light for the API server; the wait
// for a pod polls as often (locate's waitRecheckBlind).
const DefaultPollEvery = 2 * time.Second

// Options are a watch's reporting and its polling fallback.
type Options struct {
	// Debugf receives --debug markers (nil: none).
	Debugf func(format string, args ...any)
	// Notify is told once, in words for the user, that the watch was
	// refused and pods are polled instead (nil: quiet).
	Notify func(format string, args ...any)
	// PollEvery is the polling interval. Default DefaultPollEvery.
	PollEvery time.Duration
}

func (o Options) pollEvery() time.Duration {
	if o.PollEvery > 0 {
		return o.PollEvery
	}
	return DefaultPollEvery
}

// onPoll tells the user once that what could not be watched is polled.
func (o Options) onPoll(what string) func(error) {
	return func(err error) {
		if o.Notify != nil {
			o.Notify("cannot watch %s (%s); polling them every %s instead", what, refusal(err), o.pollEvery())
		}
	}
}

// refusal words a refused WATCH briefly.
func refusal(err error) string {
	if apierrors.IsMethodNotSupported(err) {
		return "the API server or a proxy before it refuses watches: 405 Method Not Allowed"
	}
	return err.Error()
}

// Tracker follows one pod's status.
type Tracker struct {
	ended  EndedFunc
	debugf func(string, ...any)

	mu     sync.Mutex
	pod    *corev1.Pod
	gone   bool
	doneCh chan struct{}
	once   sync.Once
	cancel context.CancelFunc
	exited chan struct{}
	// unregister, when set, detaches a Tracker fed by a Shared watch.
	unregister func()
}

// Start watches pod from resourceVersion until ctx is done, Stop is called
// or the pod ends; where the watch is refused, it polls the pod.
func Start(ctx context.Context, client kube.Interface, pod *corev1.Pod, resourceVersion string,
	ended EndedFunc, o Options) *Tracker {
	t := &Tracker{ended: ended, debugf: o.Debugf, pod: pod, doneCh: make(chan struct{}), exited: make(chan struct{})}
	if ended(pod) {
		t.finish()
		close(t.exited)
		return t
	}
	ctx, t.cancel = context.WithCancel(ctx)
	list, watchFn := listwatch.Pods(client.Pods(pod.Namespace))
	cfg := listwatch.Config{
		List: list, Watch: watchFn, ResourceVersion: resourceVersion,
		FieldSelector: fields.OneTermEqualSelector("metadata.name", pod.Name).String(),
		OnList: func(items []runtime.Object) {
			for _, o := range items {
				if p, ok := o.(*corev1.Pod); ok && p.Name == pod.Name {
					t.update(p, false)
					return
				}
			}
			t.update(nil, true)
		},
		OnEvent: func(ev watch.Event) {
			// The name is checked again: a selector is the server's
			// promise, and fakes do not keep it.
			if p, ok := ev.Object.(*corev1.Pod); ok && p.Name == pod.Name {
				t.update(p, ev.Type == watch.Deleted)
			}
		},
		OnFailure: func(err error, n int, wait time.Duration) {
			t.debug("podwatch: pod %s/%s: %v (attempt %d, retrying in %s)", pod.Namespace, pod.Name, err, n, wait)
		},
		PollEvery: o.pollEvery(),
		OnPoll:    o.onPoll("pod " + pod.Name),
	}
	t.debug("podwatch: WATCH pod %s/%s from resourceVersion %q", pod.Namespace, pod.Name, resourceVersion)
	go func() {
		defer close(t.exited)
		if err := listwatch.Run(ctx, cfg); err != nil {
			t.debug("podwatch: pod %s/%s: %v", pod.Namespace, pod.Name, err)
		}
	}()
	return t
}

// Ended is closed once the container has ended or the pod is gone.
func (t *Tracker) Ended() <-chan struct{} { return t.doneCh }

// Latest returns the newest pod seen (for a deleted pod, its final state)
// and whether it has been deleted.
func (t *Tracker) Latest() (pod *corev1.Pod, deleted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pod, t.gone
}

// Stop ends the watch and waits for it to be gone.
func (t *Tracker) Stop() {
	if t.cancel != nil {
		t.cancel()
	}
	if t.unregister != nil {
		t.unregister()
	}
	<-t.exited
}

func (t *Tracker) finish() {
	t.once.Do(func() {
		close(t.doneCh)
		if t.cancel != nil {
			t.cancel()
		}
	})
}

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

func (t *Tracker) debug(format string, args ...any) {
	if t.debugf != nil {
		t.debugf(format, args...)
	}
}
