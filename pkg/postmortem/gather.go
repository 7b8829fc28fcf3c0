package postmortem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// Overlord is the part of the Overlord client Gather uses.
type Overlord interface {
	String() string
	TaskStatus(ctx context.Context, id string) (*overlord.TaskStatus, error)
	TaskLog(ctx context.Context, id string, offset int64) (io.ReadCloser, error)
	TaskReports(ctx context.Context, id string) ([]byte, error)
	TaskPayload(ctx context.Context, id string) ([]byte, error)
}

// The names of the lookups that decide whether anything is known of a task.
const (
	WhatJob            = "Job"
	WhatOverlordStatus = "Overlord status"
)

// Options say how much Gather reads.
type Options struct {
	// Container is the task's container ("main").
	Container string
	// LogBytes keeps the last LogBytes of each log (the whole log is read).
	LogBytes int64
	// TailLines, when > 0, asks the kubelet for the last lines only.
	TailLines int64
	// Documents also reads the task's reports and payload (for bundles).
	Documents bool
}

// Gather reads everything that still exists about the task. Each source
// that cannot be read is recorded in Evidence.Unread; the error is only for
// a cancelled context or an ambiguous task ID (a Job in several namespaces
// with -A). ovl may be nil.
func Gather(ctx context.Context, kc kube.Interface, loc *locate.Locator, ovl Overlord, taskID string, opts Options) (*Evidence, error) {
	ev := &Evidence{TaskID: taskID, Namespace: loc.Namespace, Container: opts.Container, Now: time.Now()}
	g := &gatherer{ctx: ctx, kc: kc, ev: ev, opts: opts, ovl: ovl}
	var wg sync.WaitGroup
	if ovl != nil {
		ev.Overlord = &OverlordEvidence{URL: ovl.String()}
		wg.Add(1)
		go func() { defer wg.Done(); g.overlordStatus() }()
	}
	res, err := loc.Resolve(ctx, taskID, opts.Container)
	wg.Wait()
	var amb *locate.AmbiguousError
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, &amb):
		return nil, err
	case err != nil:
		g.unread(WhatJob, err)
	default:
		ev.Namespace, ev.Job, ev.Pod, ev.PodCount, ev.Rule = res.Namespace, res.Job, res.Pod, res.PodCount, res.Rule
		if res.From != "" && res.TaskID != taskID {
			g.renamed(res.TaskID, res.From)
		}
	}
	if ev.Job != nil {
		ev.JobNames = []string{ev.Job.Name}
	} else {
		for _, c := range druid.JobNames(ev.TaskID, loc.NamePrefix) {
			ev.JobNames = append(ev.JobNames, c.Name)
		}
	}
	g.around(&wg, res != nil && res.NotFound != nil && !loc.AllNamespaces, loc)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return ev, nil
}

type gatherer struct {
	ctx  context.Context
	kc   kube.Interface
	ev   *Evidence
	opts Options
	ovl  Overlord
	mu   sync.Mutex
}

