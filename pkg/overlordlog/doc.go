// Package overlordlog finds the Apache Druid Overlord's pods and reads
// their logs through the API server's pods/log, feeding every line to a
// consumer (a trace.Tracer or trace.Summarizer) as it arrives: a log is
// never held in memory, whatever its size.
//
// It owns the Overlord's pod labels (the Druid Helm chart's
// component=overlord, the druid-operator's), the log window of a task (from
// its Job's creation) and the line reading (the kubelet's timestamps, a
// bound on a line's length). It takes kube.Interface and an Opener seam, so
// tests feed canned streams without a cluster; it knows nothing of the
// markers (package trace) and never prints.
package overlordlog
