package taskfollow

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/listwatch"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/podwatch"
)

// SelectOptions shape a multi-task follow.
type SelectOptions struct {
	// LabelSelector narrows the peon Jobs listed (added to druid.k8s.peons=true).
	LabelSelector string
	// MaxStreams bounds the logs streamed at once (0: no bound). A first
	// listing that selects more is refused (*TooManyError); tasks that join
	// later wait for a stream to end.
	MaxStreams int
	// UntilDone ends the follow once every task seen has ended; otherwise
	// it runs until ctx ends, as tasks keep coming (a supervisor's).
	UntilDone bool
	// SkipFinished leaves out Jobs already finished when seen: a selection
	// follows tasks that run, not a namespace's history.
	SkipFinished bool
	// LabelPrefix goes before each task's label (a kubeconfig context).
	LabelPrefix string
}

// TooManyError refuses a selection larger than the streams allowed.
type TooManyError struct {
	Selection     string
	Selected, Max int
}

func (e *TooManyError) Error() string {
	return fmt.Sprintf("%s selects %d running tasks, more than --max-log-requests %d", e.Selection, e.Selected, e.Max)
}

// FollowSelected follows every peon Job of namespace ns ("" for all) that
// sel selects, each with its label before every line; tasks that appear
// later join. With Config.Wait it waits for the first member; else it
// returns an empty result when the first listing has none. Job LIST and
// WATCH failures are ridden out with backoff: members already followed go
// on; a first listing that fails ends the follow with its error (there
// is nothing to go on with). It ends as opts says: when every member has
// ended (UntilDone), or with ctx.
func FollowSelected(ctx context.Context, cfg Config, sel Selector, ns string, opts SelectOptions, paint Label) (*GroupResult, error) {
	g := &multi{cfg: cfg, sel: sel, ns: ns, opts: opts, paint: paint, out: SharedWriter(cfg.Out),
		members: map[string]*member{}, changed: make(chan struct{}, 1)}
	return g.run(ctx)
}

// multi is one multi-task follow.
type multi struct {
	cfg   Config
	sel   Selector
	ns    string
	opts  SelectOptions
	paint Label
	out   io.Writer

	mu       sync.Mutex
	members  map[string]*member // by namespace/task ID
	progress Progress
	active   int            // members streaming (or waiting for their pod)
	queue    []queued       // members waiting for a stream (MaxStreams)
	refused  *TooManyError  // a first listing over MaxStreams
	startErr error          // the first listing failed: nothing to ride out
	wg       sync.WaitGroup // member followers
	changed  chan struct{}
}

type member struct {
	res  MemberResult
	done bool
	// job is the member's Job as the Job watch saw it last, gone whether
	// it was deleted; jobCh signals a change of either (g.mu guards them).
	job     *batchv1.Job
	jobGone bool
	jobCh   chan struct{}
}

type queued struct {
	job   *batchv1.Job
	label string
	m     *member
}