// around reads, concurrently, what the Job, the pod and the Overlord's
// answer point at: events, logs, documents, other namespaces. It returns
// when all are read; logs keep the order pod, previous, Overlord.
func (g *gatherer) around(wg *sync.WaitGroup, searchElsewhere bool, loc *locate.Locator) {
	ev := g.ev
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	for _, name := range ev.JobNames {
		run(func() { g.events("Job", name, &ev.JobEvents) })
	}
	podName := ""
	switch {
	case ev.Pod != nil:
		podName = ev.Pod.Name
	case ev.Overlord != nil && ev.Overlord.Status != nil:
		podName = ev.Overlord.Status.Location.K8sPodName // a deleted pod's events outlive it
	}
	if podName != "" {
		run(func() { g.events("Pod", podName, &ev.PodEvents) })
	}
	logs := make([]*Log, 3)
	var start *logstart.Start // the current log's; read beside it
	if p := ev.Pod; p != nil {
		name := logContainer(p, g.opts.Container)
		cs := containerStatus(p, name)
		switch {
		case cs == nil || (cs.State.Running == nil && cs.State.Terminated == nil && cs.LastTerminationState.Terminated == nil):
			g.addUnread("pod log", fmt.Sprintf("container %s has not started%s", name, waitingWhy(cs)), 0)
		default:
			run(func() {
				if st, err := logstart.Read(g.ctx, g.kc, p, name); err == nil {
					start = &st
				}
			})
			run(func() { logs[0] = g.podLog(p, name, false) })
		}
		if cs != nil && (cs.RestartCount > 0 || cs.LastTerminationState.Terminated != nil) {
			run(func() { logs[1] = g.podLog(p, name, true) })
		}
	}
	if o := ev.Overlord; o != nil && o.Status != nil && (o.Status.Finished() || ev.Pod == nil) {
		run(func() { logs[2] = g.overlordLog() })
	}
	if g.ovl != nil && g.opts.Documents {
		run(func() { ev.Reports = g.document("Overlord reports", g.ovl.TaskReports) })
		run(func() { ev.Payload = g.document("Overlord task payload", g.ovl.TaskPayload) })
	}
	if searchElsewhere {
		run(func() { g.elsewhere(loc) })
	}
	wg.Wait()
	if logs[0] != nil {
		logs[0].Start = start
	}
	for _, l := range logs {
		if l != nil {
			ev.Logs = append(ev.Logs, *l)
		}
	}
}

// renamed takes the task's real ID when the argument was a Job or pod name
// (locate.Locator.ByName): the Overlord, asked under the name alongside
// the lookup, is asked again under the ID.
func (g *gatherer) renamed(id, from string) {
	g.ev.TaskID, g.ev.From = id, from
	if g.ovl == nil {
		return
	}
	kept := g.ev.Unread[:0]
	for _, u := range g.ev.Unread {
		if u.What != WhatOverlordStatus {
			kept = append(kept, u)
		}
	}
	g.ev.Unread = kept
	g.ev.Overlord = &OverlordEvidence{URL: g.ovl.String()}
	g.overlordStatus()
}

func (g *gatherer) overlordStatus() {
	st, err := g.ovl.TaskStatus(g.ctx, g.ev.TaskID)
	var nf *overlord.NotFoundError
	switch {
	case errors.As(err, &nf):
		g.ev.Overlord.NotFound = true
	case err != nil:
		g.unread(WhatOverlordStatus, err)
	default:
		g.ev.Overlord.Status = st.Status
	}
}

