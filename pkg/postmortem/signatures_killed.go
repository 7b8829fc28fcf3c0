package postmortem

import (
	"fmt"
	"strings"
)

// The signatures of a peon that stopped without pushing its status
// (errorMsg "Peon did not report status successfully.", 27-28 "task status
// not found", Druid 26's vanished Job): what the Overlord's log, the
// peon's saved log and the ranked causes (causes.go) say of it.

// peonDeleted: the Overlord's log says the Job vanished while the task
// ran: something deleted it.
func peonDeleted(v *view) *Finding {
	line, ok := v.overlordJobNotFound()
	if !ok || !v.kind.killed() {
		return nil
	}
	f := &Finding{Cause: "the peon's Job was deleted while the task ran (not by Druid: it deletes a Job only after recording its status), so the peon pushed no status"}
	v.quote(f)
	f.add("the Overlord's log: %s", shorten(line, 300))
	f.Fix = append([]string{"stop a task through Druid (the console, or POST /druid/indexer/v1/task/" + v.ev.TaskID + "/shutdown), never by deleting its Job or pod; the API server's audit log names who deleted it"},
		keepEvidence()...)
	return f
}

// peonStopped: the peon's log ends in a graceful stop: it got SIGTERM.
func peonStopped(v *view) *Finding {
	if !v.kind.killed() || v.kind == msgJobDisappeared {
		return nil
	}
	p := v.peonEnd()
	if p.stopped == "" || p.completed != "" {
		return nil
	}
	f := &Finding{Cause: "the peon got SIGTERM and stopped while it ran, without pushing its status: its pod or Job was deleted (kubectl delete, a drain or eviction, a Job past its deadline)"}
	v.quote(f)
	f.add("the peon's log ends in a graceful stop: %s", shorten(p.stopped, 300))
	f.Fix = []string{
		"who stopped it: the events of the pod and the Job, if under an hour old: kubectl get events -n " + v.ev.Namespace + " --field-selector involvedObject.name=" + v.podName() +
			" (Killing, Evicted, TaintManagerEviction) and involvedObject.name=" + v.jobName() + " (DeadlineExceeded); the API server's audit log names who deleted it",
		"stop tasks through Druid (the console, or POST /druid/indexer/v1/task/ID/shutdown), never by deleting their Job or pod",
	}
	f.Fix = append(f.Fix, keepEvidence()...)
	return f
}

// jobDisappeared: Druid 26's runner found the Job gone before it ended.
func jobDisappeared(v *view) *Finding {
	if v.kind != msgJobDisappeared {
		return nil
	}
	f := &Finding{Cause: "the peon's Job was deleted while the task ran (Druid 26 found it gone before completion)"}
	v.quote(f)
	f.Fix = append([]string{"stop tasks through Druid, never by deleting their Job; the API server's audit log names who deleted it"}, keepEvidence()...)
	return f
}

// peonNoStatus: the peon stopped without pushing status.json and no
// signature says why: the causes, ranked by what is left.
func peonNoStatus(v *view) *Finding {
	if v.kind != msgNoStatus {
		return nil
	}
	v.cited = true
	if v.known || len(v.causes) == 0 {
		return nil
	}
	top := v.causes[0]
	p := v.peonEnd()
	f := &Finding{}
	v.quote(f)
	var likely []string
	for _, c := range v.causes {
		if c.Likelihood == top.Likelihood && (c.Likelihood == Likely || c.Likelihood == Confirmed) {
			likely = append(likely, causeShort[c.ID])
		}
	}
	switch {
	case p.placeholder != "" && len(likely) > 0:
		f.Cause = "the peon stopped without pushing its status, and its pod was gone before Druid could read its log: most likely " + orList(likely)
	case len(likely) > 0:
		f.Cause = "the peon stopped without pushing its status: most likely " + top.Cause
	default:
		f.Cause = fmt.Sprintf("the peon stopped without pushing its status, and nothing left says which of %d causes", len(v.causes))
		if _, gone := v.leftOver(p); len(gone) > 0 {
			f.Cause += ": " + strings.Join(gone, ", ")
		}
	}
	left, gone := v.leftOver(p)
	s := "left: " + orText(strings.Join(left, ", "), "nothing")
	if len(gone) > 0 {
		s += "; " + strings.Join(gone, ", ") + " (Druid deletes the Job, with its pod, when it records the failure; events expire after an hour)"
	}
	f.add("%s", s)
	if len(likely) > 0 {
		f.Evidence = append(f.Evidence, top.Evidence...)
		f.Fix = append(f.Fix, top.Fix...)
	}
	f.Fix = append(f.Fix, "the causes below are ranked by what is left; the Overlord's lines \"Task[[ ID, JOB]] failed with status[JobStatus(…)]\" or "+
		"\"K8s job for the task[[ ID, JOB]] was not found\" tell a failed Job from a deleted one: "+v.overlordGrep()+", then: kubectl druid-logs why ID --overlord-log FILE")
	f.Fix = append(f.Fix, keepEvidence()...)
	return f
}

// causeShort names the causes in a verdict that lists several.
var causeShort = map[string]string{
	"oom-killed": "OOMKilled", "heap-oom": "out of Java heap", "evicted": "the pod evicted", "node-lost": "its node lost",
	"peon-deleted": "its Job or pod deleted", "deadline-exceeded": "the Job past its deadline (maxTaskDuration)",
	"status-not-pushed": "status.json not written", "container-error": "the JVM crashed",
}

// orList joins "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// leftOver says what survives of a task whose Job Druid deleted, and
// what is gone.
func (v *view) leftOver(p peonLog) (left, gone []string) {
	if v.ev.Job == nil {
		gone = append(gone, "no Job")
	} else {
		left = append(left, "the Job")
	}
	if v.ev.Pod == nil {
		gone = append(gone, "no pod")
	} else {
		left = append(left, "the pod")
	}
	if n := len(v.events); n == 0 {
		gone = append(gone, "no events")
	} else {
		left = append(left, fmt.Sprintf("%d events", n))
	}
	switch {
	case p.read:
		end := "ends mid-task: " + shorten(p.last, 160)
		if !p.abrupt() {
			end = "ends: " + shorten(p.last, 160)
		}
		left = append(left, "the peon's log, which "+end)
	case p.placeholder != "":
		left = append(left, "only Druid's placeholder log (\"did not report any logs\")")
	default:
		gone = append(gone, "no log")
	}
	return left, gone
}