func (g *multi) run(ctx context.Context) (*GroupResult, error) {
	mctx, stopMembers := context.WithCancel(ctx)
	defer stopMembers()
	// One pod watch serves every member: a running member's pod is found,
	// and every member's end noticed, without requests of their own.
	pods := podwatch.StartShared(mctx, g.cfg.Kube, g.ns, druid.PeonSelector, g.cfg.watchOptions())
	defer pods.Stop()
	g.cfg.pods = pods
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	list, watchFn := listwatch.Jobs(g.cfg.Kube.Jobs(g.ns))
	outage := false
	selector := druid.PeonSelector
	if g.opts.LabelSelector != "" {
		selector += "," + g.opts.LabelSelector
	}
	cfg := listwatch.Config{List: list, Watch: watchFn, LabelSelector: selector,
		OnList: func(items []runtime.Object) {
			g.mu.Lock()
			first := !g.progress.Listed
			g.progress.Listed = true
			g.mu.Unlock()
			if first && g.opts.MaxStreams > 0 {
				if n := g.count(items); TooMany(n, g.opts.MaxStreams) {
					g.mu.Lock()
					g.refused = &TooManyError{Selection: g.sel.String(), Selected: n, Max: g.opts.MaxStreams}
					g.mu.Unlock()
					g.signal()
					return
				}
			}
			g.relisted(items)
			for _, o := range items {
				job := o.(*batchv1.Job)
				job.ManagedFields = nil // never read; each member keeps its Job
				g.add(mctx, job)
			}
			g.signal()
		},
		OnEvent: func(ev watch.Event) {
			job, ok := ev.Object.(*batchv1.Job)
			switch {
			case !ok:
			case ev.Type == watch.Deleted:
				g.jobChanged(job, true)
			default:
				job.ManagedFields = nil
				g.add(mctx, job)
			}
		},
		OnFailure: func(err error, n int, wait time.Duration) {
			g.mu.Lock()
			listed := g.progress.Listed
			if !listed && g.startErr == nil {
				g.startErr = err // nothing followed yet: the follow cannot start
			}
			g.mu.Unlock()
			if !listed {
				g.signal()
				return
			}
			if !outage {
				outage = true
				g.cfg.notify("cannot list or watch peon Jobs (%v); retrying (tasks already followed go on)", err)
			}
			g.cfg.debugf("group: Job watch failed (attempt %d): %v; retrying in %s", n, err, wait)
		},
		OnRecover: func() {
			outage = false
			g.cfg.notify("watching peon Jobs again")
		},
		// Where Jobs may be listed but not watched, new tasks join from
		// a listing every PollEvery.
		PollEvery: g.cfg.pollEvery(),
		OnPoll: func(err error) {
			g.cfg.notify("cannot watch peon Jobs (%v); listing them every %s instead", err, g.cfg.pollEvery())
		},
	}
	g.cfg.notify("following %s in %s", g.sel, nsWords(g.ns))
	watchDone := make(chan error, 1)
	go func() { watchDone <- listwatch.Run(wctx, cfg) }()
	// finish stops the watch, then waits for the members: no member is
	// added once the watch goroutine has returned.
	finish := func() {
		stopWatch()
		if watchDone != nil {
			<-watchDone
		}
		g.wg.Wait()
	}
	for {
		select {
		case <-ctx.Done():
			finish()
			return nil, ctx.Err()
		case err := <-watchDone:
			watchDone = nil
			if g.snapshot().Seen == 0 {
				finish()
				return nil, err // refused before any member was found
			}
			g.cfg.notify("stopped watching peon Jobs (%v): no new task will join", err)
		case <-g.changed:
		}
		p := g.snapshot()
		g.mu.Lock()
		refused, startErr := g.refused, g.startErr
		g.mu.Unlock()
		switch {
		case refused != nil:
			finish()
			return nil, refused
		case startErr != nil:
			finish()
			return nil, startErr
		case g.opts.UntilDone && p.Finished():
			finish()
			return g.result(), nil
		case p.NotFound(g.cfg.Wait):
			finish()
			return g.result(), nil
		}
	}
}