func (g *gatherer) events(kind, name string, into *[]corev1.Event) {
	items, err := kube.EventsAbout(g.ctx, g.kc, g.ev.Namespace, kind, name, 200)
	if err != nil {
		g.unread("events of "+kind+" "+name, err)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	*into = append(*into, items...)
}

func (g *gatherer) podLog(p *corev1.Pod, container string, previous bool) *Log {
	opts := &corev1.PodLogOptions{Container: container, Previous: previous}
	if g.opts.TailLines > 0 {
		opts.TailLines = &g.opts.TailLines
	}
	what, src := "pod log", FromPod
	if previous {
		what, src = "previous pod log", FromPodPrevious
	}
	rc, err := g.kc.Pods(p.Namespace).GetLogs(p.Name, opts).Stream(g.ctx)
	if err != nil {
		g.unread(what, err)
		return nil
	}
	defer rc.Close()
	t := &tail{limit: int(g.opts.LogBytes)}
	if _, err := io.Copy(t, rc); err != nil {
		g.unread(what, fmt.Errorf("read %d bytes, then: %w", t.total, err))
	}
	where := fmt.Sprintf("pod %s/%s container %s", p.Namespace, p.Name, container)
	if previous {
		where += " (previous instance)"
	}
	l := t.log(src, where)
	// The kubelet sent only the last TailLines lines: the log goes back further.
	l.Truncated = l.Truncated || (g.opts.TailLines > 0 && int64(bytes.Count(t.buf, []byte{'\n'})) >= g.opts.TailLines)
	return l
}

func (g *gatherer) overlordLog() *Log {
	rc, err := g.ovl.TaskLog(g.ctx, g.ev.TaskID, -g.opts.LogBytes)
	if err != nil {
		var nl *overlord.NoLogError
		if errors.As(err, &nl) {
			g.addUnread("Overlord log", "the Overlord has no log for it: "+msg.OneLine(nl.Message), 0)
			return nil
		}
		g.unread("Overlord log", err)
		return nil
	}
	defer rc.Close()
	t := &tail{limit: int(g.opts.LogBytes)}
	if _, err := io.Copy(t, rc); err != nil {
		g.unread("Overlord log", fmt.Errorf("read %d bytes, then: %w", t.total, err))
	}
	return t.log(FromOverlord, g.ovl.String()+"/task/"+g.ev.TaskID+"/log")
}

func (g *gatherer) document(what string, get func(context.Context, string) ([]byte, error)) []byte {
	b, err := get(g.ctx, g.ev.TaskID)
	var nd *overlord.NoDocumentError
	switch {
	case errors.As(err, &nd):
		g.addUnread(what, "the Overlord answered 404: "+orText(nd.Message, "no such document"), 0)
	case err != nil:
		g.unread(what, err)
	}
	return b
}

func (g *gatherer) elsewhere(loc *locate.Locator) {
	all := *loc
	all.AllNamespaces = true
	m, err := all.FindJob(g.ctx, g.ev.TaskID)
	var amb *locate.AmbiguousError
	var nf *locate.NotFoundError
	switch {
	case errors.As(err, &amb):
		g.ev.Elsewhere = amb.Namespaces
	case errors.As(err, &nf):
	case err != nil:
		g.unread("other namespaces", err)
	default:
		g.ev.Elsewhere = []string{m.Job.Namespace}
	}
}

// unread records a failed read with the exit code its error stands for.
func (g *gatherer) unread(what string, err error) {
	code := exitcode.Error
	var he *overlord.HTTPError
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || (errors.As(err, &he) && he.Unauthorized()) {
		code = exitcode.Forbidden
	}
	g.addUnread(what, msg.OneLine(msg.APIMessage(err)), code)
}

func (g *gatherer) addUnread(what, reason string, code int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ev.Unread = append(g.ev.Unread, Unread{What: what, Reason: reason, Code: code})
}

func waitingWhy(cs *corev1.ContainerStatus) string {
	if cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
		return " (" + cs.State.Waiting.Reason + ")"
	}
	return ""
}

// tail keeps the last limit bytes written to it (all if limit <= 0).
type tail struct {
	limit int
	buf   []byte
	total int64
}

// Write keeps p's bytes, dropping the oldest beyond the limit; it never fails.
func (t *tail) Write(p []byte) (int, error) {
	t.total += int64(len(p))
	t.buf = append(t.buf, p...)
	if t.limit > 0 && len(t.buf) > 2*t.limit {
		// Keep one byte more than the limit: it says whether the kept
		// bytes start a line.
		n := copy(t.buf, t.buf[len(t.buf)-t.limit-1:])
		t.buf = t.buf[:n]
	}
	return len(p), nil
}

// log returns what was kept, starting at a line when cut.
func (t *tail) log(src LogSource, where string) *Log {
	b := t.buf
	if t.limit <= 0 || len(b) <= t.limit {
		return &Log{Source: src, Where: where, Text: b, Bytes: t.total}
	}
	startsLine := b[len(b)-t.limit-1] == '\n'
	b = b[len(b)-t.limit:]
	if i := bytes.IndexByte(b, '\n'); i >= 0 && !startsLine {
		b = b[i+1:]
	}
	return &Log{Source: src, Where: where, Text: b, Bytes: t.total, Truncated: true}
}
