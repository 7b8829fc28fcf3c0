package probe

import (
	"fmt"
	"strings"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// LogProbeBytes is the size of the live-log probe: GET
// /task/{id}/log?offset=-8192, the tail the web console asks for.
const LogProbeBytes = 8192

// maxLinesPerStep bounds the Overlord log lines quoted per step.
const maxLinesPerStep = 3

// stepPhrases tie stock Druid statements (log-statements.md, apache/druid
// master @4c0f5240c1, 27-39) to the layer they are evidence of.
var stepPhrases = map[trace.StepID][]string{
	trace.StepRequest: {"By the power of Grayskull", "I am no longer the leader", " HTTP/1.1 ", " HTTP/2.0 "},
	trace.StepWorkItem: {"Adding task[", "Asking taskRunner to run task[", "Received status[", "Completed task[",
		"Failed to run task", "Shutdown [", "disappeared", "Removing task["},
	trace.StepLifecycle: {"Submitting job[", "Successfully submitted job", "Submitted job[", "launched", "failed because"},
	trace.StepRunning: {"is in state[", "is in state [", "is now in Running", "Timed out waiting for",
		"execution caught an exception", "appeared and disappeared"},
	trace.StepLogWatch: {"Error streaming logs", "not found in cache, cannot stream logs", "Failed to stream log for task"},
}

// logLines are the Overlord log lines that are evidence of step id: the
// facts trace read from the stock statements (trace.TaskLog), else the
// stock lines that hold a statement of the layer.
func (e *evaluator) logLines(id trace.StepID) []string {
	if r := e.a.Logs.Trace; r != nil && r.Log != nil {
		return factLines(r.Log, id)
	}
	var out []string
	for _, l := range e.stockLines() {
		for _, p := range stepPhrases[id] {
			if strings.Contains(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	if len(out) > maxLinesPerStep {
		out = out[len(out)-maxLinesPerStep:]
	}
	return out
}

// factLines are the TaskLog's facts of a layer, oldest first.
func factLines(tl *trace.TaskLog, id trace.StepID) []string {
	var facts []*trace.Fact
	o := tl.Outcome
	if o == nil {
		o = &trace.Outcome{}
	}
	switch id {
	case trace.StepRequest:
		for i := range tl.Requests {
			facts = append(facts, &tl.Requests[i].Fact)
		}
	case trace.StepWorkItem:
		facts = append(facts, tl.Added, tl.Queued, o.Received, o.Completed)
		if o.Alert != nil {
			facts = append(facts, &o.Alert.Fact)
		}
	case trace.StepLifecycle:
		facts = append(facts, tl.Submitted, tl.Launched)
	case trace.StepRunning:
		facts = append(facts, tl.Running, o.FailedBecause, o.ExecutionError, o.PodWaitTimedOut)
	case trace.StepLogWatch:
		for i := range tl.LogReadErrors {
			facts = append(facts, &tl.LogReadErrors[i])
		}
	}
	var out []string
	for _, f := range facts {
		if f == nil {
			continue
		}
		l := f.Line
		if f.Stack != nil && f.Stack.RootCause != "" {
			l += " (root cause: " + f.Stack.RootCause + ")"
		}
		out = append(out, l)
	}
	if len(out) > maxLinesPerStep {
		out = out[len(out)-maxLinesPerStep:]
	}
	return out
}

// logReadError is the last failed live-log read the Overlord logged, with
// its root cause.
func (e *evaluator) logReadError() string {
	if r := e.a.Logs.Trace; r != nil && r.Log != nil {
		if lines := factLines(r.Log, trace.StepLogWatch); len(lines) > 0 {
			return lines[len(lines)-1]
		}
		return ""
	}
	return e.lastLogLine("Error streaming logs")
}

// logState is what the Overlord's log alone says of the task ("" when it
// says nothing).
func (e *evaluator) logState() string {
	r := e.a.Logs.Trace
	if r == nil || r.Log == nil || r.Log.State == "" || r.Log.State == trace.StateNotSeen {
		return ""
	}
	s := "the task is " + r.Log.State
	if r.Cause != "" {
		s += " (" + r.Cause + ")"
	}
	return s
}

// lastLogLine is the last stock line holding sub ("" = any).
func (e *evaluator) lastLogLine(sub string) string {
	lines := e.stockLines()
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], sub) {
			return lines[i]
		}
	}
	return ""
}

func (e *evaluator) stockLines() []string {
	r := e.a.Logs.Trace
	if r == nil {
		return nil
	}
	out := make([]string, 0, len(r.StockLines))
	for _, l := range r.StockLines {
		out = append(out, l.Line)
	}
	return out
}

// overlordLogNote says what the Overlord pods' log holds and, when it has
// none of Druid's lines, why and how to send them to stdout.
func overlordLogNote(a *Answers) string {
	l := &a.Logs
	pods := strings.Join(l.Pods, ", ")
	switch {
	case l.Err != nil:
		return "the Overlord pods' log could not be read: " + errText(l.Err)
	case len(l.Pods) == 0:
		return ""
	case l.Trace != nil && l.Trace.NoDruidLines && l.Trace.NoDruidLinesCause != "":
		return l.Trace.NoDruidLinesCause
	case l.Trace != nil && !l.Trace.NoDruidLines && l.Trace.Log != nil && l.Trace.Log.Lines > 0:
		s := fmt.Sprintf("the log of %s holds %d of Druid's lines about the task", pods, l.Trace.Log.Lines)
		if v := l.Trace.Log.DruidVersions; v != "" {
			s += " (statements of Druid " + v + ")"
		}
		return s
	case l.DruidLines > 0:
		s := fmt.Sprintf("the log of %s holds Druid's lines (%d of the last %d)", pods, l.DruidLines, l.TailLines)
		if r := l.Trace; r != nil && len(r.StockLines) == 0 {
			s += ", none naming the task or its Job in the window read"
		}
		return s
	}
	pod := l.Pods[0]
	ns, name, ok := strings.Cut(pod, "/")
	if !ok {
		ns, name = a.Namespace, pod
	}
	return fmt.Sprintf("the log of %s holds no line in Druid's pattern (%%d{ISO8601} %%p [%%t] %%c - %%m; %d lines read): "+
		"the Docker image's default log4j2 config writes the Overlord's log to the file log/overlord.log, not to stdout. "+
		"To send it to stdout, set env DRUID_LOG4J on the Overlord (Druid's distribution/docker/environment has a Console appender "+
		"config with org.apache.druid.jetty.RequestLog at DEBUG) or mount a log4j2.xml with a Console appender; "+
		"meanwhile read the file: kubectl exec -n %s %s -- tail -n 200 log/overlord.log",
		pods, l.TailLines, msg.OrNone(ns), name)
}
