package diagnose

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
)

// Evaluate turns the evidence into the checklist. A failed step makes the
// steps that depend on it skipped, with the reason.
func Evaluate(obs *Observation) *Report {
	rep := &Report{TaskID: obs.TaskID, Namespace: obs.Namespace, State: string(druid.NotStarted), RunningRule: ruleText(obs)}
	r := obs.Res
	if r != nil {
		rep.State, rep.Reason = string(r.State.Phase), r.State.Reason
		if r.Job != nil {
			rep.Job = r.Job.Name
		}
		if r.Pod != nil {
			rep.Pod = r.Pod.Name
		}
	}
	job := jobCheck(obs)
	pod := skippedAfter(CheckPod, job)
	if passed(job) {
		pod = podCheck(obs)
	}
	running, container, terminated := skippedAfter(CheckRunning, pod), skippedAfter(CheckContainer, pod), skippedAfter(CheckTerminated, pod)
	if passed(pod) {
		running, container, terminated = runningCheck(obs), containerCheck(obs), terminatedCheck(obs)
	}
	logs := skippedAfter(CheckLogs, container)
	switch {
	case passed(container) && running.Status == Fail:
		logs = skippedAfter(CheckLogs, running)
	case passed(container):
		logs = logsCheck(obs)
	case container.Status == Fail:
		terminated = skippedAfter(CheckTerminated, container)
	}
	if rep.Reason == "" && job.Status == Fail {
		rep.Reason = job.Message
	}
	ovl := overlordCheck(obs)
	rep.Checks = []Check{job, pod, running, container, logs, permissionsCheck(obs), terminated, ovl, overlordLogCheck(obs, ovl)}
	return rep
}

// passed reports whether the steps depending on c can run.
func passed(c Check) bool { return c.Status == OK || c.Status == Warning }

func skippedAfter(id string, cause Check) Check {
	return Check{ID: id, Status: Skipped, Message: "skipped: check " + cause.ID + " did not pass", Evidence: []string{}}
}

func newCheck(id string, st Status, code int, msg string) Check {
	return Check{ID: id, Status: st, Code: code, Message: msg, Evidence: []string{}}
}

func (c *Check) add(format string, args ...any) {
	c.Evidence = append(c.Evidence, fmt.Sprintf(format, args...))
}

func jobCheck(obs *Observation) Check {
	if obs.ResolveErr != nil {
		code := exitcode.Error
		if apierrors.IsForbidden(obs.ResolveErr) || apierrors.IsUnauthorized(obs.ResolveErr) {
			code = exitcode.Forbidden
		}
		c := newCheck(CheckJob, Fail, code, "cannot look up the task's Job: "+msg.OneLine(obs.ResolveErr.Error()))
		c.Hint = "kubectl get jobs -n " + obs.Namespace + " -l " + druid.PeonSelector
		return c
	}
	r := obs.Res
	if nf := r.NotFound; nf != nil {
		return jobNotFound(obs, nf)
	}
	c := newCheck(CheckJob, OK, exitcode.OK, fmt.Sprintf("Job %s found (%s); task.id annotation verified", r.Job.Name, ruleWords(r.Rule)))
	c.add("namespace: %s", r.Namespace)
	c.add("created: %s ago", duration.HumanDuration(obs.Now.Sub(r.Job.CreationTimestamp.Time)))
	if r.Job.Status.Active > 0 || r.Job.Status.Succeeded > 0 || r.Job.Status.Failed > 0 {
		c.add("active %d, succeeded %d, failed %d", r.Job.Status.Active, r.Job.Status.Succeeded, r.Job.Status.Failed)
	}
	return c
}

