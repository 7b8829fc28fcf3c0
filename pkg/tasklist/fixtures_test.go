package tasklist

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func job(name, taskID string, ann, labels map[string]string) *batchv1.Job {
	a := map[string]string{"task.id": taskID}
	for k, v := range ann {
		a[k] = v
	}
	l := map[string]string{"druid.k8s.peons": "true"}
	for k, v := range labels {
		l[k] = v
	}
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "druid", UID: types.UID("uid-" + name),
		Labels: l, CreationTimestamp: metav1.NewTime(now.Add(-10 * time.Minute))}}
	j.Spec.Template.Annotations, j.Spec.Template.Labels = a, l
	return j
}

func pod(name string, j *batchv1.Job, ip string, created time.Time) *corev1.Pod {
	yes := true
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: j.Namespace, CreationTimestamp: metav1.NewTime(created),
		Labels:          map[string]string{"druid.k8s.peons": "true", "job-name": j.Name},
		OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: j.Name, UID: j.UID, Controller: &yes}}},
		Spec:   corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "main"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip}}
}

func terminated(p *corev1.Pod, reason string, code int32) *corev1.Pod {
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code}}}}
	return p
}
