package probe

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

func (e *evaluator) lifecycle(s *Step) *stop {
	a := e.a
	k := &a.Kube
	st := a.Overlord.Status
	if st.RunnerStatusCode == overlord.RunnerRunning {
		s.Summary = "the Job was submitted and the lifecycle reached RUNNING"
		if k.Job != nil {
			s.add("Job %s in %s", k.Job.Name, k.Job.Namespace)
		}
		return nil
	}
	switch {
	case k.JobErr != nil:
		s.Status, s.Summary = Unknown, "cannot look up the task's Job: "+errText(k.JobErr)
		s.Command = "kubectl get jobs" + e.ns() + " -l " + druid.PeonSelector
		return nil
	case k.Job == nil:
		s.Summary = "NOT_STARTED: queued in the Kubernetes task runner, no Job yet"
		s.add("runnerStatusCode PENDING and no Job carries task.id %s in %s", a.TaskID, msg.OrNone(a.Namespace))
		capacity := "its capacity"
		if cfg := a.Overlord.Config; cfg != nil && cfg.Capacity != "" {
			capacity = "its capacity (" + overlord.PropCapacity + "=" + cfg.Capacity + ")"
			s.add("%s=%s", overlord.PropCapacity, cfg.Capacity)
		}
		cause := "the task is queued in the Kubernetes task runner behind " + capacity + ": every slot runs another task, so no Job was submitted yet"
		if cfg := a.Overlord.Config; cfg != nil && cfg.Namespace != "" && a.Namespace != "" && cfg.Namespace != a.Namespace {
			s.add("%s=%s, not %s", overlord.PropNamespace, cfg.Namespace, a.Namespace)
			cause += "; note that the runner creates Jobs in namespace " + cfg.Namespace + ", not " + a.Namespace + ": look there (-n " + cfg.Namespace + ")"
		}
		s.Command = "kubectl get jobs" + e.ns() + " -l " + druid.PeonSelector
		return &stop{code: exitcode.NotRunning, cause: cause,
			fix: "wait for a running task to finish (GET /druid/indexer/v1/runningTasks; " + s.Command + "), or raise " + overlord.PropCapacity}
	}
	s.Summary = "PENDING: Job " + k.Job.Name + " was submitted"
	s.add("Job %s in %s, created %s", k.Job.Name, k.Job.Namespace, k.Job.CreationTimestamp.UTC().Format("2006-01-02T15:04:05Z"))
	return nil
}

