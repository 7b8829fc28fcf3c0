package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// Status is a step's outcome.
type Status string

// The outcomes of a step.
const (
	OK      Status = "ok"
	Fail    Status = "fail"
	Skipped Status = "skipped" // a step before it failed
	Unknown Status = "unknown" // could not be asked
)

// Step is one layer of the live-log path: its JSON form is part of
// `trace -o json`.
type Step struct {
	Step   int          `json:"step"`
	ID     trace.StepID `json:"id"`
	Status Status       `json:"status"`
	// Summary is the step's verdict in one line.
	Summary string `json:"summary"`
	// Evidence names the answers, objects and log lines it rests on.
	Evidence []string `json:"evidence"`
	// Command inspects or fixes the layer.
	Command string `json:"command,omitempty"`
	// Lines are the Overlord's own log lines that bear on the layer.
	Lines []string `json:"lines"`
}

// Diagnosis is the verdict on one task: the JSON of `trace -o json`
// (with the log trace beside it).
type Diagnosis struct {
	TaskID    string `json:"taskId"`
	Namespace string `json:"namespace"`
	// Overlord names the Overlord asked ("" when none); ReachedBy says how.
	Overlord  string `json:"overlord"`
	ReachedBy string `json:"reachedBy"`
	// Leader is the leader's URL from GET /leader.
	Leader      string     `json:"leader,omitempty"`
	RunningRule RuleChoice `json:"runningRule"`
	Steps       []Step     `json:"steps"`
	// FailedStep is the step that stopped the path (null when the live
	// log is served).
	FailedStep *trace.StepID `json:"failedStep"`
	Cause      string        `json:"cause"`
	Fix        string        `json:"fix"`
	ExitCode   int           `json:"exitCode"`
	// OverlordLog says what the Overlord pods' own log holds (and, when
	// it holds none of Druid's lines, why and how to fix it).
	OverlordLog string `json:"overlordLog,omitempty"`
}

// Failed is the failed step's ID, "" when none failed.
func (d *Diagnosis) Failed() trace.StepID {
	if d.FailedStep == nil {
		return ""
	}
	return *d.FailedStep
}

// stop is a step's verdict when the path stops there.
type stop struct {
	cause, fix string
	code       int
	// blind: the Overlord could not be asked; the later steps show what
	// Kubernetes alone says instead of "skipped".
	blind bool
}

type evaluator struct {
	a    *Answers
	rule RuleChoice
}

// Evaluate decides the five steps from the answers.
func Evaluate(a *Answers) *Diagnosis {
	if a.Now.IsZero() {
		a.Now = time.Now()
	}
	o := &a.Overlord
	e := &evaluator{a: a, rule: ChooseRule(o.Config, o.ConfigErr, o.Where != "", a.SharedInformers)}
	if r := a.Logs.Trace; !e.rule.Read && a.SharedInformers == nil && r != nil && r.Log != nil && r.Log.Informer {
		// The properties are unknown, but the Overlord's log holds the
		// shared-informer client's statements (CachingKubernetesPeonClient).
		e.rule = RuleChoice{Rule: druid.RunningByPhase, Mode: druid.RunningByPhase.Mode(), Text: druid.RunningByPhase.Text(),
			Source: "the Overlord's log holds the shared-informer client's lines (CachingKubernetesPeonClient, 36+)"}
	}
	d := &Diagnosis{TaskID: a.TaskID, Namespace: a.Namespace, Overlord: o.Where, ReachedBy: o.How, Leader: o.LeaderURL,
		RunningRule: e.rule, Steps: []Step{}, OverlordLog: overlordLogNote(a)}
	layers := []func(*Step) *stop{e.request, e.workItem, e.lifecycle, e.running, e.logWatch}
	var stopped *stop
	for i, f := range layers {
		s := Step{Step: i + 1, ID: trace.Steps[i], Evidence: []string{}, Lines: []string{}}
		switch {
		case stopped != nil && stopped.blind:
			e.kubeOnly(&s)
		case stopped != nil:
			s.Status, s.Summary = Skipped, "skipped: step "+string(d.Failed())+" failed"
		default:
			if st := f(&s); st != nil {
				stopped = st
				if s.Status == "" {
					s.Status = Fail
				}
				id := s.ID
				d.FailedStep, d.Cause, d.Fix, d.ExitCode = &id, st.cause, st.fix, st.code
			} else if s.Status == "" {
				s.Status = OK
			}
		}
		s.Lines = append(s.Lines, e.logLines(s.ID)...)
		d.Steps = append(d.Steps, s)
	}
	if stopped == nil {
		d.Cause = "the Overlord serves the task's live log"
	}
	return d
}