func jobNotFound(obs *Observation, nf *locate.NotFoundError) Check {
	where := "namespace " + obs.Namespace
	if obs.AllNamespaces {
		where = "any namespace"
	}
	c := newCheck(CheckJob, Fail, exitcode.NotFound, "no Job carries task.id "+quote(obs.TaskID)+" in "+where)
	for _, t := range nf.Tried {
		c.add("tried name %s (%s): not found", t.Name, ruleWords(t.Rule))
	}
	for _, m := range nf.Mismatched {
		c.add("Job %s has a candidate name but another task's task.id", m)
	}
	c.add("Druid peon Jobs (-l %s) searched by annotation: %d", druid.PeonSelector, nf.PeonJobs)
	switch {
	case len(obs.Elsewhere) > 0:
		c.add("found in other namespace(s): %s", strings.Join(obs.Elsewhere, ", "))
		c.Hint = fmt.Sprintf("kubectl druid-logs check %s -n %s", obs.TaskID, obs.Elsewhere[0])
		return c
	case obs.ElsewhereErr != nil:
		c.add("could not search other namespaces: %s", msg.OneLine(obs.ElsewhereErr.Error()))
	case !obs.AllNamespaces:
		c.add("no other namespace has it either")
	}
	c.add("a finished task's Job is deleted by the Overlord unless druid.indexer.runner.debugJobs=true")
	if nf.PeonJobs == 0 {
		c.Hint = "no Druid peon Jobs here at all: check the namespace (druid.indexer.runner.namespace): kubectl get jobs -A -l " + druid.PeonSelector
	} else {
		c.Hint = "if the task finished, read its log from the Overlord: GET /druid/indexer/v1/task/" + obs.TaskID +
			"/log; if it was just submitted: kubectl druid-logs follow " + obs.TaskID + " -n " + obs.Namespace + " --wait"
	}
	return c
}

func podCheck(obs *Observation) Check {
	r := obs.Res
	if r.Pod == nil {
		st := druid.StateOf(r.Job, nil, obs.Container, obs.Now)
		c := newCheck(CheckPod, Fail, exitcode.NotRunning, "Job "+r.Job.Name+" has no pod: "+st.Reason)
		for _, cond := range r.Job.Status.Conditions {
			c.add("job condition %s=%s: %s %s", cond.Type, cond.Status, cond.Reason, msg.OneLine(cond.Message))
		}
		addEvents(&c, obs.JobEvents, obs.EventsErr, false)
		c.Hint = "kubectl describe job -n " + r.Namespace + " " + r.Job.Name
		return c
	}
	c := newCheck(CheckPod, OK, exitcode.OK, "pod "+r.Pod.Name+" exists")
	c.add("phase: %s", msg.OrNone(string(r.Pod.Status.Phase)))
	c.add("node: %s", msg.OrNone(r.Pod.Spec.NodeName))
	if r.PodCount > 1 {
		c.Status = Warning
		c.add("the Job has %d pods; the newest is used", r.PodCount)
	}
	return c
}

func runningCheck(obs *Observation) Check {
	r := obs.Res
	st := r.State
	pod := r.Pod
	switch st.Phase {
	case druid.Running:
		c := newCheck(CheckRunning, OK, exitcode.OK, "RUNNING: "+st.Reason)
		c.add("Druid's rule: %s", ruleText(obs))
		if st.Waiting != "" {
			c.Status, c.Code = Fail, exitcode.NotRunning
			c.Message = "RUNNING by Druid's rule, but container " + obs.Container + " has not started: " + st.Waiting
			addWaiting(&c, pod)
			addEvents(&c, obs.PodEvents, obs.EventsErr, true)
			c.Hint = "kubectl describe pod -n " + r.Namespace + " " + pod.Name
		}
		return c
	case druid.Stopped:
		c := newCheck(CheckRunning, Warning, exitcode.NotRunning, "STOPPED: the task has finished: "+st.Reason)
		c.add("live logs exist only while RUNNING; the full log is in Druid's task-log storage")
		c.Hint = "kubectl logs -n " + r.Namespace + " " + pod.Name + " -c " + obs.Container + "   (while the pod exists)"
		return c
	}
	c := newCheck(CheckRunning, Fail, exitcode.NotRunning, "PENDING: "+st.Reason)
	c.add("Druid's rule: %s; pod IP: %s", ruleText(obs), msg.OrNone(pod.Status.PodIP))
	c.add("phase: %s", msg.OrNone(string(pod.Status.Phase)))
	for _, cond := range pod.Status.Conditions {
		if cond.Status != corev1.ConditionTrue {
			c.add("condition %s=%s: %s %s", cond.Type, cond.Status, cond.Reason, msg.OneLine(cond.Message))
		}
	}
	addWaiting(&c, pod)
	addEvents(&c, obs.PodEvents, obs.EventsErr, true)
	c.Hint = "kubectl describe pod -n " + r.Namespace + " " + pod.Name + "; then: kubectl druid-logs follow " + obs.TaskID + " -n " + r.Namespace + " --wait"
	return c
}

