package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

// run is the stand-in's task runner: it follows Druid's KubernetesTaskRunner on the bed's real
// Jobs and pods (capacity queue, PENDING until Druid's RUNNING rule holds, completion from the
// peon's status, the Job deleted unless debugJobs) and logs what stock Druid logs at each step.
func (so *StockOverlord) run(ctx context.Context) {
	defer close(so.done)
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := so.step(ctx); err != nil && ctx.Err() == nil {
			so.mu.Lock()
			if so.err == nil {
				so.err = err
			}
			so.mu.Unlock()
		}
	}
}

// step advances every task by Druid's rules.
func (so *StockOverlord) step(ctx context.Context) error {
	so.mu.Lock()
	tasks := append([]*stockTask(nil), so.tasks...)
	so.mu.Unlock()
	for _, st := range tasks {
		var err error
		switch st.state {
		case overlordsim.LifecycleNotStarted:
			err = so.launch(ctx, st, tasks)
		case overlordsim.LifecyclePending:
			err = so.pending(ctx, st)
		case overlordsim.LifecycleRunning:
			err = so.running(ctx, st)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func runnerThread(st *stockTask) string { return fmt.Sprintf("k8s-task-runner-%d", st.slot) }

// launch gives a NOT_STARTED task a free runner thread and submits its Job (PENDING).
func (so *StockOverlord) launch(ctx context.Context, st *stockTask, all []*stockTask) error {
	used := map[int]bool{}
	for _, o := range all {
		if o.state == overlordsim.LifecyclePending || o.state == overlordsim.LifecycleRunning {
			used[o.slot] = true
		}
	}
	if len(used) >= so.Spec.Capacity {
		return nil
	}
	for st.slot = 0; used[st.slot]; st.slot++ {
	}
	job := JobName(st.spec.DruidVersion, st.spec.NamePrefix, st.spec.TaskID)
	so.write(so.stock.JobSubmitted(runnerThread(st), st.spec.TaskID, job)...)
	t, err := so.cluster.CreateTask(ctx, st.spec)
	if err != nil {
		return err
	}
	so.mu.Lock()
	st.task, st.state, st.pendingAt = t, overlordsim.LifecyclePending, time.Now()
	so.mu.Unlock()
	so.Sim.SetLifecycle(st.spec.TaskID, overlordsim.LifecyclePending, overlordsim.Location{})
	return nil
}

// pending waits for the pod as the Kubernetes peon client does: the Job's FailedCreate quota
// events fail the launch (35+), the pod's IP (or, with informers, its phase) makes it RUNNING.
func (so *StockOverlord) pending(ctx context.Context, st *stockTask) error {
	t, id := st.task, st.spec.TaskID
	pods, err := so.cluster.clientset.CoreV1().Pods(t.Spec.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + t.JobName})
	if err != nil {
		return err
	}
	if len(pods.Items) == 0 {
		if so.Spec.Druid < overlordsim.Druid35 {
			return nil
		}
		evs, err := so.cluster.clientset.CoreV1().Events(t.Spec.Namespace).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.kind=Job,involvedObject.name=" + t.JobName})
		if err != nil {
			return err
		}
		for _, e := range evs.Items {
			if e.Reason == "FailedCreate" && (strings.Contains(e.Message, "exceeded quota:") || strings.Contains(e.Message, "max limit to request ratio")) {
				so.write(so.stock.LaunchFailed(runnerThread(st), id, st.spec.Type, st.spec.DataSource, overlordsim.QuotaFailure(t.JobName, e.Message))...)
				return so.complete(ctx, st, overlordsim.Failed, overlordsim.FailedToRunTaskMsg, -1)
			}
		}
		return nil
	}
	pod := &pods.Items[0]
	if !st.launched {
		st.launched = true
		so.write(so.stock.PodLaunched(runnerThread(st), id, t.JobName)...)
	}
	ready := pod.Status.PodIP != ""
	if so.Spec.Informer && so.Spec.Druid >= overlordsim.Druid36 {
		ph := pod.Status.Phase
		ready = ph == corev1.PodRunning || ph == corev1.PodSucceeded || ph == corev1.PodFailed
	}
	if ready {
		so.write(so.stock.PodRunning(runnerThread(st), id, t.JobName, pod.Name, string(pod.Status.Phase))...)
		st.state, st.runningAt = overlordsim.LifecycleRunning, time.Now()
		so.Sim.SetLifecycle(id, overlordsim.LifecycleRunning, overlordsim.Location{Host: pod.Status.PodIP, Port: 8100, TLSPort: -1, K8sPodName: pod.Name})
		return nil
	}
	if so.Spec.LaunchTimeout > 0 && time.Since(st.pendingAt) > so.Spec.LaunchTimeout {
		if so.Spec.Informer && so.Spec.Druid >= overlordsim.Druid36 {
			so.write(so.stock.LaunchTimedOutInformer(runnerThread(st), t.JobName))
			so.write(so.stock.LaunchFailed(runnerThread(st), id, st.spec.Type, st.spec.DataSource, overlordsim.LaunchFailure{Exception: "java.lang.IllegalStateException",
				Message: fmt.Sprintf("K8s pod for the task[%s] appeared and disappeared. It can happen if the task was canceled", id)})...)
		} else {
			so.write(so.stock.LaunchFailed(runnerThread(st), id, st.spec.Type, st.spec.DataSource, overlordsim.LaunchTimeout(pod.Name, so.Spec.LaunchTimeout.Milliseconds()))...)
		}
		return so.complete(ctx, st, overlordsim.Failed, overlordsim.FailedToRunTaskMsg, -1)
	}
	return nil
}

// running waits for the Job's end (join()): then the status (status.json, which only a peon
// that exited normally pushed), saveLogs, and the task queue's completion.
func (so *StockOverlord) running(ctx context.Context, st *stockTask) error {
	t, id, thread := st.task, st.spec.TaskID, runnerThread(st)
	job, err := so.cluster.clientset.BatchV1().Jobs(t.Spec.Namespace).Get(ctx, t.JobName, metav1.GetOptions{})
	gone := apierrors.IsNotFound(err)
	if err != nil && !gone {
		return err
	}
	var failed bool
	if !gone {
		complete, jobFailed := jobEnded(job)
		if !complete && !jobFailed {
			return nil
		}
		failed = jobFailed
	}
	pod, _ := so.pod(ctx, t)
	exitedNormally := false
	if pod != nil {
		for _, cs := range pod.Status.ContainerStatuses {
			if cs.Name == "main" && cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0 {
				exitedNormally = true
			}
		}
	}
	switch {
	case gone:
		so.write(so.stock.JobNotFound(thread, id, t.JobName))
	case failed:
		so.write(so.stock.JobFailed(thread, id, t.JobName, jobStatusString(job)))
	default:
		so.write(so.stock.JobSucceeded(thread, t.JobName)...)
	}
	status, msg := overlordsim.Success, ""
	duration := time.Since(st.runningAt).Milliseconds()
	if gone || failed || !exitedNormally {
		status, msg, duration = overlordsim.Failed, overlordsim.PeonDidNotReportMsg, -1
		so.write(so.stock.DidNotPush(thread, id, t.JobName)...)
	}
	// saveLogs: the pod's whole log as the Overlord's account reads it, else the placeholder.
	saved := []byte(overlordsim.NoLogsPlaceholder(id, t.JobName))
	if pod != nil {
		if b, err := so.sa.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "main"}).DoRaw(ctx); err == nil {
			saved = b
		}
	}
	so.Sim.SetLog(id, saved)
	so.write(so.stock.LogPushed(thread, id, strconv.FormatInt(time.Now().UnixNano()%1e10, 10), "druid/indexing-logs"))
	so.write(so.stock.Received(thread, id, status))
	return so.complete(ctx, st, status, msg, duration)
}

