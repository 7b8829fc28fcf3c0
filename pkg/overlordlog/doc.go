// Package overlordlog finds the Apache Druid Overlord's pods and reads
// their logs through the API server's pods/log, feeding every line to a
// consumer (a trace.Tracer or trace.Summarizer) as it arrives: a log is
// never held in memory, whatever its size.
//
// It owns the Overlord's pod labels (the Druid Helm chart's
// component=overlord, the druid-operator's), the log window of a task (from
// its Job's creation) and the line reading (the kubelet's timestamps, a
// bound on a line's length), and wires the reads to package trace's
// consumers (TraceTask, Summarize). It takes kube.Interface and an Opener
// seam, so tests feed canned streams without a cluster. Every line of the
// window is fed, stack trace lines included (each with its kubelet
// timestamp), so package trace can keep a stack trace up to its root cause
// and see the leader lines of every pod; recognising Druid's statements
// and the guide's markers is package trace's business, and it never
// prints.
package overlordlog
