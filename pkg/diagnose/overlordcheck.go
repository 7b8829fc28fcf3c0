package diagnose

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// overlordCheck reports what the Overlord knows: never existed (404),
// finished, queued without a pod, or running, and whether its view agrees
// with Kubernetes'.
func overlordCheck(obs *Observation) Check {
	p := obs.Overlord
	if p.Where == "" {
		return newCheck(CheckOverlord, Skipped, exitcode.OK, "skipped: no Overlord configured (--overlord URL or --overlord-service NAME)")
	}
	if d := obs.Probe; d != nil && d.Failed() == "request" {
		// Refused, not the leader, or unreachable: the probes say which.
		c := newCheck(CheckOverlord, Fail, d.ExitCode, "cannot ask the Overlord: "+d.Cause)
		c.Evidence = append(c.Evidence, d.Steps[0].Evidence...)
		c.Hint = d.Fix
		return c
	}
	var nf *overlord.NotFoundError
	var he *overlord.HTTPError
	switch {
	case errors.As(p.Err, &nf):
		c := newCheck(CheckOverlord, Fail, exitcode.NotFound, "the Overlord has never heard of this task (404): wrong ID, or another Druid cluster")
		c.add("asked %s", p.Where)
		c.Hint = "list the Overlord's tasks: GET /druid/indexer/v1/tasks?state=running (or the web console's Tasks view)"
		return c
	case errors.As(p.Err, &he) && he.Unauthorized():
		c := newCheck(CheckOverlord, Fail, exitcode.Forbidden, "the Overlord refused the credentials: "+msg.OneLine(he.Error()))
		c.Hint = "pass --overlord-credentials-file, or set DRUID_OVERLORD_USER/DRUID_OVERLORD_PASSWORD or DRUID_OVERLORD_TOKEN"
		return c
	case p.Err != nil:
		c := newCheck(CheckOverlord, Fail, exitcode.Error, "cannot ask the Overlord: "+msg.OneLine(p.Err.Error()))
		c.add("asked %s", p.Where)
		return c
	}
	st := p.Status
	c := newCheck(CheckOverlord, OK, exitcode.OK, "")
	if d := obs.Probe; d != nil {
		// Leader and the runner's lists, as the probes saw them.
		for _, e := range append(append([]string{}, d.Steps[0].Evidence...), d.Steps[1].Evidence...) {
			if strings.Contains(e, "isLeader") || strings.Contains(e, "Tasks") || strings.Contains(e, "asked ") {
				c.add("%s", e)
			}
		}
	}
	c.add("statusCode %s, runnerStatusCode %s, type %s, datasource %s", st.StatusCode, msg.OrNone(string(st.RunnerStatusCode)), msg.OrNone(st.Type), msg.OrNone(st.DataSource))
	if st.Location.Host != "" {
		c.add("location %s:%d (tls %d) pod %s", st.Location.Host, st.Location.Port, st.Location.TLSPort, msg.OrNone(st.Location.K8sPodName))
	}
	switch st.Phase() {
	case overlord.PhaseSucceeded, overlord.PhaseFailed:
		c.Message = fmt.Sprintf("finished: %s after %s; its log is in Druid's task-log storage", st.StatusCode, time.Duration(st.Duration)*time.Millisecond)
		if st.RunnerStatusCode == "WAITING" {
			c.add("runnerStatusCode WAITING on a finished task is a known Druid inconsistency: completion is decided by statusCode")
		}
		c.Hint = "kubectl druid-logs follow " + obs.TaskID + " --overlord ... prints the stored log (or GET /druid/indexer/v1/task/" + obs.TaskID + "/log)"
		if st.Phase() == overlord.PhaseFailed {
			c.Status, c.Code = Fail, exitcode.ContainerFailed
			if st.ErrorMsg != "" {
				c.add("errorMsg: %s", msg.OneLine(st.ErrorMsg))
			}
		}
	case overlord.PhasePending, overlord.PhaseWaiting:
		c.Status, c.Code = Warning, exitcode.NotRunning
		c.Message = fmt.Sprintf("queued or starting: statusCode RUNNING, runnerStatusCode %s: no pod with an IP yet, so no live log", st.RunnerStatusCode)
		c.Hint = "kubectl druid-logs follow " + obs.TaskID + " --wait"
	case overlord.PhaseRunning:
		c.Message = "RUNNING on " + msg.OrNone(st.Location.Host)
		if r := obs.Res; r != nil && r.Pod != nil && st.Location.K8sPodName != "" && st.Location.K8sPodName != r.Pod.Name {
			c.Status = Warning
			c.add("the Overlord's pod %s differs from the pod found, %s", st.Location.K8sPodName, r.Pod.Name)
		}
	default:
		c.Status = Warning
		c.Message = "unknown statusCode " + string(st.StatusCode)
	}
	return c
}
