package postmortem

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// view is the evidence indexed once for the signatures.
type view struct {
	ev      *Evidence
	outcome Outcome
	state   druid.State
	status  *overlord.TaskStatusPlus
	// name, spec, cs and term are the task's container: "main", or the
	// pod's first container when it has none of that name.
	name string
	spec *corev1.Container
	cs   *corev1.ContainerStatus
	// term is the container's terminated state, current or last.
	term *corev1.ContainerStateTerminated
	// lines are every log line read, in the order of ev.Logs.
	lines []string
	// events are the Job's and the pod's, oldest first.
	events []corev1.Event
	// cited is set by a finding that quotes the Overlord's errorMsg.
	cited bool
	// kind is what the Overlord's errorMsg says happened.
	kind msgKind
	// causes rank what stopped a peon that left no status.
	causes []Cause
	// known is set once a known signature matched.
	known bool
}

func newView(ev *Evidence) *view {
	v := &view{ev: ev, name: logContainer(ev.Pod, ev.Container)}
	if ev.Overlord != nil {
		v.status = ev.Overlord.Status
	}
	v.state = druid.StateOf(ev.Job, ev.Pod, v.name, ev.Now)
	v.spec, v.cs = container(ev.Pod, v.name), containerStatus(ev.Pod, v.name)
	if v.spec == nil && ev.Job != nil {
		for i := range ev.Job.Spec.Template.Spec.Containers {
			if c := &ev.Job.Spec.Template.Spec.Containers[i]; c.Name == v.name {
				v.spec = c
			}
		}
	}
	if v.cs != nil {
		v.term = v.cs.State.Terminated
		if v.term == nil {
			v.term = v.cs.LastTerminationState.Terminated
		}
	}
	for _, l := range ev.Logs {
		v.lines = append(v.lines, l.Lines()...)
	}
	v.events = append(append(v.events, ev.JobEvents...), ev.PodEvents...)
	sort.SliceStable(v.events, func(i, j int) bool { return eventTime(v.events[i]).Before(eventTime(v.events[j])) })
	v.outcome = v.outcomeOf()
	if v.status != nil {
		v.kind = kindOf(v.status.ErrorMsg)
	}
	if v.outcome == Failed && v.kind.killed() {
		v.causes = rankCauses(v)
	}
	return v
}

// outcomeOf decides how the task ended: by the Overlord's statusCode when
// it is final (a Job can succeed while its task failed), else by Druid's
// lifecycle rule over the Job and pod, else by what the Overlord and the
// events still say.
func (v *view) outcomeOf() Outcome {
	if st := v.status; st != nil {
		switch st.Phase() {
		case overlord.PhaseSucceeded:
			return Succeeded
		case overlord.PhaseFailed:
			return Failed
		}
	}
	switch v.state.Phase {
	case druid.Stopped:
		if v.state.Failed {
			return Failed
		}
		return Succeeded
	case druid.Running:
		return Running
	case druid.Pending:
		return Pending
	}
	if st := v.status; st != nil {
		if st.Running() {
			return Running
		}
		if st.Pending() {
			return Pending
		}
	}
	for _, e := range v.events {
		if e.Type == corev1.EventTypeWarning && failureReasons[e.Reason] {
			return Failed
		}
	}
	return Unknown
}

// failureReasons are the event reasons that prove a task failed even when
// its Job and pod are gone.
var failureReasons = map[string]bool{"Evicted": true, "DeadlineExceeded": true, "BackoffLimitExceeded": true, "OOMKilling": true}

// Diagnose matches the signatures against the evidence and writes the
// report; tail is how many log lines the report keeps of each log.
func Diagnose(ev *Evidence, tail int) *Report {
	v := newView(ev)
	rep := &Report{TaskID: ev.TaskID, Namespace: ev.Namespace, Outcome: v.outcome,
		Findings: []Finding{}, Fix: []string{}, Evidence: facts(ev, tail), Unread: []UnreadFact{}, Causes: []Cause{}}
	for _, u := range ev.Unread {
		rep.Unread = append(rep.Unread, UnreadFact{What: u.What, Reason: u.Reason})
	}
	if v.outcome != Unknown {
		for _, s := range Signatures {
			if !s.applies(v.outcome) {
				continue
			}
			if f := s.match(v); f != nil {
				f.Signature, f.Title, f.Known = s.ID, s.Title, s.Known
				if f.Reference == "" {
					f.Reference = s.Reference
				}
				rep.Findings = append(rep.Findings, *f)
				v.known = v.known || s.Known
			}
		}
	}
	rep.Causes = append(rep.Causes, v.causes...)
	if len(rep.Findings) > 0 {
		p := rep.Findings[0]
		rep.Signature, rep.Known, rep.Fix = p.Signature, p.Known, p.Fix
	}
	rep.Verdict, rep.ExitCode = verdict(v, rep)
	return rep
}

