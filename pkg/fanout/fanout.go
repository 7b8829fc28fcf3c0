// Package fanout runs one step for several targets at once (kubeconfig
// contexts: several Kubernetes clusters) and keeps each target's result
// and error apart, so that one target that is down is reported and
// skipped, never fatal to the others. It knows nothing of what a target
// is.
package fanout

import (
	"context"
	"sync"
)

// Result is one target's outcome.
type Result[T any] struct {
	Target string
	Value  T
	Err    error
}

// Each runs fn for every target concurrently and returns the results in
// the targets' order, when all have returned.
func Each[T any](ctx context.Context, targets []string, fn func(ctx context.Context, target string) (T, error)) []Result[T] {
	out := make([]Result[T], len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := fn(ctx, t)
			out[i] = Result[T]{Target: t, Value: v, Err: err}
		}()
	}
	wg.Wait()
	return out
}

// Succeeded returns the results without an error.
func Succeeded[T any](rs []Result[T]) []Result[T] {
	var out []Result[T]
	for _, r := range rs {
		if r.Err == nil {
			out = append(out, r)
		}
	}
	return out
}

// Failed returns the results with an error.
func Failed[T any](rs []Result[T]) []Result[T] {
	var out []Result[T]
	for _, r := range rs {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}