func (s *Step) add(format string, args ...any) {
	s.Evidence = append(s.Evidence, fmt.Sprintf(format, args...))
}

func (e *evaluator) ns() string {
	if e.a.Namespace == "" {
		return ""
	}
	return " -n " + e.a.Namespace
}

// overlordFlag is how the fix commands name the Overlord.
func (e *evaluator) overlordFlag() string {
	if strings.HasPrefix(e.a.Overlord.How, "--overlord ") || e.a.Overlord.How == "--overlord" {
		return " --overlord " + e.a.Overlord.Where
	}
	return ""
}

func (e *evaluator) request(s *Step) *stop {
	o := &e.a.Overlord
	id := e.a.TaskID
	if o.Where == "" {
		s.Status, s.Summary = Unknown, "no Overlord to ask: "+o.NoneWhy
		s.Command = "kubectl port-forward" + e.ns() + " svc/OVERLORD_SERVICE 8090 & kubectl druid-logs trace " + id + e.ns() + " --overlord http://localhost:8090"
		return &stop{blind: true, code: exitcode.Error,
			cause: e.blindCause("no Overlord could be asked (" + o.NoneWhy + ")"),
			fix:   "name the Overlord: --overlord URL, --overlord-service NAME[:PORT], or --overlord-pod POD; then: " + s.Command}
	}
	s.add("asked %s, reached by %s", o.Where, o.How)
	if he := refused(o.StatusErr, o.LeaderErr); he != nil {
		s.add("%s", msg.OneLine(he.Error()))
		if he.KubernetesStatus() {
			s.Summary = "the API server refused to proxy to the Overlord (" + fmt.Sprint(he.StatusCode) + ")"
			s.Command = "kubectl auth can-i get pods/proxy" + e.ns() + "; kubectl auth can-i get services/proxy" + e.ns()
			return &stop{code: exitcode.Forbidden, blind: true,
				cause: "the Kubernetes API server refused the plugin's request to proxy to the Overlord " + o.Where + ": " + kubeMessage(he.Body),
				fix:   "grant get on pods/proxy (or services/proxy) in the Overlord's namespace, or reach it directly with --overlord URL (kubectl port-forward)"}
		}
		s.Summary = fmt.Sprintf("the Overlord refused the plugin's credentials (%d %s)", he.StatusCode, statusText(he.StatusCode))
		fix := "pass Druid credentials that may read tasks (STATE read): --overlord-credentials-file FILE (user:password or a token), or env " +
			overlord.EnvUser + "/" + overlord.EnvPassword + " or " + overlord.EnvToken
		if o.Proxied {
			fix = "Druid credentials cannot pass the Kubernetes API server's proxy: reach the Overlord with kubectl port-forward and " +
				"--overlord http://localhost:PORT with --overlord-credentials-file FILE"
		}
		s.Command = "kubectl druid-logs trace " + id + e.ns() + " --overlord URL --overlord-credentials-file FILE"
		return &stop{code: exitcode.Forbidden, fix: fix, blind: true,
			cause: fmt.Sprintf("the Overlord %s refused the plugin's credentials: %d %s to %s", o.Where, he.StatusCode, statusText(he.StatusCode), he.URL)}
	}
	leader := orText(o.LeaderURL, "unknown (GET /leader gave none)")
	switch {
	case o.IsLeader != nil && *o.IsLeader:
		s.add("GET /druid/indexer/v1/isLeader: 200 {\"leader\":true}")
	case o.IsLeader != nil:
		s.add("GET /druid/indexer/v1/isLeader: 404 {\"leader\":false}; GET /druid/indexer/v1/leader: %s", leader)
		if o.Status == nil && !isNotFound(o.StatusErr) {
			s.Summary = "this Overlord is not the leader; the leader is " + leader
			s.Command = "kubectl druid-logs trace " + id + e.ns() + " --overlord " + orText(o.LeaderURL, "LEADER_URL")
			return &stop{code: exitcode.Error, blind: true,
				cause: e.blindCause(fmt.Sprintf("%s is not the leader Overlord (GET /isLeader: 404 {\"leader\":false}); the leader is %s "+
					"and its redirect could not be followed: %s", o.Where, leader, errText(o.StatusErr))),
				fix: "ask the leader: --overlord " + orText(o.LeaderURL, "LEADER_URL") + " (through kubectl port-forward to the leader's pod if its address is inside the cluster)"}
		}
		s.add("the task's status came from the leader through the non-leader's redirect")
	case o.LeaderErr != nil:
		s.add("GET /druid/indexer/v1/isLeader failed: %s", errText(o.LeaderErr))
	}
	if o.Status == nil && !isNotFound(o.StatusErr) {
		s.Summary = "cannot reach the Overlord: " + errText(o.StatusErr)
		s.Command = "kubectl druid-logs trace " + id + e.ns() + " --overlord URL"
		return &stop{code: exitcode.Error, blind: true,
			cause: e.blindCause("the Overlord " + o.Where + " did not answer GET /task/" + id + "/status: " + errText(o.StatusErr)),
			fix:   "check that the Overlord runs and this address reaches it (kubectl get pods" + e.ns() + " -l component=overlord), or name it with --overlord URL"}
	}
	s.Summary = "the Overlord answered"
	if o.IsLeader != nil && *o.IsLeader {
		s.Summary += " and is the leader"
	}
	return nil
}