func (e *evaluator) running(s *Step) *stop {
	a := e.a
	k := &a.Kube
	st := a.Overlord.Status
	s.add("RUNNING rule: %s", e.rule)
	if st.RunnerStatusCode == overlord.RunnerRunning {
		s.Summary = "RUNNING (runnerStatusCode RUNNING, location " + locationText(st.Location) + ")"
		if p := k.Pod; p != nil {
			s.add("pod %s: phase %s, IP %s", p.Name, msg.OrNone(string(p.Status.Phase)), msg.OrNone(p.Status.PodIP))
		}
		return nil
	}
	s.add("runnerStatusCode PENDING")
	if k.Job == nil {
		// The lifecycle step was unknown (no Job lookup): only the
		// Overlord's word remains.
		s.Summary = "PENDING by the Overlord's status"
		return &stop{code: exitcode.NotRunning, cause: "the Overlord reports the task PENDING: its pod has not started; the Job could not be looked up (" + errText(k.JobErr) + ")",
			fix: "kubectl get jobs,pods" + e.ns() + " -l " + druid.PeonSelector}
	}
	state := druid.StateWith(e.rule.Rule, k.Job, k.Pod, a.Container, a.Now)
	if k.Pod == nil {
		s.Summary = "PENDING: Job " + k.Job.Name + " has no pod"
		for _, c := range k.Job.Status.Conditions {
			s.add("job condition %s=%s: %s %s", c.Type, c.Status, c.Reason, msg.OneLine(c.Message))
		}
		why := addEvents(s, k.JobEvents, k.EventsErr)
		s.Command = "kubectl describe job" + e.ns() + " " + k.Job.Name
		cause := "Job " + k.Job.Name + " has no pod yet"
		if why != "" {
			cause += ": " + why
		}
		return &stop{code: exitcode.NotRunning, cause: cause, fix: s.Command}
	}
	p := k.Pod
	s.add("pod %s: phase %s, IP %s, node %s", p.Name, msg.OrNone(string(p.Status.Phase)), msg.OrNone(p.Status.PodIP), msg.OrNone(p.Spec.NodeName))
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			s.add("condition %s=%s: %s %s", c.Type, c.Status, c.Reason, msg.OneLine(c.Message))
		}
	}
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			s.add("container %s waiting: %s %s", cs.Name, w.Reason, msg.OneLine(w.Message))
		}
	}
	why := addEvents(s, k.PodEvents, k.EventsErr)
	s.Command = "kubectl describe pod" + e.ns() + " " + p.Name
	if e.rule.Rule.PodRunning(p) {
		s.Summary = "PENDING for the Overlord, but the pod meets the rule now"
		return &stop{code: exitcode.NotRunning,
			cause: "the Overlord still reports PENDING while pod " + p.Name + " meets Druid's rule (" + e.rule.Text + "): the runner notices on its next poll",
			fix:   "retry in a few seconds: kubectl druid-logs trace " + a.TaskID + e.ns() + e.overlordFlag()}
	}
	s.Summary = "PENDING: " + state.Reason
	cause := "the task's pod has not started by Druid's rule (" + e.rule.Text + "): " + state.Reason
	switch {
	case hasEvent(k.PodEvents, "FailedScheduling"):
		cause = "pod " + p.Name + " cannot be scheduled: " + why
	case strings.Contains(state.Reason, "ErrImagePull") || strings.Contains(state.Reason, "ImagePullBackOff"):
		cause = "pod " + p.Name + " cannot pull its image: " + state.Reason
	case why != "" && !strings.Contains(cause, why):
		cause += "; " + why
	}
	return &stop{code: exitcode.NotRunning, cause: cause,
		fix: s.Command + "; then: kubectl druid-logs follow " + a.TaskID + e.ns() + " --wait"}
}

