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

// logLines are the Overlord log lines that are evidence of step id.
func (e *evaluator) logLines(id trace.StepID) []string {
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
