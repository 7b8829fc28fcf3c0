package testbed

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The failures of the stock-Overlord stories, played as Kubernetes plays them.

// SetIPWhilePending gives the pod an IP while it stays Pending with its container
// ContainerCreating, as a kubelet reports a pod whose sandbox is up but whose image is still
// being pulled: RUNNING for Druid's direct client (IP), PENDING with shared informers (phase).
func (t *Task) SetIPWhilePending(ctx context.Context) error {
	if _, err := t.waitCreating(ctx); err != nil {
		return err
	}
	return t.updateStatus(ctx, func(p *corev1.Pod) {
		ip := podIP(string(p.UID))
		p.Status.Phase = corev1.PodPending
		p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		p.Status.HostIP, p.Status.HostIPs = "127.0.0.1", []corev1.HostIP{{IP: "127.0.0.1"}}
		t.setContainer(p, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}, false)
	})
}

// LoseNode plays the loss of the pod's node: the node lifecycle controller marks the pod not
// ready (event NodeNotReady), then the pod garbage collector fails it with the
// DisruptionTarget condition DeletionByPodGC ("PodGC: node no longer exists") and deletes it at
// once. The real Job controller then fails the Job.
func (t *Task) LoseNode(ctx context.Context) error {
	pod, err := t.Pod(ctx)
	if err != nil {
		return err
	}
	now := metav1.Now()
	_, err = t.cluster.clientset.CoreV1().Events(pod.Namespace).Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", pod.Name, time.Now().UnixNano())},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, APIVersion: "v1"},
		Reason:         "NodeNotReady", Message: "Node is not ready", Type: corev1.EventTypeWarning, Count: 1,
		FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "node-controller"},
	}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	err = t.updateStatus(ctx, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		setConditions(p, now, corev1.ConditionFalse, "PodCompleted")
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
			Status: corev1.ConditionTrue, Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists", LastTransitionTime: now})
	})
	if err != nil {
		return err
	}
	return t.cluster.clientset.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))})
}

// ZeroPodQuota creates a ResourceQuota allowing no pod in ns and waits until the quota
// controller has computed it: the Job controller's pods are then refused ("exceeded quota").
func (c *Cluster) ZeroPodQuota(ctx context.Context, ns, name string) error {
	if err := c.EnsureNamespace(ctx, ns); err != nil {
		return err
	}
	q := c.clientset.CoreV1().ResourceQuotas(ns)
	_, err := q.Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	return WaitFor(ctx, DefaultTimeout, "ResourceQuota "+name+" computed", func(ctx context.Context) (bool, error) {
		rq, err := q.Get(ctx, name, metav1.GetOptions{})
		return err == nil && rq.Status.Hard != nil, err
	})
}
