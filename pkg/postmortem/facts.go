package postmortem

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
)

// facts turns the evidence into the report's view of it; tail bounds the
// log lines kept of each log.
func facts(ev *Evidence, tail int) Facts {
	f := Facts{Events: []EventFact{}, Logs: []LogFact{}, Elsewhere: ev.Elsewhere, OverlordLog: ev.OverlordLines}
	if j := ev.Job; j != nil {
		jf := &JobFacts{Name: j.Name, Created: j.CreationTimestamp.UTC(), Active: j.Status.Active, Succeeded: j.Status.Succeeded,
			Failed: j.Status.Failed, Conditions: []string{}, ActiveDeadlineSeconds: j.Spec.ActiveDeadlineSeconds, BackoffLimit: j.Spec.BackoffLimit}
		for _, c := range j.Status.Conditions {
			jf.Conditions = append(jf.Conditions, condition(string(c.Type), string(c.Status), c.Reason, c.Message))
		}
		if j.Status.CompletionTime != nil {
			t := j.Status.CompletionTime.UTC()
			jf.Completed = &t
		}
		f.Job = jf
	}
	if p := ev.Pod; p != nil {
		f.Pod = podFacts(p)
	}
	if o := ev.Overlord; o != nil {
		of := &OverlordFacts{URL: o.URL, Known: !o.NotFound && o.Status != nil}
		if st := o.Status; st != nil {
			of.StatusCode, of.RunnerStatusCode, of.ErrorMsg, of.DurationMs = string(st.StatusCode), string(st.RunnerStatusCode), st.ErrorMsg, st.Duration
			if st.Location.Host != "" || st.Location.K8sPodName != "" {
				of.Location = fmt.Sprintf("%s:%d pod %s", msg.OrNone(st.Location.Host), st.Location.Port, msg.OrNone(st.Location.K8sPodName))
			}
		}
		f.Overlord = of
	}
	events := append(append([]corev1.Event{}, ev.JobEvents...), ev.PodEvents...)
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
	for _, e := range events {
		f.Events = append(f.Events, EventFact{Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Type: e.Type,
			Reason: e.Reason, Message: msg.OneLine(e.Message), Count: e.Count, LastSeen: eventTime(e).UTC()})
	}
	for _, l := range ev.Logs {
		lines := l.Lines()
		lf := LogFact{Source: l.Source, Where: l.Where, TotalLines: len(lines), Bytes: l.Bytes, Truncated: l.Truncated, Lines: []string{}}
		if l.Start != nil && l.Start.Rotated() {
			lf.Rotated = l.Start.Evidence() + "; " + logstart.Hint(ev.TaskID, ev.Namespace)
		}
		if tail > 0 && len(lines) > tail {
			lines = lines[len(lines)-tail:]
		}
		if tail != 0 {
			lf.Lines = append(lf.Lines, lines...)
		}
		f.Logs = append(f.Logs, lf)
	}
	f.JobTemplate = ev.podAnnotations()["task.jobTemplate"]
	if f.JobTemplate == "" && ev.Job != nil {
		f.JobTemplate = ev.Job.Annotations["task.jobTemplate"]
	}
	return f
}

func podFacts(p *corev1.Pod) *PodFacts {
	pf := &PodFacts{Name: p.Name, Phase: string(p.Status.Phase), Reason: p.Status.Reason, Message: msg.OneLine(p.Status.Message),
		Node: p.Spec.NodeName, IP: p.Status.PodIP, Conditions: []string{}, Containers: []ContainerFact{}}
	for _, c := range p.Status.Conditions {
		// The conditions that explain a failure; Ready=False on a finished
		// pod says nothing more than its phase.
		if (c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse) || (c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue) ||
			(c.Type == corev1.PodInitialized && c.Status == corev1.ConditionFalse) {
			pf.Conditions = append(pf.Conditions, condition(string(c.Type), string(c.Status), c.Reason, c.Message))
		}
	}
	for _, c := range p.Spec.Containers {
		cf := ContainerFact{Name: c.Name, State: "not created", MemoryLimit: memoryLimit(&c)}
		if cs := containerStatus(p, c.Name); cs != nil {
			cf.Restarts = cs.RestartCount
			switch s := cs.State; {
			case s.Running != nil:
				cf.State = "running"
			case s.Waiting != nil:
				cf.State, cf.Reason, cf.Message = "waiting", s.Waiting.Reason, msg.OneLine(s.Waiting.Message)
			case s.Terminated != nil:
				code := s.Terminated.ExitCode
				cf.State, cf.Reason, cf.Message, cf.ExitCode = "terminated", s.Terminated.Reason, msg.OneLine(s.Terminated.Message), &code
			}
			if t := cs.LastTerminationState.Terminated; t != nil {
				cf.Last = fmt.Sprintf("%s, exit %d", orText(t.Reason, "Error"), t.ExitCode)
			}
		}
		pf.Containers = append(pf.Containers, cf)
	}
	return pf
}

func condition(typ, status, reason, message string) string {
	s := typ + "=" + status
	if reason != "" {
		s += " " + reason
	}
	if m := msg.OneLine(message); m != "" {
		s += ": " + m
	}
	return s
}

// Age is how long ago t was, rounded for people ("3m", "2h").
func Age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Hour).String()
}