func containerCheck(obs *Observation) Check {
	pod := obs.Res.Pod
	names := druid.ContainerNames(pod)
	if !druid.HasContainer(pod, obs.Container) {
		c := newCheck(CheckContainer, Fail, exitcode.Misconfigured,
			fmt.Sprintf("pod has no container %q (found: %s)", obs.Container, strings.Join(names, ", ")))
		c.add("Druid reads peon logs only from the container named \"main\" (live and saved logs)")
		c.Hint = "name the Druid container \"main\" in the pod template (customTemplateAdapter)"
		if len(names) > 0 {
			c.Hint += fmt.Sprintf("; to read it anyway: kubectl druid-logs follow %s -n %s -c %s", obs.TaskID, obs.Res.Namespace, names[0])
		}
		return c
	}
	c := newCheck(CheckContainer, OK, exitcode.OK, fmt.Sprintf("container %q found", obs.Container))
	c.add("containers: %s", strings.Join(names, ", "))
	return c
}

func logsCheck(obs *Observation) Check {
	p := obs.Log
	r := obs.Res
	if p.Err == nil {
		c := newCheck(CheckLogs, OK, exitcode.OK, fmt.Sprintf("log stream opened: %d lines, %d bytes in a bounded read", p.Lines, p.Bytes))
		if p.Bytes == 0 {
			c.add("the container has not written anything yet")
		}
		if st := obs.LogStart; st.Rotated() {
			c.Status = Warning
			c.Message += "; the start of the log was rotated away"
			c.add("%s", st.Evidence())
			c.Hint = logstart.Hint(obs.TaskID, r.Namespace)
		}
		return c
	}
	code := exitcode.Error
	switch {
	case apierrors.IsForbidden(p.Err) || apierrors.IsUnauthorized(p.Err):
		code = exitcode.Forbidden
	case apierrors.IsBadRequest(p.Err):
		code = exitcode.NotRunning // "container ... is waiting to start"
	}
	status := Fail
	if r.State.Phase == druid.Stopped && code != exitcode.Forbidden {
		// A finished container may have left no log (OOMKilled before its
		// first line, a pod never started): the verdict is the container's,
		// in terminated, not this read's.
		status, code = Warning, exitcode.OK
	}
	c := newCheck(CheckLogs, status, code, "cannot open the log stream: "+msg.OneLine(msg.APIMessage(p.Err)))
	c.Hint = fmt.Sprintf("kubectl logs -n %s %s -c %s --tail 5", r.Namespace, r.Pod.Name, obs.Container)
	return c
}