func verdict(v *view, rep *Report) (string, int) {
	var cause string
	if len(rep.Findings) > 0 {
		cause = rep.Findings[0].Cause
	}
	misconfigured := rep.Signature == sigNoMain
	switch v.outcome {
	case Failed:
		code := exitcode.ContainerFailed
		if misconfigured {
			code = exitcode.Misconfigured
		}
		switch {
		case cause == "":
			return "FAILED: no known failure signature matched, and nothing says why: " + v.state.Reason + " (the evidence follows)", code
		case !rep.Known:
			return "FAILED: " + cause + " (no known failure signature matched)", code
		}
		return "FAILED: " + cause, code
	case Succeeded:
		if misconfigured {
			return "SUCCEEDED, but misconfigured: " + cause, exitcode.Misconfigured
		}
		return "SUCCEEDED: " + successReason(v), exitcode.OK
	case Running, Pending:
		phase := strings.ToUpper(string(v.outcome))
		code := exitcode.NotRunning
		if misconfigured {
			code = exitcode.Misconfigured
		}
		if cause != "" {
			return phase + ": nothing has failed yet, but " + cause, code
		}
		reason := v.state.Reason
		if v.state.Phase == druid.NotStarted && v.status != nil {
			reason = fmt.Sprintf("the Overlord reports statusCode %s, runnerStatusCode %s; no Job exists yet", v.status.StatusCode, v.status.RunnerStatusCode)
		}
		return phase + ": nothing has failed yet: " + reason, code
	}
	return unknownVerdict(v)
}

func successReason(v *view) string {
	var parts []string
	if st := v.status; st != nil && st.Succeeded() {
		parts = append(parts, fmt.Sprintf("the Overlord reports SUCCESS after %s", time.Duration(st.Duration)*time.Millisecond))
	}
	if t := v.term; t != nil && t.ExitCode == 0 {
		parts = append(parts, "container "+v.name+" exited 0")
	}
	if len(parts) == 0 {
		parts = append(parts, v.state.Reason)
	}
	if v.status == nil {
		parts = append(parts, "per Kubernetes only: a Job's success is not the task's (ask the Overlord with --overlord)")
	}
	return strings.Join(parts, "; ")
}

func unknownVerdict(v *view) (string, int) {
	ev := v.ev
	for _, u := range ev.Unread {
		// Only the lookups that could have hidden the task decide; a
		// refused side source (events, a log) does not.
		if (u.What == WhatJob || u.What == WhatOverlordStatus) && (u.Code == exitcode.Forbidden || u.Code == exitcode.Error) {
			return fmt.Sprintf("UNKNOWN: could not read the %s: %s", u.What, u.Reason), u.Code
		}
	}
	var where []string
	where = append(where, "no Job in namespace "+ev.Namespace)
	if len(ev.Elsewhere) > 0 {
		where[0] += " (but in namespace " + strings.Join(ev.Elsewhere, ", ") + ": use -n)"
	}
	switch {
	case ev.Overlord == nil:
		where = append(where, "no Overlord asked (--overlord URL or --overlord-service NAME)")
	case ev.Overlord.NotFound:
		where = append(where, "the Overlord never heard of it (404)")
	}
	return "UNKNOWN: nothing is known of task " + ev.TaskID + ": " + strings.Join(where, "; "), exitcode.NotFound
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

// lineWith returns the first log line containing any of subs.
func (v *view) lineWith(subs ...string) (string, bool) {
	for _, l := range v.lines {
		for _, s := range subs {
			if strings.Contains(l, s) {
				return strings.TrimSpace(l), true
			}
		}
	}
	return "", false
}

// eventsWith returns the events with one of the reasons, as evidence lines.
func (v *view) eventsWith(reasons ...string) []string {
	var out []string
	for _, e := range v.events {
		for _, r := range reasons {
			if e.Reason == r {
				out = append(out, fmt.Sprintf("event %s %s on %s/%s: %s", e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, msg.OneLine(e.Message)))
			}
		}
	}
	return out
}