func (e *evaluator) logWatch(s *Step) *stop {
	a, o := e.a, &e.a.Overlord
	k := &a.Kube
	id := a.TaskID
	if o.Log == nil {
		s.Status, s.Summary = Unknown, "cannot ask GET /task/"+id+"/log: "+errText(o.LogErr)
		return &stop{code: exitcode.Error, cause: "the Overlord did not answer the live-log request: " + errText(o.LogErr),
			fix: "retry: kubectl druid-logs trace " + id + e.ns() + e.overlordFlag()}
	}
	if o.Log.Code == 200 {
		s.Summary = fmt.Sprintf("the Overlord serves the live log (GET /task/%s/log: 200, %d bytes)", id, o.Log.Bytes)
		s.add("GET /druid/indexer/v1/task/%s/log?offset=-%d: 200, %d bytes", id, LogProbeBytes, o.Log.Bytes)
		return nil
	}
	s.add("GET /druid/indexer/v1/task/%s/log?offset=-%d: 404 %q%s", id, LogProbeBytes, o.Log.Message, noLogVersion(o.Log.Message))
	s.Summary = "the Overlord answered 404 for the live log of a RUNNING task"
	p := k.Pod
	rv := k.Review
	switch {
	case rv.Allowed != nil && *rv.Allowed:
		s.add("SubjectAccessReview: system:serviceaccount:%s may get pods/log in %s", rv.ServiceAccount, rv.Namespace)
	case rv.Allowed != nil:
		s.add("SubjectAccessReview: system:serviceaccount:%s may NOT get pods/log in %s%s", rv.ServiceAccount, rv.Namespace, reasonText(rv.Reason))
	case rv.Err != nil:
		s.add("cannot check the Overlord's service account %s on pods/log: %s (needs create on subjectaccessreviews)", msg.OrNone(rv.ServiceAccount), errText(rv.Err))
	}
	switch pl := k.PodLog; {
	case pl.Err != nil:
		s.add("pods/log of %s container %s: %s", podName(p), a.Container, msg.OneLine(msg.APIMessage(pl.Err)))
	case pl.Tried:
		s.add("pods/log of %s container %s: %d bytes read", podName(p), a.Container, pl.Bytes)
	}
	switch {
	case p != nil && !druid.HasContainer(p, a.Container):
		s.Command = "kubectl get pod" + e.ns() + " " + p.Name + " -o jsonpath='{.spec.containers[*].name}'"
		return &stop{code: exitcode.Misconfigured,
			cause: fmt.Sprintf("pod %s has no container %q (found: %s): Druid reads the live and the saved log only from container \"main\"",
				p.Name, a.Container, strings.Join(druid.ContainerNames(p), ", ")),
			fix: "name the Druid container \"main\" in the pod template (customTemplateAdapter); meanwhile: kubectl druid-logs follow " + id + e.ns() + " -c " + firstContainer(p)}
	case rv.Allowed != nil && !*rv.Allowed:
		sa := "system:serviceaccount:" + rv.ServiceAccount
		s.Command = "kubectl auth can-i get pods/log -n " + rv.Namespace + " --as " + sa
		saNS, saName, _ := strings.Cut(rv.ServiceAccount, ":")
		return &stop{code: exitcode.Forbidden,
			cause: "the Overlord's service account " + sa + " may not get pods/log in namespace " + rv.Namespace + " (SubjectAccessReview denied), so its log read fails",
			fix: "grant it: kubectl create role druid-peon-logs -n " + rv.Namespace + " --verb=get --resource=pods/log && kubectl create rolebinding druid-peon-logs -n " +
				rv.Namespace + " --role=druid-peon-logs --serviceaccount=" + saNS + ":" + saName}
	case k.PodLog.Err != nil && (apierrors.IsForbidden(k.PodLog.Err) || apierrors.IsUnauthorized(k.PodLog.Err)):
		s.Command = "kubectl auth can-i get pods/log" + e.ns()
		return &stop{code: exitcode.Forbidden,
			cause: "the Overlord answered 404 and the plugin may not read pods/log in " + a.Namespace + " to see why: " + msg.OneLine(msg.APIMessage(k.PodLog.Err)),
			fix:   "grant the plugin get on pods/log (docs/rbac.md): " + s.Command}
	case k.PodLog.Err != nil:
		s.Command = "kubectl logs" + e.ns() + " " + podName(p) + " -c " + a.Container + " --tail 5"
		return &stop{code: exitcode.Error,
			cause: "the Kubernetes API cannot serve the pod's log either (" + msg.OneLine(msg.APIMessage(k.PodLog.Err)) + "): the kubelet is unreachable or the container has not started, so the Overlord's read fails too",
			fix:   s.Command + "; kubectl get node " + nodeName(p) + " (is it Ready?)"}
	}
	cause := fmt.Sprintf("the Overlord's own read of pods/log failed: Kubernetes serves the pod's log, yet for this RUNNING task "+
		"it answered 404 %q", o.Log.Message)
	r := a.Logs.Trace
	switch line := e.logReadError(); {
	case r != nil && r.Markers && r.FailedStep != nil && r.Cause != "" && len(r.Steps) >= r.FailedStep.Number():
		// The instrumented Overlord logs its request's flow: the step
		// its log shows failing says why.
		f := *r.FailedStep
		cause += fmt.Sprintf("; its log shows step %d (%s) %s: %s", f.Number(), f, r.Steps[f.Number()-1].Status, r.Cause)
	case line != "":
		cause += "; its log says: " + line
	default:
		cause += " (its ERROR \"Error streaming logs for pod[...] associated with task[...]\" with the Caused by: lines says why)"
	}
	if rv.Allowed == nil {
		cause += "; whether its service account may get pods/log could not be checked"
	}
	return &stop{code: exitcode.Error, cause: cause,
		fix: "read the Overlord's ERROR and its root cause: kubectl druid-logs trace " + id + e.ns() + " (or kubectl exec OVERLORD_POD -- grep -A40 'Error streaming logs' log/overlord.log)"}
}

