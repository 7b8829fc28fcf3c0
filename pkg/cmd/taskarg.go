package cmd

import (
	"context"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
)

// taskArg is the TASK argument as people paste it: a task ID, pod/NAME,
// job/NAME, an Overlord API URL or a web-console URL (a plain Job or pod
// name is tried when no task has that ID: locate.Locator.ByName).
type taskArg struct {
	ref druid.TaskRef
}

// parseTaskArg reads the argument without a request; a bad one is a usage
// error.
func parseTaskArg(arg string) (taskArg, error) {
	ref, err := druid.ParseTaskRef(arg)
	if err != nil {
		return taskArg{}, exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err)
	}
	if ref.Kind == druid.RefTaskID {
		if err := druid.ValidateTaskID(ref.Value); err != nil {
			return taskArg{}, classify(err)
		}
	}
	return taskArg{ref: ref}, nil
}

// immediate returns the task ID when it needs no request (an ID or a URL).
func (a taskArg) immediate() (string, bool) {
	return a.ref.Value, a.ref.Kind == druid.RefTaskID
}

// taskID returns the task ID, reading the pod or Job named by pod/NAME or
// job/NAME, and says on stderr what was resolved.
func (a taskArg) taskID(ctx context.Context, loc *locate.Locator, note func(string, ...any)) (string, error) {
	if id, ok := a.immediate(); ok {
		if a.ref.FromURL != "" {
			note("task %s (from the %s)", id, a.ref.FromURL)
		}
		return id, nil
	}
	id, from, err := loc.TaskOfObject(ctx, a.ref.Kind, a.ref.Value)
	if err != nil {
		return "", err
	}
	if err := druid.ValidateTaskID(id); err != nil {
		return "", err
	}
	note("%s is task %s", from, id)
	return id, nil
}

// noteFrom says on stderr that a pasted Job or pod name was resolved.
func noteFrom(r *locate.Resolution, note func(string, ...any)) {
	if r != nil && r.From != "" {
		note("%s is task %s", r.From, r.TaskID)
	}
}
