package postmortem

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// A peon that stops without writing status.json leaves the Overlord only
// "Peon did not report status successfully." (27-28 "task status not
// found"; 25/26 a failed or vanished Job), and Druid deletes its Job at
// once, with the pod. What tells the causes apart is then what survives:
// the pod's termination and events only with debugJobs=true or for the
// seconds before the deletion, the events of the Job and the pod until the
// API server's --event-ttl (1h by default), the log Druid saved, and the
// Overlord's own lines when given. rankCauses weighs each cause against
// that evidence.

// candidate is a cause being weighed.
type candidate struct {
	Cause
	score            int
	confirmed, ruled bool
	// gone says what would have told it, when nothing did.
	gone string
}

func (c *candidate) confirm(format string, args ...any) {
	c.confirmed = true
	c.Evidence = append(c.Evidence, "confirmed by "+fmt.Sprintf(format, args...))
}

func (c *candidate) rule(format string, args ...any) {
	c.ruled = true
	c.Evidence = append(c.Evidence, "ruled out by "+fmt.Sprintf(format, args...))
}

func (c *candidate) weigh(score int, format string, args ...any) {
	c.score += score
	word := "for"
	if score < 0 {
		word = "against"
	}
	c.Evidence = append(c.Evidence, word+": "+fmt.Sprintf(format, args...))
}

