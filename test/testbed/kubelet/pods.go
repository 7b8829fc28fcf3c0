package kubelet

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podTracker keeps the latest container states of the node's pods, from an informer.
type podTracker struct {
	mu     sync.RWMutex
	pods   map[string]*corev1.Pod // ns/name
	synced bool
}

func newPodTracker() *podTracker { return &podTracker{pods: map[string]*corev1.Pod{}} }

func (t *podTracker) run(ctx context.Context, client kubernetes.Interface, node string) error {
	f := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", node).String()
		}))
	inf := f.Core().V1().Pods().Informer()
	set := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			t.mu.Lock()
			t.pods[p.Namespace+"/"+p.Name] = p
			t.mu.Unlock()
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    set,
		UpdateFunc: func(_, obj any) { set(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				t.mu.Lock()
				delete(t.pods, p.Namespace+"/"+p.Name)
				t.mu.Unlock()
			}
		},
	})
	if err != nil {
		return err
	}
	f.Start(ctx.Done())
	for !inf.HasSynced() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.mu.Lock()
	t.synced = true
	t.mu.Unlock()
	<-ctx.Done()
	return nil
}

// containerState is what the server needs to know about one container.
type containerState struct {
	podMissing, containerMissing bool
	waiting                      string // reason, if the container has not started
	terminated                   bool
}

func (t *podTracker) state(ns, pod, container string) containerState {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p, ok := t.pods[ns+"/"+pod]
	if !ok {
		return containerState{podMissing: t.synced, terminated: t.synced}
	}
	found := false
	for _, c := range p.Spec.Containers {
		found = found || c.Name == container
	}
	if !found {
		return containerState{containerMissing: true, terminated: true}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name != container {
			continue
		}
		switch {
		case cs.State.Terminated != nil:
			return containerState{terminated: true}
		case cs.State.Waiting != nil:
			return containerState{waiting: cs.State.Waiting.Reason}
		}
		return containerState{}
	}
	return containerState{waiting: "ContainerCreating"}
}

func (t *podTracker) terminated(ns, pod, container string) bool {
	return t.state(ns, pod, container).terminated
}
