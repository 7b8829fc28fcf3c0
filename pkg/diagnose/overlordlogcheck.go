package diagnose

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// CheckOverlordLog is the check of the Overlord's live log of a RUNNING
// task: GET /druid/indexer/v1/task/{id}/log, the path the web console uses.
const CheckOverlordLog = "overlord-log"

// OverlordProbes are the ways to ask the Overlord and what names its
// service account.
type OverlordProbes struct {
	// Targets are the Overlord (one for --overlord or --overlord-service).
	Targets []probe.Target
	// Reviewer creates SubjectAccessReviews (nil: "cannot check").
	Reviewer probe.Reviewer
	// Pods are the Overlord's pods (their service account); PodsErr says
	// why there are none.
	Pods    []corev1.Pod
	PodsErr error
	// TraceLog traces the task through the Overlord pods' own log (nil:
	// not read); it is asked only when the Overlord answered 404 for a
	// RUNNING task's live log, to say why its own read failed.
	TraceLog func(ctx context.Context) *trace.Result
}

// ProbeOverlord asks the Overlord the probes' questions (leader, status,
// the runner's lists, the live log, the runtime properties), decides its
// layers with what Collect found in Kubernetes (pkg/probe), and applies
// the RUNNING rule of the runner's mode to the task's state. flag is
// --shared-informers when given. Without targets only the rule is set.
func ProbeOverlord(ctx context.Context, obs *Observation, p OverlordProbes, flag *bool) {
	if len(p.Targets) == 0 {
		applyRule(obs, probe.ChooseRule(nil, nil, false, flag))
		return
	}
	a := &probe.Answers{TaskID: obs.TaskID, Namespace: obs.Namespace, Container: obs.Container, Now: obs.Now, SharedInformers: flag}
	probe.AskOverlord(ctx, p.Targets, obs.TaskID, &a.Overlord)
	if r := obs.Res; r != nil {
		a.Kube.Job, a.Kube.Pod = r.Job, r.Pod
	} else {
		a.Kube.JobErr = obs.ResolveErr
	}
	a.Kube.JobEvents, a.Kube.PodEvents, a.Kube.EventsErr = obs.JobEvents, obs.PodEvents, obs.EventsErr
	a.Kube.PodLog = probe.PodLogAnswer{Tried: obs.Log.Tried, Bytes: obs.Log.Bytes, Err: obs.Log.Err}
	a.Kube.Review = probe.ReviewOverlord(ctx, p.Reviewer, p.Pods, p.PodsErr, obs.Namespace)
	if l, st := a.Overlord.Log, a.Overlord.Status; p.TraceLog != nil && l != nil && l.Code == 404 && st != nil && st.Phase() == overlord.PhaseRunning {
		a.Logs.Trace = p.TraceLog(ctx)
	}
	obs.Overlord = OverlordProbe{Where: a.Overlord.Where, Status: a.Overlord.Status, Err: a.Overlord.StatusErr}
	obs.Probe = probe.Evaluate(a)
	applyRule(obs, obs.Probe.RunningRule)
}

// applyRule records the rule and decides the task's state by it.
func applyRule(obs *Observation, rule probe.RuleChoice) {
	obs.Rule = rule
	if r := obs.Res; r != nil && r.Job != nil && rule.Rule != druid.RunningByIP {
		r.State = druid.StateWith(rule.Rule, r.Job, r.Pod, obs.Container, obs.Now)
	}
}

// overlordLogCheck is the probes' verdict on the live log: ok when the
// Overlord serves the RUNNING task's live log, fail with the cause the
// probes found (container, the Overlord's service account, the kubelet,
// the Overlord's own read) when it answers 404.
func overlordLogCheck(obs *Observation, ovlCheck Check) Check {
	d := obs.Probe
	switch {
	case obs.Overlord.Where == "":
		return newCheck(CheckOverlordLog, Skipped, exitcode.OK, "skipped: no Overlord configured (--overlord URL or --overlord-service NAME)")
	case ovlCheck.Status == Fail:
		return skippedAfter(CheckOverlordLog, ovlCheck)
	case d == nil:
		return newCheck(CheckOverlordLog, Skipped, exitcode.OK, "skipped: the Overlord was not asked")
	}
	s := d.Steps[len(d.Steps)-1]
	switch d.Failed() {
	case "":
		c := newCheck(CheckOverlordLog, OK, exitcode.OK, s.Summary)
		c.Evidence = append(c.Evidence, s.Evidence...)
		return c
	case s.ID:
		c := newCheck(CheckOverlordLog, Fail, d.ExitCode, d.Cause)
		c.Evidence = append(append(c.Evidence, s.Evidence...), s.Lines...)
		c.Hint = d.Fix
		return c
	}
	return newCheck(CheckOverlordLog, Skipped, exitcode.OK, "skipped: the Overlord does not report the task RUNNING (step "+
		string(d.Failed())+"); it serves live logs only then")
}