// rankCauses weighs every cause of a peon that left no status against
// the evidence, most likely first.
func rankCauses(v *view) []Cause {
	p := v.peonEnd()
	js, jobFailed := v.overlordJobFailed()
	notFound, jobGone := v.overlordJobNotFound()
	if v.kind == msgJobDisappeared {
		notFound, jobGone = "errorMsg "+shorten(v.status.ErrorMsg, 200)+" (Druid 26)", true
	}
	backoff := len(v.eventsWith("BackoffLimitExceeded")) > 0 || (jobFailed && js.reason == "BackoffLimitExceeded") || v.kind == msgJobFailed
	deadline := v.eventsWith("DeadlineExceeded")
	if jobFailed && js.reason == "DeadlineExceeded" {
		deadline = append(deadline, "the Overlord's log: "+js.describe())
	}
	killing := v.eventsWith("Killing")
	t := v.term

	oom := &candidate{Cause: Cause{ID: "oom-killed", Cause: "the kernel killed the peon at its container's memory limit (OOMKilled, exit 137)",
		Fix: []string{"raise resources.limits.memory of container main, or make -Xmx + -XX:MaxDirectMemorySize + about 25% fit under it"}},
		gone: "the pod's container state (terminated reason OOMKilled, exit 137), gone with the pod"}
	heap := &candidate{Cause: Cause{ID: "heap-oom", Cause: "the peon's Java heap ran out (java.lang.OutOfMemoryError)",
		Fix: []string{"raise -Xmx and the memory limit with it, or lower maxRowsInMemory / maxBytesInMemory"}},
		gone: "java.lang.OutOfMemoryError in the peon's log, which Druid did not save"}
	evict := &candidate{Cause: Cause{ID: "evicted", Cause: "the pod was evicted (node pressure, or the eviction API in a drain)",
		Fix: []string{"set the peon's memory and ephemeral-storage requests equal to its limits (Guaranteed QoS)", "a PodDisruptionBudget keeps drains from evicting running peons"}},
		gone: "an Evicted event on the pod and its status reason Evicted"}
	node := &candidate{Cause: Cause{ID: "node-lost", Cause: "the pod's node went away (NotReady, deleted, or scaled down), and Kubernetes deleted the pod",
		Fix: []string{"find what happened to the node (kubectl get nodes; the cluster autoscaler's events)", "keep peons off nodes that are scaled down or preempted (nodeSelector, tolerations, the autoscaler's safe-to-evict annotation)"}},
		gone: "NodeNotReady and TaintManagerEviction events on the pod"}
	deleted := &candidate{Cause: Cause{ID: "peon-deleted", Cause: "the peon's Job or pod was deleted while it ran (kubectl delete, a script, another controller)",
		Fix: []string{"stop a task through Druid (POST /druid/indexer/v1/task/ID/shutdown, or the console), never by deleting its Job or pod", "the API server's audit log names who deleted it"}},
		gone: "the Overlord's line \"K8s job for the task[[ ID, JOB]] was not found. It can happen if the task was canceled\", a Killing event on the pod"}
	dead := &candidate{Cause: Cause{ID: "deadline-exceeded", Cause: "the Job ran past its activeDeadlineSeconds (druid.indexer.runner.maxTaskDuration, default PT4H) and the Job controller stopped it",
		Fix: []string{"raise druid.indexer.runner.maxTaskDuration on the Overlord if tasks this long are expected, or make the task shorter"}},
		gone: "the Job's condition Failed reason DeadlineExceeded and its DeadlineExceeded event"}
	push := &candidate{Cause: Cause{ID: "status-not-pushed", Cause: "the peon finished, but could not write status.json to task-log storage",
		Fix: []string{"give the peon the Overlord's druid.indexer.logs.* settings and credentials: it writes status.json there at its end"}},
		gone: "the peon's \"" + peonCompleted + "\" line, in a log Druid did not save"}
	crash := &candidate{Cause: Cause{ID: "container-error", Cause: "the peon's JVM crashed (an uncaught error, a non-zero exit)",
		Fix: []string{"read the peon's log from its first ERROR"}},
		gone: "the pod's exit code and the exception at the end of the peon's log"}
	all := []*candidate{oom, heap, evict, node, deleted, dead, push, crash}

	// The pod, when it survives (debugJobs=true, or read before Druid deleted it).
	if t != nil {
		switch {
		case t.Reason == "OOMKilled":
			oom.confirm("container main terminated: OOMKilled, exit %d", t.ExitCode)
		case t.ExitCode == 137:
			oom.weigh(1, "container main exited 137 (SIGKILL)")
		default:
			oom.rule("container main terminated: %s, exit %d", orText(t.Reason, "Error"), t.ExitCode)
		}
		switch {
		case t.ExitCode == 0:
			push.weigh(2, "container main exited 0: the peon ended normally")
			for _, c := range []*candidate{evict, node, deleted, dead, crash} {
				c.weigh(-2, "container main exited 0")
			}
		case t.ExitCode == 143:
			deleted.weigh(2, "container main exited 143 (SIGTERM): the pod was stopped")
		case t.ExitCode != 0 && t.ExitCode != 137:
			crash.confirm("container main exited %d (%s)", t.ExitCode, orText(t.Reason, "Error"))
		}
	}
	if pod := v.ev.Pod; pod != nil && pod.Status.Reason == "Evicted" {
		evict.confirm("pod status reason Evicted: %s", shorten(pod.Status.Message, 200))
	}
	if pod := v.ev.Pod; pod != nil {
		for _, c := range pod.Status.Conditions {
			if c.Type != corev1.DisruptionTarget || c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Reason {
			case "DeletionByTaintManager", "DeletionByPodGC":
				node.confirm("pod condition DisruptionTarget=True %s", c.Reason)
			case "TerminationByKubelet", "EvictionByEvictionAPI":
				evict.confirm("pod condition DisruptionTarget=True %s", c.Reason)
			}
		}
	}
	// The events, for an hour.
	if ev := v.eventsWith("Evicted"); len(ev) > 0 {
		evict.confirm("%s", ev[0])
	}
	if ev := v.eventsWith("NodeNotReady", "TaintManagerEviction", "NodeLost"); len(ev) > 0 {
		node.confirm("%s", ev[0])
	}
	if len(deadline) > 0 {
		dead.confirm("%s", deadline[0])
	}
	if len(killing) > 0 && len(deadline) == 0 {
		deleted.weigh(2, "%s: the kubelet stopped the container (a deleted pod)", killing[0])
	}
	// The Overlord's own words.
	if jobGone {
		deleted.confirm("%s: the Job vanished while the task ran", shorten(notFound, 300))
		for _, c := range []*candidate{oom, evict, node, dead, crash} {
			c.weigh(-2, "the Job vanished: this cause fails a Job, it does not delete it")
		}
	}
	if backoff {
		what := "the Job's BackoffLimitExceeded event"
		if jobFailed {
			what = "the Overlord's log: " + js.describe()
		} else if v.kind == msgJobFailed {
			what = "errorMsg " + shorten(v.status.ErrorMsg, 200) + " (Druid 25/26: the Job failed)"
		}
		for _, c := range []*candidate{oom, heap, evict, node, crash} {
			c.weigh(1, "%s: its pod failed", what)
		}
		dead.rule("%s, not DeadlineExceeded", what)
	}
	// The peon's log.
	switch {
	case p.completed != "":
		push.confirm("the peon's log: %s … \"status\" : %q", shorten(p.completed, 160), p.status)
		for _, c := range []*candidate{oom, heap, evict, node, deleted, dead, crash} {
			c.weigh(-3, "the peon finished its task (%q)", peonCompleted)
		}
	case p.heapOOM != "":
		heap.confirm("the peon's log: %s", shorten(p.heapOOM, 200))
	case p.stopped != "":
		deleted.weigh(2, "the peon's log ends in a graceful stop (SIGTERM): %s", shorten(p.stopped, 200))
		dead.weigh(1, "the peon's log ends in a graceful stop (SIGTERM), as when the Job controller stops a Job past its deadline")
		evict.weigh(1, "the peon's log ends in a graceful stop (SIGTERM), as in an eviction")
		oom.weigh(-2, "the peon's log ends in a graceful stop (SIGTERM): an OOM kill sends no SIGTERM")
		node.weigh(-2, "Druid read the peon's log to its graceful stop: its node was up")
	case p.abrupt():
		oom.weigh(2, "the peon's log ends mid-task with no shutdown line (last: %s): it was killed at once (SIGKILL), as the OOM killer does", shorten(p.last, 160))
		deleted.weigh(-2, "the peon's log ends with no graceful stop: a deleted pod gets SIGTERM first, and the peon logs \"Starting graceful shutdown of task[…]\"")
		dead.weigh(-1, "the peon's log ends with no graceful stop, which a deadline's SIGTERM would leave")
		node.weigh(-1, "Druid read the peon's log after it stopped: its node was up")
		crash.weigh(-1, "the peon's log ends with no exception")
	}
	if p.crash != "" && p.completed == "" && p.heapOOM == "" {
		crash.weigh(2, "the peon's log: %s", shorten(p.crash, 200))
	}
	if p.read {
		if p.completed == "" {
			push.rule("the peon's log has no %q line: it did not finish", peonCompleted)
		}
		if p.heapOOM == "" {
			heap.weigh(-2, "the peon's log has no java.lang.OutOfMemoryError")
		}
	} else if p.placeholder != "" {
		for _, c := range []*candidate{evict, node, deleted, dead} {
			c.weigh(1, "Druid saved only its placeholder log: the pod was gone when the Job ended")
		}
		for _, c := range []*candidate{oom, push, crash} {
			c.weigh(-1, "Druid saved only its placeholder log: a pod that fails or finishes on its own stays, and its log can be read")
		}
	}

	out := make([]Cause, 0, len(all))
	order := map[*candidate]int{}
	for i, c := range all {
		order[c] = i
		switch {
		case c.confirmed && !c.ruled:
			c.Likelihood = Confirmed
		case c.ruled:
			c.Likelihood = RuledOut
		case c.score > 0:
			c.Likelihood = Likely
		case c.score == 0:
			c.Likelihood = Possible
		default:
			c.Likelihood = Unlikely
		}
		if len(c.Evidence) == 0 {
			c.Evidence = []string{"nothing left says either way; it would show in " + c.gone}
		}
		c.ExitCode = exitcode.ContainerFailed
	}
	rank := map[Likelihood]int{Confirmed: 0, Likely: 1, Possible: 2, Unlikely: 3, RuledOut: 4}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if rank[a.Likelihood] != rank[b.Likelihood] {
			return rank[a.Likelihood] < rank[b.Likelihood]
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return order[a] < order[b]
	})
	for _, c := range all {
		out = append(out, c.Cause)
	}
	return out
}

// keepEvidence is how to keep what tells the causes apart next time.
func keepEvidence() []string {
	return []string{
		"keep the evidence next time: druid.indexer.runner.debugJobs=true on the Overlord keeps each finished Job and its pod " +
			"(Kubernetes removes them after druid.indexer.runner.taskCleanupDelay, P2D by default); " +
			"events expire after the API server's --event-ttl (1h by default): run why within the hour",
	}
}
