package podwatch

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/listwatch"
)

// Shared is one list-then-watch of every pod a selector matches in a
// namespace (or in all of them), for a follow of many tasks: a member whose
// pod is already listed finds it without a LIST of its own, and each
// member's Tracker is fed from it without a WATCH of its own. The requests
// of many running tasks then stay one LIST and one WATCH in all. Where the
// WATCH is refused it lists every Options.PollEvery instead.
type Shared struct {
	debugf func(string, ...any)
	synced chan struct{}
	cancel context.CancelFunc
	exited chan struct{}

	mu       sync.Mutex
	pods     map[string]*corev1.Pod
	isSynced bool
	trackers map[string]map[*Tracker]bool // by namespace/name
	subs     map[*subscription]bool
}

// subscription is a waiter for changes of the pods of namespace labelled
// label=value.
type subscription struct {
	namespace, label, value string
	ch                      chan struct{}
}

// StartShared lists and watches the pods of namespace ("" for all) that
// labelSelector matches, until ctx is done or Stop is called.
func StartShared(ctx context.Context, client kube.Interface, namespace, labelSelector string, o Options) *Shared {
	s := &Shared{debugf: o.Debugf, synced: make(chan struct{}), exited: make(chan struct{}),
		pods: map[string]*corev1.Pod{}, trackers: map[string]map[*Tracker]bool{},
		subs: map[*subscription]bool{}}
	ctx, s.cancel = context.WithCancel(ctx)
	list, watchFn := listwatch.Pods(client.Pods(namespace))
	cfg := listwatch.Config{
		List: list, Watch: watchFn, LabelSelector: labelSelector,
		OnList:  s.onList,
		OnEvent: s.onEvent,
		OnFailure: func(err error, n int, wait time.Duration) {
			s.debug("podwatch: pods -l %s: %v (attempt %d, retrying in %s)", labelSelector, err, n, wait)
		},
		PollEvery: o.pollEvery(),
		OnPoll:    o.onPoll("pods"),
	}
	s.debug("podwatch: LIST and WATCH pods -l %s for every member", labelSelector)
	go func() {
		defer close(s.exited)
		if err := listwatch.Run(ctx, cfg); err != nil {
			s.debug("podwatch: pods -l %s: %v", labelSelector, err)
		}
	}()
	return s
}

func (s *Shared) onList(items []runtime.Object) {
	s.mu.Lock()
	seen := map[string]*corev1.Pod{}
	for _, o := range items {
		if p, ok := o.(*corev1.Pod); ok {
			slim(p)
			seen[key(p)] = p
		}
	}
	// A pod that left between two listings (the watch expired meanwhile)
	// was deleted; its final state is the last one seen.
	for k, p := range s.pods {
		if _, ok := seen[k]; !ok {
			s.tell(k, p, true)
		}
	}
	s.pods = seen
	for k, p := range seen {
		s.tell(k, p, false)
	}
	first := !s.isSynced
	s.isSynced = true
	s.mu.Unlock()
	if first {
		close(s.synced)
	}
}

func (s *Shared) onEvent(ev watch.Event) {
	p, ok := ev.Object.(*corev1.Pod)
	if !ok {
		return
	}
	slim(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(p)
	if ev.Type == watch.Deleted {
		delete(s.pods, k)
	} else {
		s.pods[k] = p
	}
	s.tell(k, p, ev.Type == watch.Deleted)
}

// Synced is closed once the first listing is in.
func (s *Shared) Synced() <-chan struct{} { return s.synced }

// Done is closed once the watch has ended: Stop, the end of its context, or
// a refusal to list (401, 403) that retrying cannot fix.
func (s *Shared) Done() <-chan struct{} { return s.exited }

// Pods returns copies of the known pods of namespace labelled label=value.
func (s *Shared) Pods(namespace, label, value string) []corev1.Pod {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []corev1.Pod
	for _, p := range s.pods {
		if p.Namespace == namespace && p.Labels[label] == value {
			out = append(out, *p.DeepCopy())
		}
	}
	return out
}

// Changes returns a channel that receives a signal (coalesced) whenever a
// pod of namespace labelled label=value is listed, added, changed or
// deleted, for a member waiting for its pod without requests of its own;
// stop ends the subscription. Subscribe before reading Pods, so that no
// change falls between the two.
func (s *Shared) Changes(namespace, label, value string) (ch <-chan struct{}, stop func()) {
	sub := &subscription{namespace: namespace, label: label, value: value, ch: make(chan struct{}, 1)}
	s.mu.Lock()
	s.subs[sub] = true
	s.mu.Unlock()
	return sub.ch, func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}
}

// Track returns a Tracker of pod fed by this watch: it makes no request.
// Its Stop unregisters it. A pod the watch has not seen yet (just created)
// is tracked from its first event.
func (s *Shared) Track(pod *corev1.Pod, ended EndedFunc) *Tracker {
	t := &Tracker{ended: ended, debugf: s.debugf, pod: pod, doneCh: make(chan struct{}), exited: make(chan struct{})}
	close(t.exited)
	if ended(pod) {
		t.finish()
		return t
	}
	k := key(pod)
	s.mu.Lock()
	if s.trackers[k] == nil {
		s.trackers[k] = map[*Tracker]bool{}
	}
	s.trackers[k][t] = true
	cur, known := s.pods[k]
	s.mu.Unlock()
	t.unregister = func() {
		s.mu.Lock()
		delete(s.trackers[k], t)
		if len(s.trackers[k]) == 0 {
			delete(s.trackers, k)
		}
		s.mu.Unlock()
	}
	// The watch may already have seen the end (it may also be behind the
	// pod given, so only an end is taken from it).
	if known && cur.UID == pod.UID && ended(cur) {
		t.update(cur, false)
	}
	return t
}

// Stop ends the watch and waits for it to be gone.
func (s *Shared) Stop() {
	s.cancel()
	<-s.exited
}

// tell passes a pod's change to its trackers and subscribers; s.mu is
// held. A pod of the same name but another UID (a new pod of a recreated
// Job) is not its trackers'.
func (s *Shared) tell(k string, p *corev1.Pod, deleted bool) {
	for sub := range s.subs {
		if p.Namespace == sub.namespace && p.Labels[sub.label] == sub.value {
			select {
			case sub.ch <- struct{}{}:
			default:
			}
		}
	}
	for t := range s.trackers[k] {
		if cur, _ := t.Latest(); cur != nil && cur.UID != p.UID {
			continue
		}
		t.update(p, deleted)
	}
}

func (s *Shared) debug(format string, args ...any) {
	if s.debugf != nil {
		s.debugf(format, args...)
	}
}

// slim drops what no member reads from a pod the watch keeps: its
// managedFields (who set which field, often the largest part of a pod's
// metadata). A watch of 200 pods keeps 200 of them for the whole follow.
func slim(p *corev1.Pod) { p.ManagedFields = nil }

func key(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }
