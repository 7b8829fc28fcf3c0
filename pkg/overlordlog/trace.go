package overlordlog

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// TraceTask reads the window of the pods' logs, each through a
// trace.Tracer of the task, and evaluates the trace. Pods whose log could
// not be read are left out of the trace; reads say why.
func TraceTask(ctx context.Context, open Opener, pods []corev1.Pod, container string, w Window, tc trace.Context, opts trace.Options) (*trace.Result, []PodRead) {
	tracers := make(map[string]*trace.Tracer, len(pods))
	reads := Read(ctx, open, pods, container, w, func(pod string) Feeder {
		tracers[pod] = trace.NewTracer(pod, opts)
		return tracers[pod]
	})
	var traces []trace.PodTrace
	for _, r := range reads {
		if r.Err == nil {
			traces = append(traces, tracers[r.Pod].Finish())
		}
	}
	if tc.Window == "" {
		tc.Window = w.String()
	}
	return trace.Evaluate(tc, traces), reads
}

// Summarize reads the window of the pods' logs, each through a
// trace.Summarizer, and adds up the counts of the pods that could be read.
func Summarize(ctx context.Context, open Opener, pods []corev1.Pod, container string, w Window) (*trace.Summary, []PodRead) {
	sums := make(map[string]*trace.Summarizer, len(pods))
	reads := Read(ctx, open, pods, container, w, func(pod string) Feeder {
		sums[pod] = trace.NewSummarizer(pod)
		return sums[pod]
	})
	var counts []trace.Counts
	for _, r := range reads {
		if r.Err == nil {
			counts = append(counts, sums[r.Pod].Finish())
		}
	}
	return trace.Summarize(counts), reads
}
