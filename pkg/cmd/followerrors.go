package cmd

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/taskfollow"
)

// classifyFollow turns the follow engine's outcomes into messages and exit
// codes: the part of classify that knows what a follow can end with. ok is
// false for anything else.
func classifyFollow(err error) (e *exitcode.Err, ok bool) {
	var (
		notRunning *taskfollow.NotRunningError
		queued     *taskfollow.QueuedError
		notFound   *taskfollow.NotFoundError
		missing    *taskfollow.MissingContainerError
		failed     *taskfollow.ContainerFailedError
		deleted    *taskfollow.PodDeletedError
		taskFailed *taskfollow.TaskFailedError
		running    *taskfollow.StillRunningError
		ovl        *taskfollow.OverlordError
		tooMany    *taskfollow.TooManyError
	)
	switch {
	case errors.As(err, &tooMany):
		return exitcode.New(exitcode.Usage, tooMany.Error()+fmt.Sprintf(": raise it (--max-log-requests %d) or narrow the selection", tooMany.Selected), err), true
	case errors.As(err, &ovl):
		return overlordFailure(ovl), true
	case errors.As(err, &notRunning):
		return exitcode.New(exitcode.NotRunning, refusal(notRunning), err), true
	case errors.As(err, &queued):
		return exitcode.New(exitcode.NotRunning, queued.Error()+"\n"+
			"  Druid streams live logs only once the task's pod has an IP.\n"+
			"  Wait for it: kubectl druid-logs follow "+queued.TaskID+" --wait (with the same --overlord flags)", err), true
	case errors.As(err, &notFound):
		text := notFoundMessage(notFound.NotFoundError)
		if notFound.OverlordUnknown {
			text += "\n  The Overlord does not know this task either (404): a wrong ID, or another Druid cluster."
		}
		return exitcode.New(exitcode.NotFound, text, err), true
	case errors.As(err, &missing):
		return exitcode.New(exitcode.Misconfigured, fmt.Sprintf(
			"pod %s has no container %q (containers: %s)\n"+
				"  Druid reads peon logs only from the container named \"main\": name it so in the pod template\n"+
				"  (customTemplateAdapter), or pass -c to read another container.",
			missing.Pod, missing.Container, strings.Join(missing.Containers, ", ")), err), true
	case errors.As(err, &failed):
		return exitcode.New(exitcode.ContainerFailed, failed.Error()+details(failed.TaskID, failed.Namespace), err), true
	case errors.As(err, &deleted):
		return exitcode.New(exitcode.ContainerFailed, deleted.Error()+details(deleted.TaskID, deleted.Namespace), err), true
	case errors.As(err, &taskFailed):
		return exitcode.New(exitcode.ContainerFailed, msg.OneLine(taskFailed.Error()), err), true
	case errors.As(err, &running):
		return exitcode.New(exitcode.Error, running.Error(), err), true
	}
	return nil, false
}

// refusal explains why a task is not followed and what to do.
func refusal(e *taskfollow.NotRunningError) string {
	r := e.Res
	ns := nsArg(r.Namespace)
	var b strings.Builder
	if e.WaitedFor > 0 {
		fmt.Fprintf(&b, "gave up waiting after %s: task %q is still %s: %s\n", e.WaitedFor, r.TaskID, r.State.Phase, r.State.Reason)
		fmt.Fprintf(&b, "  See why: kubectl druid-logs check %s%s", r.TaskID, ns)
		return b.String()
	}
	fmt.Fprintf(&b, "task %q is %s, not RUNNING: %s\n", r.TaskID, r.State.Phase, r.State.Reason)
	pod := "<none yet>"
	if r.Pod != nil {
		pod = r.Pod.Name
	}
	fmt.Fprintf(&b, "  Job %s, pod %s, namespace %s.\n", r.Job.Name, pod, r.Namespace)
	if r.State.Phase == druid.Stopped {
		b.WriteString("  The task has finished: there is nothing left to follow.\n")
		if r.Pod != nil {
			fmt.Fprintf(&b, "  Its pod still exists; print its log: kubectl druid-logs follow %s%s --no-follow\n", r.TaskID, ns)
		}
		fmt.Fprintf(&b, "  Druid keeps the whole log in task-log storage: kubectl druid-logs follow %s%s --overlord URL (or --overlord-service auto)", r.TaskID, ns)
		return b.String()
	}
	b.WriteString("  Druid streams live logs only while a task is RUNNING (its pod has an IP).\n")
	fmt.Fprintf(&b, "  Wait for it: kubectl druid-logs follow %s%s --wait\n", r.TaskID, ns)
	fmt.Fprintf(&b, "  See why:     kubectl druid-logs check %s%s", r.TaskID, ns)
	return b.String()
}

// overlordFailure reports a failure of the Overlord the user named: its
// refusal of the credentials is a permission error, anything else an error
// of that Overlord, never of the API server.
func overlordFailure(e *taskfollow.OverlordError) *exitcode.Err {
	var h *overlord.HTTPError
	var n net.Error
	switch {
	case errors.As(e.Err, &h) && h.Unauthorized():
		return exitcode.New(exitcode.Forbidden, fmt.Sprintf("the Overlord %s refused the credentials (%d): %s\n"+
			"  Set them in --overlord-credentials-file (user:password or a token), or %s/%s or %s.",
			e.Overlord, h.StatusCode, msg.OneLine(h.Body), overlord.EnvUser, overlord.EnvPassword, overlord.EnvToken), e)
	case errors.As(e.Err, &n) || strings.Contains(e.Err.Error(), "connection refused"):
		return exitcode.New(exitcode.Error, "cannot reach the Overlord "+e.Overlord+": "+msg.OneLine(e.Err.Error()), e)
	}
	return exitcode.New(exitcode.Error, "the Overlord "+e.Overlord+" failed: "+msg.OneLine(e.Err.Error()), e)
}

func details(taskID, namespace string) string {
	return "\n  Details: kubectl druid-logs check " + taskID + nsArg(namespace)
}

func nsArg(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}