func (g *multi) signal() {
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

func (g *multi) snapshot() Progress {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.progress
}

// count is how many of a listing's Jobs would be members.
func (g *multi) count(items []runtime.Object) int {
	n := 0
	for _, o := range items {
		if job := o.(*batchv1.Job); g.selects(job) {
			n++
		}
	}
	return n
}

// selects reports whether a Job is one to follow.
func (g *multi) selects(job *batchv1.Job) bool {
	if _, ok := g.sel.Member(job); !ok {
		return false
	}
	if g.opts.SkipFinished {
		if done, _, _ := druid.JobFinished(job); done {
			return false
		}
	}
	return true
}

// add starts following a Job if it is selected and new (or queues it when
// MaxStreams are in use). It runs on the watch goroutine only.
func (g *multi) add(ctx context.Context, job *batchv1.Job) {
	if g.jobChanged(job, false) || !g.selects(job) {
		return
	}
	label, _ := g.sel.Member(job)
	label = g.opts.LabelPrefix + label
	id := druid.TaskIDOf(job)
	key := job.Namespace + "/" + id
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, seen := g.members[key]; seen {
		return
	}
	m := &member{res: MemberResult{TaskID: id, Namespace: job.Namespace, Label: label}, job: job, jobCh: make(chan struct{}, 1)}
	g.members[key] = m
	g.progress.Seen++
	if g.opts.MaxStreams > 0 && g.active >= g.opts.MaxStreams {
		g.queue = append(g.queue, queued{job: job.DeepCopy(), label: label, m: m})
		g.cfg.notify("[%s] waits: %d logs are streaming already (--max-log-requests)", label, g.active)
		return
	}
	g.startLocked(ctx, job.DeepCopy(), label, m)
}

// startLocked follows one member; g.mu is held.
func (g *multi) startLocked(ctx context.Context, job *batchv1.Job, label string, m *member) {
	g.active++
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := g.followMember(ctx, m, job, label)
		g.mu.Lock()
		m.res.Err, m.done = err, true
		g.progress.Ended++
		g.active--
		if len(g.queue) > 0 && ctx.Err() == nil {
			next := g.queue[0]
			g.queue = g.queue[1:]
			g.startLocked(ctx, next.job, next.label, next.m)
		}
		g.mu.Unlock()
		g.signal()
	}()
}

// followMember waits for one member to be streamable, then streams it.
func (g *multi) followMember(ctx context.Context, m *member, job *batchv1.Job, label string) error {
	c := g.cfg
	prefix := "[" + label + "] "
	if g.paint != nil {
		prefix = g.paint(label) + " "
	}
	missing := func(r *locate.Resolution) bool { return r.Pod != nil && !druid.HasContainer(r.Pod, c.Container) }
	last := ""
	r, err := g.waitMember(ctx, m, job, func(r *locate.Resolution) bool {
		return r.State.Streamable() || r.State.Phase == druid.Stopped || missing(r) || r.NotFound != nil
	}, func(r *locate.Resolution) {
		if s := string(r.State.Phase) + ": " + r.State.Reason; s != last {
			last = s
			c.notify("%swaiting: %s", prefix, s)
		}
	})
	switch {
	case err != nil:
		return err
	case r.NotFound != nil:
		return &NotFoundError{NotFoundError: r.NotFound}
	case missing(r):
		return c.streamable(r)
	case r.State.Phase == druid.Stopped:
		c.notify("%sended before it could be followed: %s", prefix, r.State.Reason)
		if r.State.Failed {
			return &ContainerFailedError{TaskID: r.TaskID, Namespace: r.Namespace, State: r.State}
		}
		return nil
	}
	c.notify("%sfollowing pod %s", prefix, r.Pod.Name)
	_, err = c.stream(ctx, r, g.out, prefix, label)
	return err
}

// result lists the members by task ID.
func (g *multi) result() *GroupResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	res := &GroupResult{Selection: g.sel.String(), Namespace: g.ns}
	for _, m := range g.members {
		res.Members = append(res.Members, m.res)
	}
	sort.Slice(res.Members, func(i, j int) bool {
		a, b := res.Members[i], res.Members[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.TaskID < b.TaskID
	})
	return res
}

func nsWords(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return "namespace " + ns
}

// SharedWriter wraps w for followers of several selections (several
// clusters) that share it: each Write is whole lines, and one at a time.
// A writer that is one already is returned as it is.
func SharedWriter(w io.Writer) io.Writer {
	if _, ok := w.(*lockedWriter); ok {
		return w
	}
	return &lockedWriter{w: w}
}

// lockedWriter lets several followers share the output; each Write is one
// or more whole lines (pkg/follow writes only those), so lines never
// interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
