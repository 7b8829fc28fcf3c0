package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlordlog"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// CheckOverlordLog is the check of the Overlord's live log of a RUNNING
// task: GET /druid/indexer/v1/task/{id}/log, the path the web console uses.
const CheckOverlordLog = "overlord-log"

// overlordLogLimit bounds the read of the Overlord's answer: enough to
// tell content from nothing.
const overlordLogLimit = 64 << 10

// overlordTraceWindow is how far back the Overlord's own log is read to
// find the request the check just made.
const overlordTraceWindow = 2 * time.Minute

// LogReader is the part of the Overlord client the overlord-log check uses.
type LogReader interface {
	TaskLog(ctx context.Context, id string, offset int64) (io.ReadCloser, error)
}

// OverlordLogProbe is the Overlord's answer to the task's live-log request
// and, when it gave nothing, the trace of that request through its own log.
type OverlordLogProbe struct {
	Tried bool
	// Bytes is how much the Overlord returned, at most overlordLogLimit.
	Bytes int
	// Err is the request's error: an *overlord.NoLogError for Druid's 404.
	Err error
	// Trace is the request traced through the Overlord pods' logs; nil
	// when they could not be read (TraceErr says why).
	Trace    *trace.Result
	TraceErr error
}

// CollectOverlordLog asks the Overlord for a RUNNING task's live log with a
// bounded read and, when it returns nothing, traces that very request
// through the Overlord's own log (its pods, found by sel). It does nothing
// unless an Overlord is configured, answered the status request, and the
// task is RUNNING.
func CollectOverlordLog(ctx context.Context, k kube.Interface, obs *Observation, ovl LogReader, sel overlordlog.Selection) {
	if ovl == nil || obs.Overlord.Where == "" || obs.Overlord.Err != nil || obs.Res == nil || obs.Res.State.Phase != druid.Running {
		return
	}
	p := &obs.OverlordLog
	p.Tried = true
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	rc, err := ovl.TaskLog(rctx, obs.TaskID, 0)
	if err == nil {
		var n int64
		n, err = io.Copy(io.Discard, io.LimitReader(rc, overlordLogLimit))
		p.Bytes = int(n)
		if errors.Is(err, context.DeadlineExceeded) && n > 0 {
			err = nil // a slow stream that returned content is content
		}
		rc.Close()
	}
	cancel()
	p.Err = err
	if p.Bytes > 0 || (err != nil && !isNoLog(err)) {
		return
	}
	found, err := overlordlog.Find(ctx, k, sel)
	if err != nil {
		p.TraceErr = err
		return
	}
	var jobs []string
	for _, c := range druid.JobNames(obs.TaskID, "") {
		jobs = append(jobs, c.Name)
	}
	if obs.Res.Job != nil {
		jobs = append([]string{obs.Res.Job.Name}, jobs...)
	}
	res, reads := overlordlog.TraceTask(ctx, overlordlog.KubeOpener(k), found.Pods, "",
		overlordlog.Last(overlordTraceWindow, "the check's own request"),
		trace.Context{TaskID: obs.TaskID, Namespace: obs.Namespace, Job: jobs[0]}, trace.Options{TaskID: obs.TaskID, Jobs: jobs})
	for _, r := range reads {
		if r.Err != nil && len(res.OverlordPods) == 0 {
			p.TraceErr = fmt.Errorf("reading the log of %s: %w", r.Pod, r.Err)
			return
		}
	}
	p.Trace = res
}

func isNoLog(err error) bool {
	var nl *overlord.NoLogError
	return errors.As(err, &nl)
}

// overlordLogCheck: ok when the Overlord returns the RUNNING task's live
// log; fail when it answers 404 or nothing while the pod's log has lines,
// with the step its own log shows failing.
func overlordLogCheck(obs *Observation, ovlCheck Check) Check {
	p := obs.OverlordLog
	switch {
	case obs.Overlord.Where == "":
		return newCheck(CheckOverlordLog, Skipped, exitcode.OK, "skipped: no Overlord configured (--overlord URL or --overlord-service NAME)")
	case ovlCheck.Status == Fail:
		return skippedAfter(CheckOverlordLog, ovlCheck)
	case obs.Res == nil || obs.Res.State.Phase != druid.Running || !p.Tried:
		return newCheck(CheckOverlordLog, Skipped, exitcode.OK, "skipped: the task is not RUNNING; the Overlord streams live logs only then")
	case p.Bytes > 0:
		c := newCheck(CheckOverlordLog, OK, exitcode.OK, fmt.Sprintf("the Overlord streams this RUNNING task's live log: %d bytes in a bounded read", p.Bytes))
		c.add("GET /druid/indexer/v1/task/%s/log", obs.TaskID)
		return c
	case p.Err != nil && !isNoLog(p.Err):
		code := exitcode.Error
		var he *overlord.HTTPError
		if errors.As(p.Err, &he) && he.Unauthorized() {
			code = exitcode.Forbidden
		}
		c := newCheck(CheckOverlordLog, Fail, code, "cannot ask the Overlord for the live log: "+msg.OneLine(p.Err.Error()))
		c.Hint = "curl the Overlord: GET /druid/indexer/v1/task/" + obs.TaskID + "/log"
		return c
	}
	answer := "an empty body"
	if p.Err != nil {
		var nl *overlord.NoLogError
		errors.As(p.Err, &nl)
		answer = fmt.Sprintf("404 %q", nl.Message)
	}
	if obs.Log.Bytes == 0 {
		c := newCheck(CheckOverlordLog, Warning, exitcode.OK, "the Overlord returned no live log ("+answer+"), but the container has written nothing yet either")
		c.Hint = "kubectl druid-logs check " + obs.TaskID + nsArg(obs) + " again once the task has logged"
		return c
	}
	c := newCheck(CheckOverlordLog, Fail, exitcode.Error, "the Overlord cannot stream this RUNNING task's live log: it answered "+answer)
	c.add("the pod's log has lines (%d bytes in the logs check), so the Overlord should return them", obs.Log.Bytes)
	c.Hint = "kubectl druid-logs trace " + obs.TaskID + nsArg(obs) + " (follows the request through the Overlord's own log)"
	switch t := p.Trace; {
	case p.TraceErr != nil:
		c.add("the Overlord's own log could not be traced: %s", msg.OneLine(msg.APIMessage(p.TraceErr)))
	case !t.Markers:
		c.add("the Overlord's log (%s) has no live-log marker lines: this build does not log the flow, so the failing layer is unknown", joinPods(t.OverlordPods))
	case t.FailedStep != nil:
		s := *t.FailedStep
		c.Code = s.ExitCode()
		c.Message += fmt.Sprintf("; its log shows step %d (%s) %s", s.Number(), s, t.Steps[s.Number()-1].Status)
		c.add("trace of %s: %s", orNone(t.HandledBy, joinPods(t.OverlordPods)), t.Cause)
		c.Hint = t.Fix
		if s == trace.StepLogWatch {
			// trace's fix is this very check: point at its evidence instead.
			c.Hint = "compare with the checks above (the pod, Job and container as Kubernetes sees them); the whole request: kubectl druid-logs trace " +
				obs.TaskID + nsArg(obs)
		}
	default:
		c.add("the Overlord's log shows the stream obtained: the answer was lost between the Overlord and the client")
	}
	return c
}

func nsArg(obs *Observation) string {
	if obs.Namespace == "" {
		return ""
	}
	return " -n " + obs.Namespace
}

func orNone(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func joinPods(pods []string) string {
	if len(pods) == 0 {
		return "the Overlord"
	}
	return fmt.Sprint(pods)
}
