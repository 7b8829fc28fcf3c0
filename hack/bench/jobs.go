package main

import (
	"context"
	"fmt"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/druid-logs/kubectl-druid-logs/test/testbed"
)

// createPeonJobs creates n suspended Jobs labelled and annotated like Druid peons in ns
// (suspend: true, so the Job controller makes no pods), with a client of its own that is not
// rate limited, 32 requests at a time. Existing Jobs are kept.
func createPeonJobs(ctx context.Context, bed *testbed.Bed, ns string, n int) error {
	cfg := bed.RESTConfig()
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit
	cfg.UserAgent = "druid-logs-bench"
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	jobs := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range 32 {
		wg.Go(func() {
			for i := range jobs {
				_, err := cs.BatchV1().Jobs(ns).Create(ctx, peonJob(i), metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// peonJob is suspended peon Job number i.
func peonJob(i int) *batchv1.Job {
	taskID := fmt.Sprintf("index_kafka_wikipedia_idle_%05d", i)
	labels := map[string]string{"druid.k8s.peons": "true"}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        fmt.Sprintf("indexkafkawikipediaidle%05d", i),
			Labels:      labels,
			Annotations: map[string]string{"task.id": taskID, "tls.enabled": "false"},
		},
		Spec: batchv1.JobSpec{
			Suspend:      new(true),
			BackoffLimit: new(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"task.id": taskID}},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{
						Name: "main", Image: "apache/druid:33.0.0",
						Command: []string{"sh", "-c", "/peon.sh /druid/data/persistent/task 1 --taskId " + taskID},
					}},
				},
			},
		},
	}
}
