package cmd

import (
	"context"
	"errors"
	"fmt"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"hash/fnv"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"golang.org/x/term"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// severity orders exit codes from best to worst, for a group's exit code.
var severity = []int{exitcode.OK, exitcode.NotFound, exitcode.NotRunning, exitcode.Error,
	exitcode.Forbidden, exitcode.Misconfigured, exitcode.ContainerFailed}

func worse(a, b int) int {
	rank := func(c int) int {
		for i, s := range severity {
			if s == c {
				return i
			}
		}
		return len(severity)
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// groupRun follows every task of one group (an MSQ controller and its
// workers) at once, each line prefixed with a short task label.
type groupRun struct {
	o      *FollowOptions
	loc    *locate.Locator
	group  string
	out    io.Writer
	color  bool
	mu     sync.Mutex
	member map[string]*memberResult
	wg     sync.WaitGroup
}

type memberResult struct {
	label string
	done  bool
	err   error
}

// runGroup follows the group of o.TaskID until the controller and every
// worker seen have ended; workers that start later (or are retried) are
// picked up by a watch on peon Jobs. The exit code is the worst member's.
func (o *FollowOptions) runGroup(ctx context.Context) error {
	loc := o.clients.locator(&o.task)
	g := &groupRun{o: o, loc: loc, group: druid.GroupOfID(o.TaskID), out: &lockedWriter{w: o.Out},
		member: map[string]*memberResult{}, color: colorable(o.Out)}
	ns := o.clients.Namespace
	m, err := loc.FindJob(ctx, o.TaskID)
	var nf *locate.NotFoundError
	switch {
	case err == nil:
		g.group, ns = druid.GroupOf(m.Job), m.Job.Namespace
	case errors.As(err, &nf) && !o.task.AllNamespaces:
	default:
		return err
	}
	changed := make(chan struct{}, 1)
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watchErr := make(chan error, 1)
	go func() { watchErr <- g.watchMembers(wctx, ns, changed) }()
	o.status("following group %s in namespace %s", g.group, ns)
	for {
		select {
		case <-ctx.Done():
			g.wg.Wait()
			return ctx.Err()
		case err := <-watchErr:
			if err != nil && ctx.Err() == nil {
				stopWatch()
				g.wg.Wait()
				return err
			}
		case <-changed:
		}
		if done, empty := g.finished(); done {
			stopWatch()
			return g.result()
		} else if empty && !o.Wait {
			stopWatch()
			if nf == nil {
				nf = &locate.NotFoundError{TaskID: o.TaskID, Namespace: ns}
			}
			return nf
		}
	}
}

// watchMembers lists the peon Jobs, starts a follower per member of the
// group, and keeps watching for new members. It signals changed after the
// first listing and whenever a member ends.
func (g *groupRun) watchMembers(ctx context.Context, ns string, changed chan<- struct{}) error {
	jobs := g.o.clients.Kube.Jobs(ns)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	for ctx.Err() == nil {
		opts := metav1.ListOptions{LabelSelector: druid.PeonSelector, Limit: 500}
		for {
			list, err := jobs.List(ctx, opts)
			if err != nil {
				return err
			}
			for i := range list.Items {
				g.add(ctx, &list.Items[i], notify)
			}
			if list.Continue == "" {
				opts = metav1.ListOptions{LabelSelector: druid.PeonSelector, ResourceVersion: list.ResourceVersion}
				break
			}
			opts.Continue = list.Continue
		}
		notify()
		w, err := jobs.Watch(ctx, opts)
		if err != nil {
			return err
		}
		for ev := range w.ResultChan() {
			if job, ok := ev.Object.(*batchv1.Job); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				g.add(ctx, job, notify)
			}
		}
		w.Stop()
	}
	return nil
}

// add starts following a Job if it belongs to the group and is new.
func (g *groupRun) add(ctx context.Context, job *batchv1.Job, notify func()) {
	id := druid.TaskIDOf(job)
	if id == "" || druid.GroupOf(job) != g.group {
		return
	}
	g.mu.Lock()
	if _, seen := g.member[id]; seen {
		g.mu.Unlock()
		return
	}
	res := &memberResult{label: druid.ShortLabel(id, g.group)}
	g.member[id] = res
	g.mu.Unlock()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := g.followMember(ctx, job.DeepCopy(), res.label)
		g.mu.Lock()
		res.done, res.err = true, err
		g.mu.Unlock()
		notify()
	}()
}

// followMember waits for one member to be streamable, then streams it.
func (g *groupRun) followMember(ctx context.Context, job *batchv1.Job, label string) error {
	o := g.o
	prefix := g.paint(label) + " "
	r := &locate.Resolution{TaskID: druid.TaskIDOf(job), Namespace: job.Namespace, Job: job}
	pm, err := g.loc.FindPod(ctx, job)
	if err != nil {
		return err
	}
	r.Pod, r.PodCount, r.PodsResourceVersion = pm.Pod, pm.Count, pm.ResourceVersion
	r.State = druid.StateOf(job, r.Pod, o.task.Container, time.Now())
	missing := func(r *locate.Resolution) bool { return r.Pod != nil && !druid.HasContainer(r.Pod, o.task.Container) }
	last := ""
	r, err = g.loc.WaitUntil(ctx, r, o.task.Container, func(r *locate.Resolution) bool {
		return r.State.Streamable() || r.State.Phase == druid.Stopped || missing(r) || r.NotFound != nil
	}, func(r *locate.Resolution) {
		if s := string(r.State.Phase) + ": " + r.State.Reason; s != last {
			last = s
			o.status("%swaiting: %s", prefix, s)
		}
	})
	switch {
	case err != nil:
		return err
	case r.NotFound != nil:
		return exitcode.New(exitcode.NotFound, "task "+r.TaskID+": its Job disappeared before it could be followed", nil)
	case missing(r):
		return o.missingContainer(r)
	case r.State.Phase == druid.Stopped:
		o.status("%sended before it could be followed: %s", prefix, r.State.Reason)
		if r.State.Failed {
			return exitcode.New(exitcode.ContainerFailed, "task "+r.TaskID+" failed: "+r.State.Reason, nil)
		}
		return nil
	}
	o.status("%sfollowing pod %s", prefix, r.Pod.Name)
	o.clients.Debugf("group: %d tasks known, %d goroutines", g.size(), runtime.NumGoroutine())
	return o.streamTask(ctx, r, g.out, prefix)
}

func (g *groupRun) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.member)
}

