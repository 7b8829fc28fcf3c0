package cmd

import (
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// traceDoc is `trace -o json|yaml`: the diagnosis (taskId, overlord,
// reachedBy, leader, runningRule, steps, failedStep, cause, fix,
// exitCode, overlordLog), the Overlord pods read, and the trace of the
// Overlord's own log.
type traceDoc struct {
	*probe.Diagnosis
	OverlordPods []string      `json:"overlordPods"`
	LogTrace     *trace.Result `json:"logTrace"`
}

// probeMarks are the step markers; unknown shares the "missing" marker.
func probeMarks(m map[trace.Status]string) map[probe.Status]string {
	return map[probe.Status]string{probe.OK: m[trace.OK], probe.Fail: m[trace.Fail], probe.Skipped: m[trace.Skipped], probe.Unknown: m[trace.Missing]}
}

// printDiagnosis writes the diagnosis for people: how the Overlord was
// reached, the RUNNING rule, the Overlord's log, the five steps with
// their evidence and command, and the failed layer's cause and fix.
func printDiagnosis(out io.Writer, d *probe.Diagnosis, res *trace.Result, podPrefix bool, marks map[trace.Status]string) {
	fmt.Fprintf(out, "Live-log path of task %s (namespace %s)\n", d.TaskID, orText(d.Namespace, "<none>"))
	if d.Overlord != "" {
		fmt.Fprintf(out, "  Overlord: %s, reached by %s\n", d.Overlord, d.ReachedBy)
	} else {
		fmt.Fprintf(out, "  Overlord: not asked\n")
	}
	if d.Leader != "" {
		fmt.Fprintf(out, "  Leader: %s\n", d.Leader)
	}
	fmt.Fprintf(out, "  RUNNING rule: %s\n", d.RunningRule)
	if d.OverlordLog != "" {
		fmt.Fprintf(out, "  Overlord log: %s\n", d.OverlordLog)
	}
	if res != nil && len(res.Trace) > 0 {
		fmt.Fprintf(out, "  Instrumented lines of the task's latest request:\n")
		for _, l := range res.Trace {
			fmt.Fprintln(out, linePrefix(l.Pod, podPrefix)+l.Text)
		}
	}
	pm := probeMarks(marks)
	width := 0
	for _, m := range pm {
		width = max(width, len([]rune(m)))
	}
	fmt.Fprintln(out, "Steps:")
	for _, s := range d.Steps {
		m := pm[s.Status]
		fmt.Fprintf(out, "  %s%s %d %-10s %-8s %s\n", m, strings.Repeat(" ", width-len([]rune(m))), s.Step, s.ID, s.Status, s.Summary)
		pad := strings.Repeat(" ", width+4)
		for _, e := range s.Evidence {
			fmt.Fprintf(out, "%s- %s\n", pad, e)
		}
		for _, l := range s.Lines {
			fmt.Fprintf(out, "%s| %s\n", pad, l)
		}
		if s.Command != "" && s.Status != probe.OK {
			fmt.Fprintf(out, "%s$ %s\n", pad, s.Command)
		}
	}
	if d.FailedStep == nil {
		fmt.Fprintln(out, "The Overlord serves the task's live log.")
		return
	}
	fmt.Fprintf(out, "Failed layer: step %d %s (exit %d)\n", d.FailedStep.Number(), d.Failed(), d.ExitCode)
	fmt.Fprintf(out, "Cause: %s\n", d.Cause)
	fmt.Fprintf(out, "Fix:   %s\n", d.Fix)
}

func podNames(pods []corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for i := range pods {
		out = append(out, pods[i].Namespace+"/"+pods[i].Name)
	}
	return out
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
