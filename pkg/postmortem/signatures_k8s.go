package postmortem

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
)

// The Kubernetes signatures: what the kubelet, the scheduler and the Job
// controller record (pod status, Job conditions, events).

// evicted: the kubelet (node pressure) or the eviction API removed the pod:
// status reason Evicted, a DisruptionTarget condition, or an Evicted event,
// which outlives the pod by about an hour.
func evicted(v *view) *Finding {
	f := &Finding{}
	why := ""
	if p := v.ev.Pod; p != nil {
		if p.Status.Reason == "Evicted" {
			why = p.Status.Message
			f.add("pod %s: phase %s, reason Evicted: %s", p.Name, p.Status.Phase, msg.OneLine(p.Status.Message))
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue {
				f.add("condition DisruptionTarget=True %s", c.Reason)
				why = orText(why, c.Message)
			}
		}
	}
	node := "NODE"
	if v.ev.Pod != nil && v.ev.Pod.Spec.NodeName != "" {
		node = v.ev.Pod.Spec.NodeName
	}
	for _, e := range v.events {
		if e.Reason == "Evicted" {
			f.add("event Evicted on %s/%s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, msg.OneLine(e.Message))
			why = orText(why, e.Message)
			if node == "NODE" && e.Source.Host != "" {
				node = e.Source.Host // the kubelet that evicted it
			}
		}
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	f.Cause = "the pod was evicted"
	if first := firstSentence(why); first != "" {
		f.Cause += ": " + first
	}
	if _, ok := v.lineWith("did not report any logs"); ok {
		f.Cause += "; it pushed neither its status nor its log"
		f.add("the Overlord saved only its placeholder log (\"did not report any logs\")")
	}
	f.Fix = []string{
		"set the peon's memory and ephemeral-storage requests equal to its limits (Guaranteed QoS): the kubelet evicts such pods last",
		"find the node's pressure: kubectl describe node " + node + " (Conditions, Events)",
		"an evicted peon pushes neither its status nor its log: Druid then reports \"Peon did not report status successfully.\" (apache/druid#15527)",
	}
	return f
}

// deadlineExceeded: the Job ran longer than activeDeadlineSeconds, which
// Druid sets from druid.indexer.runner.maxTaskDuration (default PT4H).
func deadlineExceeded(v *view) *Finding {
	f := &Finding{}
	if j := v.ev.Job; j != nil {
		for _, c := range j.Status.Conditions {
			if (c.Type == batchv1.JobFailed || c.Type == batchv1.JobFailureTarget) && c.Reason == batchv1.JobReasonDeadlineExceeded && c.Status == corev1.ConditionTrue {
				f.add("Job condition %s=True %s: %s", c.Type, c.Reason, msg.OneLine(c.Message))
			}
		}
	}
	f.Evidence = append(f.Evidence, v.eventsWith("DeadlineExceeded")...)
	if js, ok := v.overlordJobFailed(); ok && js.reason == batchv1.JobReasonDeadlineExceeded {
		f.add("the Overlord's log: %s", js.describe())
		f.add("the Overlord's log: %s", shorten(js.line, 160))
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	deadline := "its activeDeadlineSeconds"
	if j := v.ev.Job; j != nil && j.Spec.ActiveDeadlineSeconds != nil {
		s := *j.Spec.ActiveDeadlineSeconds
		deadline = fmt.Sprintf("its activeDeadlineSeconds (%d s)", s)
		if s >= 60 {
			deadline = fmt.Sprintf("its activeDeadlineSeconds (%d s = %s)", s, time.Duration(s)*time.Second)
		}
		if j.Status.StartTime != nil {
			f.add("Job started %s", j.Status.StartTime.UTC().Format(time.RFC3339))
		}
	}
	f.Cause = "the Job ran longer than " + deadline + ": the Job controller killed the peon"
	f.Fix = []string{
		"Druid sets activeDeadlineSeconds from druid.indexer.runner.maxTaskDuration (default PT4H): raise it on the Overlord if tasks this long are expected",
		"or make the task shorter: smaller intervals or more subtasks (batch), a shorter taskDuration (streaming)",
	}
	return f
}

// nodeLost: the pod's node went away: the node lifecycle controller marked
// the pod NotReady ("NodeNotReady", "Node is not ready") and its taint
// manager deleted it ("TaintManagerEviction", "Marking for deletion Pod
// %s"), or the pod garbage collector removed a pod of a deleted node
// (DisruptionTarget DeletionByPodGC).
func nodeLost(v *view) *Finding {
	f := &Finding{}
	if p := v.ev.Pod; p != nil {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && (c.Reason == "DeletionByTaintManager" || c.Reason == "DeletionByPodGC") {
				f.add("pod condition DisruptionTarget=True %s: %s", c.Reason, msg.OneLine(c.Message))
			}
		}
	}
	f.Evidence = append(f.Evidence, v.eventsWith("NodeNotReady", "TaintManagerEviction", "NodeLost")...)
	if len(f.Evidence) == 0 {
		return nil
	}
	node := "NODE"
	if p := v.ev.Pod; p != nil && p.Spec.NodeName != "" {
		node = p.Spec.NodeName
	}
	f.Cause = "the pod's node was lost (NotReady or gone), and Kubernetes deleted the pod while the peon ran: it pushed neither its status nor its log"
	if v.kind == msgNoStatus {
		v.quote(f)
	}
	f.Fix = []string{
		"find what happened to the node: kubectl describe node " + node + " (Conditions, Events), and the cluster autoscaler's or the cloud's events",
		"keep peons off nodes that are scaled down or preempted (nodeSelector, tolerations; cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\" on the pod template)",
	}
	f.Fix = append(f.Fix, keepEvidence()...)
	return f
}

// imagePull: the kubelet cannot pull the container's image.
func imagePull(v *view) *Finding {
	f := &Finding{}
	image := ""
	if v.spec != nil {
		image = v.spec.Image
	}
	if v.cs != nil && v.cs.State.Waiting != nil {
		switch w := v.cs.State.Waiting; w.Reason {
		case "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull":
			f.add("container %s waiting: %s: %s", v.name, w.Reason, msg.OneLine(w.Message))
			image = orText(image, v.cs.Image)
		}
	}
	for _, e := range v.events {
		if (e.Reason == "Failed" || e.Reason == "BackOff") && (strings.Contains(e.Message, "pull image") || strings.Contains(e.Message, "pulling image")) {
			f.add("event %s %s: %s", e.Type, e.Reason, msg.OneLine(e.Message))
		}
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	// The kubelet names the image it tried: image "REF".
	for _, l := range f.Evidence {
		if _, rest, ok := strings.Cut(l, `image "`); ok {
			if ref, _, ok := strings.Cut(rest, `"`); ok && ref != "" {
				image = ref
				break
			}
		}
	}
	f.Cause = fmt.Sprintf("the image %s of container %s cannot be pulled", orText(image, "(unknown)"), v.name)
	f.Fix = []string{
		"check the image name and tag in the pod template (customTemplateAdapter) or of the Overlord's own container (overlordSingleContainer copies it)",
		"a private registry needs imagePullSecrets in the pod template, or on its service account",
	}
	return f
}

// neverScheduled: no node would take the pod (PodScheduled=False,
// FailedScheduling), or the Job could not create it (FailedCreate: quota);
// Druid gives up after k8sjobLaunchTimeout (apache/druid#14425).
func neverScheduled(v *view) *Finding {
	f := &Finding{}
	var why string
	if p := v.ev.Pod; p != nil && p.Status.PodIP == "" {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				f.add("pod %s condition PodScheduled=False %s: %s", p.Name, c.Reason, msg.OneLine(c.Message))
				why = c.Reason + ": " + msg.OneLine(c.Message)
			}
		}
	}
	if v.ev.Pod == nil || v.ev.Pod.Status.PodIP == "" {
		ev := v.eventsWith("FailedScheduling", "FailedCreate")
		f.Evidence = append(f.Evidence, ev...)
		if why == "" && len(ev) > 0 {
			why = strings.SplitN(ev[len(ev)-1], ": ", 2)[1]
		}
	}
	if len(f.Evidence) == 0 {
		return nil
	}
	what := "the pod was never scheduled"
	if v.ev.Pod == nil {
		what = "the Job could not create its pod"
	}
	f.Cause = what + ": " + why
	f.Fix = []string{
		"free or add capacity, or lower the pod's requests; check nodeSelector, affinity, tolerations and quotas against the pod template",
		"Druid fails the task when no pod got an IP within druid.indexer.runner.k8sjobLaunchTimeout (default PT1H)",
	}
	return f
}

// jobFailed: the Job controller marked the Job Failed (BackoffLimitExceeded:
// Druid sets backoffLimit 0, so one failed pod fails the Job).
func jobFailed(v *view) *Finding {
	j := v.ev.Job
	if j == nil {
		return legacyJobFailed(v)
	}
	for _, c := range j.Status.Conditions {
		if c.Type != batchv1.JobFailed || c.Status != corev1.ConditionTrue || c.Reason == batchv1.JobReasonDeadlineExceeded {
			continue
		}
		f := &Finding{Cause: fmt.Sprintf("Job %s failed: %s (%s)", j.Name, c.Reason, msg.OneLine(c.Message))}
		f.add("Job condition Failed=True %s: %s", c.Reason, msg.OneLine(c.Message))
		f.add("active %d, succeeded %d, failed %d", j.Status.Active, j.Status.Succeeded, j.Status.Failed)
		if v.ev.Pod == nil {
			f.Cause += "; its pod is gone"
			f.add("no pod left: its exit status went with it")
		}
		f.Fix = []string{"its pod failed once and Druid allows no retry (backoffLimit 0): the cause is the pod's, in the log and the Overlord's errorMsg"}
		if v.ev.Overlord == nil {
			f.Fix = append(f.Fix, "ask the Overlord for its errorMsg and saved log: re-run with --overlord URL or --overlord-service NAME")
		}
		return f
	}
	return nil
}

// containerError: the container exited non-zero for a reason no known
// signature explains; the log's first Java exception is the best lead.
func containerError(v *view) *Finding {
	t := v.term
	if t == nil || t.ExitCode == 0 || t.Reason == "OOMKilled" || (v.ev.Pod != nil && v.ev.Pod.Status.Reason == "Evicted") {
		return nil
	}
	if _, ok := v.lineWith("OutOfMemoryError", "Not enough direct memory"); ok {
		return nil
	}
	f := &Finding{Cause: fmt.Sprintf("container %s exited %d (%s)", v.name, t.ExitCode, orText(t.Reason, "Error"))}
	f.add("container %s terminated: %s, exit %d%s", v.name, orText(t.Reason, "Error"), t.ExitCode, finishedAgo(t.FinishedAt.Time, v.ev.Now))
	if t.Message != "" {
		f.add("termination message: %s", msg.OneLine(t.Message))
	}
	switch t.ExitCode {
	case 137:
		f.add("exit 137 is SIGKILL: the kernel's OOM killer, an eviction, or the pod's deletion")
	case 143:
		f.add("exit 143 is SIGTERM: the pod was deleted or its Job stopped (a task shut down from Druid, or a deadline)")
	}
	for _, l := range v.lines {
		if javaException.MatchString(l) {
			f.Cause += ": " + shorten(l, 160)
			f.add("first exception in the log: %s", shorten(l, 400))
			break
		}
	}
	f.Fix = []string{"read the whole log (kubectl druid-logs follow TASK_ID --overlord URL prints the saved one) from its first ERROR"}
	return f
}

// firstSentence keeps a kubelet message's first sentence.
func firstSentence(s string) string {
	s = msg.OneLine(s)
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i]
	}
	return strings.TrimSuffix(s, ".")
}

// legacyJobFailed: Druid 25/26 took the task's status from the Job and
// stored "Task failed: [ id, job]" (26; 25 "Task failed %s: …") when it
// failed: the pod failed, for a reason the ranked causes weigh.
func legacyJobFailed(v *view) *Finding {
	if v.kind != msgJobFailed {
		return nil
	}
	f := &Finding{Cause: "the peon's Job failed (Druid 25/26 store \"Task failed\" when the Job's pod fails)"}
	v.quote(f)
	if len(v.causes) > 0 && (v.causes[0].Likelihood == Likely || v.causes[0].Likelihood == Confirmed) {
		f.Cause += ": most likely " + v.causes[0].Cause
		f.Evidence = append(f.Evidence, v.causes[0].Evidence...)
		f.Fix = append(f.Fix, v.causes[0].Fix...)
	}
	f.Fix = append(f.Fix, "the peon's saved log says more: kubectl druid-logs follow "+v.ev.TaskID+" --overlord URL")
	f.Fix = append(f.Fix, keepEvidence()...)
	return f
}