// finished reports whether every member seen has ended (an MSQ controller
// outlives its workers, so this is the group's end); empty means no member
// has been seen yet.
func (g *groupRun) finished() (done, empty bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.member) == 0 {
		return false, true
	}
	for _, m := range g.member {
		if !m.done {
			return false, false
		}
	}
	return true, false
}

// result prints a summary line per member and returns the worst code.
func (g *groupRun) result() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]string, 0, len(g.member))
	for id := range g.member {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	code := exitcode.OK
	var failed []string
	for _, id := range ids {
		m := g.member[id]
		c := exitcode.OK
		if m.err != nil {
			c, _ = exitcode.CodeOf(classify(m.err))
			failed = append(failed, fmt.Sprintf("%s: %s", m.label, msg.OneLine(classify(m.err).Error())))
		}
		code = worse(code, c)
	}
	g.o.status("group %s: %d task(s) followed, %d failed", g.group, len(ids), len(failed))
	if code == exitcode.OK {
		return nil
	}
	return exitcode.New(code, "in group "+g.group+": "+strings.Join(failed, "; "), nil)
}

// paint colours a label on a terminal, stern-style: one colour per task.
func (g *groupRun) paint(label string) string {
	if !g.color {
		return "[" + label + "]"
	}
	palette := []string{"31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96"}
	h := fnv.New32a()
	h.Write([]byte(label))
	return "\033[" + palette[h.Sum32()%uint32(len(palette))] + "m[" + label + "]\033[0m"
}

func colorable(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}

// lockedWriter lets several followers share stdout; each Write is one or
// more whole lines, so lines never interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