// complete is TaskQueue.notifyStatus: the status is stored, the runner shuts the task down and
// deletes its Job (unless debugJobs).
func (so *StockOverlord) complete(ctx context.Context, st *stockTask, status, msg string, duration int64) error {
	t, id := st.task, st.spec.TaskID
	so.mu.Lock()
	thread := fmt.Sprintf("TaskQueue-OnComplete-%d", so.onComplete)
	so.onComplete++
	st.state, st.done = overlordsim.LifecycleStopped, true
	so.mu.Unlock()
	so.Sim.Finish(id, status, msg, time.Duration(duration)*time.Millisecond)
	ms := time.Since(st.pendingAt).Milliseconds()
	so.write(so.stock.Completed(thread, id, overlordsim.TaskStatusString(id, status, duration, msg), ms)...)
	exists := true
	if !so.Spec.DebugJobs {
		err := t.DeleteJob(ctx)
		exists = !apierrors.IsNotFound(err)
		if err != nil && exists {
			return err
		}
	}
	so.write(so.stock.CleanedUp(thread, id, t.JobName, so.Spec.DebugJobs, exists))
	return nil
}

func (so *StockOverlord) pod(ctx context.Context, t *Task) (*corev1.Pod, error) {
	l, err := so.cluster.clientset.CoreV1().Pods(t.Spec.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + t.JobName})
	if err != nil || len(l.Items) == 0 {
		return nil, err
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].CreationTimestamp.Before(&l.Items[j].CreationTimestamp) })
	return &l.Items[0], nil
}

func jobEnded(j *batchv1.Job) (complete, failed bool) {
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue {
			complete = complete || c.Type == batchv1.JobComplete
			failed = failed || c.Type == batchv1.JobFailed
		}
	}
	return complete, failed
}

// jobStatusString is the gist of fabric8's JobStatus.toString() of a failed Job.
func jobStatusString(j *batchv1.Job) string {
	reason := ""
	for _, c := range j.Status.Conditions {
		if c.Type == batchv1.JobFailed {
			reason = c.Reason
		}
	}
	return fmt.Sprintf("JobStatus(active=null, completedIndexes=null, completionTime=null, conditions=[JobCondition(reason=%s, status=True, type=Failed)], failed=%d, ready=0, succeeded=null)",
		reason, j.Status.Failed)
}

// liveLog is KubernetesTaskRunner.streamTaskLog for a RUNNING task: the pod found by
// job-name, its container main's log read with the Overlord's account; a read that fails
// prints Druid's ERROR on the request's thread and the request falls to task-log storage.
func (so *StockOverlord) liveLog(id, thread string) ([]byte, bool) {
	so.mu.Lock()
	st := so.byID[id]
	so.mu.Unlock()
	if st == nil || st.task == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t := st.task
	l, err := so.sa.CoreV1().Pods(t.Spec.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + t.JobName})
	if err != nil || len(l.Items) == 0 {
		return nil, false // DEBUG "Pod for job[%s] not found in cache": invisible at INFO
	}
	pod := l.Items[0]
	rc, err := so.sa.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "main"}).Stream(ctx)
	if err == nil {
		defer rc.Close()
		b, rerr := io.ReadAll(rc)
		if rerr == nil {
			return b, true
		}
		err = rerr
	}
	code, msg := 500, err.Error()
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		code, msg = int(se.Status().Code), se.Status().Message
	}
	so.write(so.stock.LogReadFailed(thread, id, t.JobName, pod.Namespace, pod.Name, code, msg))
	return nil, false
}