// kubeOnly fills a step the Overlord could not be asked about with what
// Kubernetes says.
func (e *evaluator) kubeOnly(s *Step) {
	a := e.a
	k := &a.Kube
	s.Status, s.Summary = Unknown, "not asked: the Overlord could not be asked"
	switch s.ID {
	case "lifecycle":
		switch {
		case k.JobErr != nil:
			s.add("cannot look up the Job: %s", errText(k.JobErr))
		case k.Job != nil:
			s.add("Kubernetes: Job %s exists in %s (the lifecycle reached at least PENDING)", k.Job.Name, k.Job.Namespace)
		default:
			s.add("Kubernetes: no Job carries task.id %s in %s", a.TaskID, msg.OrNone(a.Namespace))
		}
	case "running":
		if k.Job != nil {
			st := druid.StateWith(e.rule.Rule, k.Job, k.Pod, a.Container, a.Now)
			s.add("Kubernetes, by the rule %s: %s: %s", e.rule, st.Phase, st.Reason)
		}
	case "log-watch":
		if pl := k.PodLog; pl.Err != nil {
			s.add("pods/log of %s: %s", podName(k.Pod), msg.OneLine(msg.APIMessage(pl.Err)))
		} else if pl.Tried {
			s.add("pods/log of %s container %s: %d bytes read", podName(k.Pod), a.Container, pl.Bytes)
		}
	}
}

// blindCause adds what Kubernetes and the Overlord's log say to the cause
// of not being able to ask the Overlord.
func (e *evaluator) blindCause(cause string) string {
	k := &e.a.Kube
	switch {
	case k.Job != nil:
		st := druid.StateWith(e.rule.Rule, k.Job, k.Pod, e.a.Container, e.a.Now)
		cause += fmt.Sprintf("; Kubernetes alone says %s (%s), which cannot tell whether the Overlord serves the log", st.Phase, st.Reason)
	case k.JobErr == nil:
		cause += "; Kubernetes has no Job for the task, which alone does not tell queued, finished or unknown apart"
	}
	if st := e.logState(); st != "" {
		cause += "; by the Overlord's own log " + st
	} else if line := e.lastLogLine(""); line != "" {
		cause += "; the Overlord's log last says: " + line
	}
	return cause
}

// addEvents adds the events, oldest first, and returns the last warning.
func addEvents(s *Step, events []corev1.Event, err error) string {
	if err != nil {
		s.add("events unavailable: %s", errText(err))
		return ""
	}
	sorted := append([]corev1.Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].LastTimestamp.Before(&sorted[j].LastTimestamp) })
	last := ""
	for _, ev := range sorted {
		s.add("event %s %s: %s", ev.Type, ev.Reason, msg.OneLine(ev.Message))
		if ev.Type == corev1.EventTypeWarning {
			last = ev.Reason + ": " + msg.OneLine(ev.Message)
		}
	}
	return last
}

func hasEvent(events []corev1.Event, reason string) bool {
	for _, ev := range events {
		if ev.Reason == reason {
			return true
		}
	}
	return false
}

// noLogVersion names the Druid versions that print a 404 text.
func noLogVersion(m string) string {
	switch {
	case strings.Contains(m, "Ensure that the task is running and logging is configured correctly"):
		return " (Druid 35+ text)"
	case strings.Contains(m, "may not have begun running yet"):
		return " (Druid 34 or older text)"
	}
	return ""
}

func reasonText(r string) string {
	if r == "" {
		return ""
	}
	return " (" + msg.OneLine(r) + ")"
}

func podName(p *corev1.Pod) string {
	if p == nil {
		return "the pod"
	}
	return p.Name
}

func nodeName(p *corev1.Pod) string {
	if p == nil || p.Spec.NodeName == "" {
		return "NODE"
	}
	return p.Spec.NodeName
}

func firstContainer(p *corev1.Pod) string {
	if n := druid.ContainerNames(p); len(n) > 0 {
		return n[0]
	}
	return "CONTAINER"
}
