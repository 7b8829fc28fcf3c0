package cmd

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/postmortem"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
)

// printWhy writes the post-mortem for people: the verdict on the first
// line, then the evidence (the matching facts first, marked *), then the
// fix, then the other signatures that matched.
func printWhy(out io.Writer, rep *postmortem.Report, now time.Time, color bool) {
	w := &whyWriter{out: out}
	verdict := rep.Verdict
	if color {
		code := map[postmortem.Outcome]string{postmortem.Failed: "31", postmortem.Succeeded: "32"}[rep.Outcome]
		if code == "" {
			code = "33"
		}
		if word, rest, ok := strings.Cut(verdict, ":"); ok {
			verdict = termstyle.Paint(code, word) + ":" + rest
		}
	}
	w.line("%s", verdict)
	sig := "no known failure signature matched"
	switch {
	case rep.Signature != "" && rep.Known:
		sig = "signature " + rep.Signature
	case rep.Signature != "":
		sig = "no known failure signature matched (" + rep.Signature + ")"
	case rep.Outcome == postmortem.Succeeded:
		sig = "nothing failed"
	case rep.Outcome == postmortem.Running || rep.Outcome == postmortem.Pending:
		sig = "nothing failed yet"
	case rep.Outcome == postmortem.Unknown:
		sig = "nothing found"
	}
	w.line("Task %s in namespace %s; %s", rep.TaskID, orDash(rep.Namespace), sig)
	w.line("")
	w.line("Evidence:")
	if len(rep.Findings) > 0 {
		for _, e := range rep.Findings[0].Evidence {
			w.line("  * %s", e)
		}
	}
	printFacts(w, rep.Evidence, now)
	for _, u := range rep.Unread {
		w.row("Not read", "%s: %s", u.What, u.Reason)
	}
	if len(rep.Findings) > 0 {
		w.line("")
		w.line("Fix:")
		for _, f := range rep.Fix {
			w.line("  - %s", f)
		}
		if ref := rep.Findings[0].Reference; ref != "" {
			w.line("  See %s", referenceURL(ref))
		}
	}
	printCauses(w, rep.Causes)
	if len(rep.Findings) > 1 {
		w.line("")
		w.line("Also matched:")
		for _, f := range rep.Findings[1:] {
			w.line("  %-18s %s", f.Signature, f.Cause)
		}
	}
}

func printFacts(w *whyWriter, f postmortem.Facts, now time.Time) {
	if j := f.Job; j != nil {
		state := fmt.Sprintf("active %d, succeeded %d, failed %d", j.Active, j.Succeeded, j.Failed)
		if len(j.Conditions) > 0 {
			var conds []string
			for _, c := range j.Conditions {
				short, _, _ := strings.Cut(c, ": ") // the messages are in the JSON
				conds = append(conds, short)
			}
			state = strings.Join(conds, ", ")
		}
		w.row("Job", "%s: %s (created %s ago)", j.Name, state, postmortem.Age(now, j.Created))
	} else {
		w.row("Job", "none (a finished task's Job is deleted by the Overlord unless druid.indexer.runner.debugJobs=true)")
	}
	if p := f.Pod; p != nil {
		phase := p.Phase
		if p.Reason != "" {
			phase += " (" + p.Reason + ")"
		}
		w.row("Pod", "%s: %s on node %s, IP %s", p.Name, phase, msg.OrNone(p.Node), msg.OrNone(p.IP))
		for _, c := range p.Containers {
			s := c.Name + ": " + c.State
			if c.Reason != "" {
				s += " " + c.Reason
			}
			if c.ExitCode != nil {
				s += fmt.Sprintf(", exit %d", *c.ExitCode)
			}
			if c.Message != "" {
				s += ": " + c.Message
			}
			if c.Last != "" {
				s += "; previous instance: " + c.Last
			}
			if c.MemoryLimit != "" {
				s += "; memory limit " + c.MemoryLimit
			}
			w.more("%s", s)
		}
		for _, c := range p.Conditions {
			if !strings.HasPrefix(c, "PodScheduled") {
				c, _, _ = strings.Cut(c, ": ") // the message is the pod's, above
			}
			w.more("%s", c)
		}
	}
	if o := f.Overlord; o != nil {
		switch {
		case !o.Known:
			w.row("Overlord", "never heard of the task (404) at %s", o.URL)
		default:
			s := o.StatusCode
			if o.DurationMs > 0 {
				s += fmt.Sprintf(" after %s", time.Duration(o.DurationMs)*time.Millisecond)
			}
			s += ", runnerStatusCode " + o.RunnerStatusCode
			if o.ErrorMsg != "" {
				s += ": " + msg.OneLine(o.ErrorMsg)
			}
			w.row("Overlord", "%s", s)
			if o.Location != "" {
				w.more("location %s", o.Location)
			}
		}
	}
	if f.JobTemplate != "" {
		w.row("Template", "task.jobTemplate %s", f.JobTemplate)
	}
	if len(f.Elsewhere) > 0 {
		w.row("Elsewhere", "a Job of this task exists in namespace %s", strings.Join(f.Elsewhere, ", "))
	}
	for i, l := range f.OverlordLog {
		label := ""
		if i == 0 {
			label = "Overlord"
		}
		w.row(label, "| %s", l)
	}
	for i, e := range f.Events {
		label := ""
		if i == 0 {
			label = "Events"
		}
		w.row(label, "%s %s %s %s: %s", e.LastSeen.Format(time.RFC3339), e.Object, e.Type, e.Reason, e.Message)
	}
	for _, l := range f.Logs {
		head := fmt.Sprintf("%s: %s", l.Where, plural(int64(l.TotalLines), "line"))
		if l.Truncated {
			head = fmt.Sprintf("%s: the last %s read", l.Where, plural(int64(l.TotalLines), "line"))
		}
		if len(l.Lines) < l.TotalLines {
			head += fmt.Sprintf(", the last %d shown", len(l.Lines))
		}
		w.row("Log", "%s", head)
		if l.Rotated != "" {
			w.more("warning: %s", l.Rotated)
		}
		for _, line := range l.Lines {
			w.more("| %s", line)
		}
	}
}

// printCauses lists the causes of a peon that left no status, most
// likely first, each with what tells it apart and its fix (none for the
// ruled-out ones).
func printCauses(w *whyWriter, causes []postmortem.Cause) {
	if len(causes) == 0 {
		return
	}
	w.line("")
	w.line("Causes, most likely first (what tells them apart):")
	for _, c := range causes {
		w.line("  %-10s %s: %s (exit %d)", c.Likelihood, c.ID, c.Cause, c.ExitCode)
		for _, e := range c.Evidence {
			w.line("             %s", e)
		}
		if c.Likelihood == postmortem.RuledOut {
			continue
		}
		for _, f := range c.Fix {
			w.line("             fix: %s", f)
		}
	}
}

// referenceURL turns "apache/druid#15527" into its GitHub address.
func referenceURL(ref string) string {
	if repo, num, ok := strings.Cut(ref, "#"); ok {
		return "https://github.com/" + repo + "/issues/" + num
	}
	return ref
}

// whyWriter writes labelled rows: "  Label     text", continuation lines
// aligned under the text.
type whyWriter struct{ out io.Writer }

func (w *whyWriter) line(format string, args ...any) { fmt.Fprintf(w.out, format+"\n", args...) }

func (w *whyWriter) row(label, format string, args ...any) {
	fmt.Fprintf(w.out, "  %-9s "+format+"\n", append([]any{label}, args...)...)
}

func (w *whyWriter) more(format string, args ...any) {
	fmt.Fprintf(w.out, "            "+format+"\n", args...)
}