func (e *evaluator) workItem(s *Step) *stop {
	a, o := e.a, &e.a.Overlord
	id := a.TaskID
	if isNotFound(o.StatusErr) {
		s.Summary = "GET /task/" + id + "/status: 404: the Overlord does not know the task"
		s.add("GET /druid/indexer/v1/task/%s/status: 404 {\"task\":%q,\"status\":null}", id, id)
		cause := "the Overlord does not know task " + id + " (GET /task/{id}/status answered 404): a mistyped ID, another Druid cluster, or a task purged from the metadata store"
		if j := a.Kube.Job; j != nil {
			s.add("yet Job %s in %s carries task.id %s", j.Name, j.Namespace, id)
			cause += "; yet Job " + j.Name + " carries its task.id: that Job belongs to another Overlord (another cluster, or druid.indexer.runner.overlordNamespace)"
		}
		s.Command = "kubectl druid-logs list" + e.ns()
		return &stop{code: exitcode.NotFound, cause: cause,
			fix: "check the task ID: kubectl druid-logs list" + e.ns() + " (or GET /druid/indexer/v1/tasks), and that this is the Overlord of the cluster that ran it"}
	}
	st := o.Status
	s.add("GET /druid/indexer/v1/task/%s/status: statusCode %s, runnerStatusCode %s, location %s", id, st.StatusCode,
		msg.OrNone(string(st.RunnerStatusCode)), locationText(st.Location))
	if o.ListsAsked {
		switch {
		case o.ListsErr != nil:
			s.add("task lists unavailable: %s", errText(o.ListsErr))
		case o.InList != "":
			s.add("listed in GET /druid/indexer/v1/%s", o.InList)
		default:
			s.add("in none of /runningTasks, /pendingTasks, /waitingTasks")
		}
	}
	switch st.Phase() {
	case overlord.PhaseSucceeded, overlord.PhaseFailed:
		return e.finished(s, st)
	case overlord.PhaseWaiting:
		s.Summary = "WAITING: active in the metadata store but not handed to the task runner"
		s.Command = "kubectl druid-logs follow " + id + e.ns() + " --wait"
		return &stop{code: exitcode.NotRunning,
			cause: "the task is WAITING (statusCode RUNNING, runnerStatusCode WAITING): the task queue has not handed it to the Kubernetes task runner yet " +
				"(it waits for its locks on datasource " + msg.OrNone(st.DataSource) + ", or the Overlord has just become the leader), so there is no work item, no Job and no log",
			fix: "wait: kubectl druid-logs follow " + id + e.ns() + " --wait streams it once its pod runs; if it stays WAITING, look for the task holding the locks (GET /druid/indexer/v1/lockedIntervals)"}
	case overlord.PhaseUnknown:
		s.Summary = "statusCode " + string(st.StatusCode) + " with runnerStatusCode " + msg.OrNone(string(st.RunnerStatusCode)) + ": the runner is stopping it"
		s.Command = "kubectl druid-logs trace " + id + e.ns() + e.overlordFlag()
		return &stop{code: exitcode.NotRunning,
			cause: "the runner no longer runs the task (runnerStatusCode " + msg.OrNone(string(st.RunnerStatusCode)) + ") but its completion is not recorded yet",
			fix:   "retry in a few seconds; the task then reports SUCCESS or FAILED: " + s.Command}
	}
	s.Summary = "the Kubernetes task runner has a work item (runnerStatusCode " + string(st.RunnerStatusCode) + ")"
	return nil
}

