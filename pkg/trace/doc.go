// Package trace follows a Druid task's live-log request through the layers
// of an Overlord's own log, as the live-log diagnostics guide does by hand:
// the API entry (KubernetesTaskRunner, tag [STREAM]), the work item
// ([WORKITEM]), the peon lifecycle and its state ([LIFECYCLE]) and the
// Kubernetes client's log watch ([K8S-CLIENT]).
//
// It is pure: lines are fed one at a time (Tracer.Feed, Summarizer.Feed) and
// only the traced task's lines, plus a bounded context per logging thread,
// are kept, so an Overlord log of any size can be streamed through it.
// Markers are recognised by their ASCII tags and phrases, never by their
// emoji alone, because log pipelines mangle encodings. Lines that carry no
// task ID (Current task state, Namespace/Container) are attributed to the
// request handled by the same thread ([%t] of Druid's pattern) between that
// request's lines.
//
// Evaluate turns what a Tracer kept into the five steps (request,
// work-item, lifecycle, running, log-watch) with ok / fail / skipped /
// missing, the failing layer, its cause and fix. Summarize aggregates the
// outcomes of every request in the window.
//
// The package does no I/O and must not import client-go; it uses pkg/druid
// for the Job names of a task and pkg/exitcode for the shared exit codes.
package trace