func permissionsCheck(obs *Observation) Check {
	var missing, unknown []string
	for _, a := range obs.Access {
		switch {
		case a.Err != nil:
			unknown = append(unknown, a.String()+": "+msg.OneLine(a.Err.Error()))
		case !a.Allowed:
			missing = append(missing, a.String())
		}
	}
	scope := "in namespace " + obs.Namespace
	if obs.AllNamespaces {
		scope = "cluster-wide (-A)"
	}
	switch {
	case len(missing) > 0:
		c := newCheck(CheckPermissions, Fail, exitcode.Forbidden, "missing permission(s) "+scope+": "+strings.Join(missing, ", "))
		for _, m := range missing {
			c.add("kubectl auth can-i %s -n %s: no", m, obs.Namespace)
		}
		c.Hint = "grant the Role in the README (RBAC section); check one with: kubectl auth can-i " + missing[0] + " -n " + obs.Namespace
		return c
	case len(unknown) > 0:
		c := newCheck(CheckPermissions, Warning, exitcode.OK, "could not review every permission")
		c.Evidence = append(c.Evidence, unknown...)
		return c
	}
	c := newCheck(CheckPermissions, OK, exitcode.OK, fmt.Sprintf("all %d permissions granted %s", len(obs.Access), scope))
	var names []string
	for _, a := range obs.Access {
		names = append(names, a.String())
	}
	c.add("%s", strings.Join(names, ", "))
	return c
}

func terminatedCheck(obs *Observation) Check {
	r := obs.Res
	st := r.State
	if st.Phase != druid.Stopped {
		return newCheck(CheckTerminated, OK, exitcode.OK, "container "+obs.Container+" has not terminated")
	}
	t := st.Terminated
	if !st.Failed {
		c := newCheck(CheckTerminated, OK, exitcode.OK, "finished successfully: "+st.Reason)
		if t != nil && !t.FinishedAt.IsZero() {
			c.add("finished at %s", t.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
		return c
	}
	c := newCheck(CheckTerminated, Fail, exitcode.ContainerFailed, "failed: "+st.Reason)
	if t != nil {
		c.add("exit code %d, reason %s", t.ExitCode, msg.OrNone(t.Reason))
		if !t.FinishedAt.IsZero() {
			c.add("finished at %s", t.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"))
		}
		if t.Message != "" {
			c.add("message: %s", msg.OneLine(t.Message))
		}
	}
	if r.Pod.Status.Reason != "" {
		c.add("pod reason %s: %s", r.Pod.Status.Reason, msg.OneLine(r.Pod.Status.Message))
	}
	c.Hint = "kubectl describe pod -n " + r.Namespace + " " + r.Pod.Name
	if t != nil && t.Reason == "OOMKilled" {
		c.Hint = "the peon ran out of memory: raise the container's memory limit or lower its heap (-Xmx in JAVA_OPTS); " + c.Hint
	}
	return c
}

func addWaiting(c *Check, pod *corev1.Pod) {
	for _, cs := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			c.add("container %s waiting: %s %s", cs.Name, w.Reason, msg.OneLine(w.Message))
		}
	}
}

// addEvents adds the events, newest last; warnings only unless all.
func addEvents(c *Check, events []corev1.Event, err error, all bool) {
	if err != nil {
		c.add("events unavailable: %s", msg.OneLine(err.Error()))
		return
	}
	sorted := append([]corev1.Event(nil), events...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].LastTimestamp.Before(&sorted[j].LastTimestamp) })
	for _, e := range sorted {
		if all || e.Type == corev1.EventTypeWarning {
			c.add("event %s %s: %s", e.Type, e.Reason, msg.OneLine(e.Message))
		}
	}
}

// ruleText is the RUNNING rule applied, and whether it was read or
// assumed.
func ruleText(obs *Observation) string {
	if obs.Rule.Rule == "" {
		return druid.RunningByIP.Text() + " (default direct client; assumed)"
	}
	return obs.Rule.String()
}

func ruleWords(r druid.Rule) string {
	switch r {
	case druid.RuleDruid28:
		return "Druid 28+ name"
	case druid.RuleDruid25:
		return "Druid 25-27 name"
	case druid.RuleDruid33Prefix:
		return "Druid 33+ prefixed name"
	case locate.RuleLabelSearch:
		return "label search by task.id annotation"
	}
	return string(r)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