// finished explains a task that completed: no work item, its log is in
// task-log storage.
func (e *evaluator) finished(s *Step, st *overlord.TaskStatusPlus) *stop {
	a, o := e.a, &e.a.Overlord
	id := a.TaskID
	storage := "task-log storage"
	if o.Config != nil && o.Config.LogsType != "" {
		storage += " (druid.indexer.logs.type=" + o.Config.LogsType + ")"
	}
	s.Summary = fmt.Sprintf("finished: %s after %s; the runner dropped its work item", st.StatusCode, time.Duration(st.Duration)*time.Millisecond)
	if st.ErrorMsg != "" {
		s.add("errorMsg: %s", msg.OneLine(st.ErrorMsg))
	}
	where := "its log is now in " + storage
	switch {
	case o.Log != nil && o.Log.Code == 200:
		where += fmt.Sprintf("; GET /task/%s/log served %d bytes from it", id, o.Log.Bytes)
		s.add("GET /druid/indexer/v1/task/%s/log: 200, %d bytes (from %s)", id, o.Log.Bytes, storage)
	case o.Log != nil:
		where += "; but GET /task/" + id + "/log answered 404 (" + o.Log.Message + "): no log was saved (log4j/task-log push failed, or druid.indexer.logs.type=noop)"
		s.add("GET /druid/indexer/v1/task/%s/log: 404 %q", id, o.Log.Message)
	}
	s.Command = "kubectl druid-logs follow " + id + e.ns() + orText(e.overlordFlag(), " --overlord URL")
	fix := "read the stored log: " + s.Command
	cause := fmt.Sprintf("the task has finished (%s): a finished task has no live log; %s", st.StatusCode, where)
	if st.Phase() == overlord.PhaseFailed {
		fix = "see why it failed: kubectl druid-logs why " + id + e.ns() + orText(e.overlordFlag(), " --overlord URL") + "; " + fix
		cause += e.failedWhy(s)
	}
	return &stop{code: exitcode.NotRunning, fix: fix, cause: cause}
}

// failedWhy says why a FAILED task failed when its evidence shows it: the
// Overlord's log (the runner's reason, the root cause of the launch's
// exception or the alert) and the warnings of its Job, if it still exists
// (FailedCreate: quota, admission).
func (e *evaluator) failedWhy(s *Step) string {
	why := ""
	if r := e.a.Logs.Trace; r != nil && r.Log != nil {
		if reason := r.Log.Outcome.FailureReason(); reason != "" {
			why += "; it failed, by the Overlord's log: " + reason
		}
	}
	if k := &e.a.Kube; k.Job != nil {
		if w := addEvents(s, k.JobEvents, k.EventsErr); w != "" {
			why += "; Job " + k.Job.Name + "'s events: " + w
		}
	}
	return why
}

// kubeMessage is the message of a Kubernetes Status body, else the body.
func kubeMessage(body string) string {
	var st struct {
		Message string `json:"message"`
	}
	if json.Unmarshal([]byte(body), &st) == nil && st.Message != "" {
		return st.Message
	}
	return msg.OneLine(body)
}

// refused returns the first 401/403 among errs.
func refused(errs ...error) *overlord.HTTPError {
	for _, err := range errs {
		var he *overlord.HTTPError
		if errors.As(err, &he) && he.Unauthorized() {
			return he
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var nf *overlord.NotFoundError
	return errors.As(err, &nf)
}

func errText(err error) string {
	if err == nil {
		return "no answer"
	}
	return msg.OneLine(err.Error())
}

func statusText(code int) string {
	switch code {
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	}
	return ""
}

func locationText(l overlord.TaskLocation) string {
	if l.Host == "" {
		return "unknown"
	}
	s := fmt.Sprintf("%s:%d", l.Host, l.Port)
	if l.K8sPodName != "" {
		s += " (pod " + l.K8sPodName + ")"
	}
	return s
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
