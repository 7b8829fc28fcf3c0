package taskfollow

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
)

// memberRecheck bounds how long a pending member trusts the watches: after
// it, its state is decided again without a change (a state that depends on
// the clock).
const memberRecheck = 30 * time.Second

// waitMember waits until done accepts the member's resolution, calling
// progress with each one it does not. Through the follow's shared pod watch
// and its Job watch it makes no request of its own, so a selection of many
// pending tasks costs what one costs (issue 22); without the shared watch
// (it was refused) the member lists its pod and waits as a single follow
// does.
func (g *multi) waitMember(ctx context.Context, m *member, job *batchv1.Job,
	done func(*locate.Resolution) bool, progress func(*locate.Resolution)) (*locate.Resolution, error) {
	if g.cfg.pods != nil {
		if r, ok, err := g.waitShared(ctx, m, job, done, progress); ok {
			return r, err
		}
	}
	loc := *g.cfg.Locator
	loc.Namespace, loc.AllNamespaces = job.Namespace, false
	pm, err := loc.FindPod(ctx, job)
	if err != nil {
		return nil, err
	}
	r := &locate.Resolution{TaskID: druid.TaskIDOf(job), Namespace: job.Namespace, Job: job,
		Pod: pm.Pod, PodCount: pm.Count, PodsResourceVersion: pm.ResourceVersion}
	r.State = druid.StateOf(job, r.Pod, g.cfg.Container, g.cfg.now())
	return loc.WaitUntil(ctx, r, g.cfg.Container, done, progress)
}

// waitShared is waitMember on the shared watches; ok is false when the pod
// watch ended (a refused LIST) before the wait was over.
func (g *multi) waitShared(ctx context.Context, m *member, job *batchv1.Job,
	done func(*locate.Resolution) bool, progress func(*locate.Resolution)) (r *locate.Resolution, ok bool, err error) {
	pods := g.cfg.pods
	select {
	case <-pods.Synced():
	case <-pods.Done():
		return nil, false, nil
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
	changes, stop := pods.Changes(job.Namespace, druid.JobNameLabel, job.Name)
	defer stop()
	for {
		g.mu.Lock()
		cur, gone := m.job, m.jobGone
		g.mu.Unlock()
		r = &locate.Resolution{TaskID: druid.TaskIDOf(cur), Namespace: cur.Namespace, Job: cur}
		if gone {
			r.NotFound = &locate.NotFoundError{TaskID: r.TaskID, Namespace: r.Namespace}
			r.Job = nil
			r.State = druid.StateOf(nil, nil, g.cfg.Container, g.cfg.now())
		} else {
			pm := locate.PodOfJob(pods.Pods(cur.Namespace, druid.JobNameLabel, cur.Name), cur)
			r.Pod, r.PodCount = pm.Pod, pm.Count
			r.State = druid.StateOf(cur, r.Pod, g.cfg.Container, g.cfg.now())
		}
		if done(r) {
			return r, true, nil
		}
		if progress != nil {
			progress(r)
		}
		timer := time.NewTimer(memberRecheck)
		select {
		case <-changes:
		case <-m.jobCh:
		case <-timer.C:
		case <-pods.Done():
			timer.Stop()
			return nil, false, nil
		case <-ctx.Done():
			timer.Stop()
			return r, true, ctx.Err()
		}
		timer.Stop()
	}
}

// jobChanged passes a Job's news (deleted, when gone) to its member, if it
// is one, and reports whether it is. It runs on the watch goroutine.
func (g *multi) jobChanged(job *batchv1.Job, gone bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.members[job.Namespace+"/"+druid.TaskIDOf(job)]
	if m == nil {
		return false
	}
	if m.job != nil && m.job.UID != job.UID && gone {
		return true // an earlier Job of the task went
	}
	m.job, m.jobGone = job, gone
	select {
	case m.jobCh <- struct{}{}:
	default:
	}
	return true
}

// relisted marks the members whose Job a new listing (after a watch
// expired, or a poll) no longer holds as gone.
func (g *multi) relisted(items []runtime.Object) {
	listed := map[string]bool{}
	for _, o := range items {
		if job, ok := o.(*batchv1.Job); ok {
			listed[job.Namespace+"/"+druid.TaskIDOf(job)] = true
		}
	}
	g.mu.Lock()
	var gone []*batchv1.Job
	for k, m := range g.members {
		if !listed[k] && m.job != nil && !m.jobGone {
			gone = append(gone, m.job)
		}
	}
	g.mu.Unlock()
	for _, job := range gone {
		g.jobChanged(job, true)
	}
}
