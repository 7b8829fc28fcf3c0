package cmd

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/fanout"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/tasklist"
)

// listed is one context's listing.
type listed struct {
	src  *tasklist.Lister
	snap *tasklist.Snapshot
}

// runAcross lists (and with --watch, watches) every context at once, each
// row with its CONTEXT; a context that cannot be listed is said on stderr
// and skipped, and only when none can be does list fail.
func (o *ListOptions) runAcross(ctx context.Context) error {
	rs := fanout.Each(ctx, o.multi, func(ctx context.Context, name string) (listed, error) {
		cl, err := o.clientsFor(name)
		if err != nil {
			return listed{}, err
		}
		ns := cl.Namespace
		if o.AllNamespaces {
			ns = metav1.NamespaceAll
		}
		src := &tasklist.Lister{Client: cl.Kube, Namespace: ns, PageSize: o.pageSize, Selector: o.selector(), Debugf: cl.Debugf}
		snap, err := src.Snapshot(ctx)
		return listed{src: src, snap: snap}, err
	})
	ok := fanout.Succeeded(rs)
	for _, r := range fanout.Failed(rs) {
		o.note("context %s skipped: %s", r.Target, msg.OneLine(classify(r.Err).Error()))
	}
	if len(ok) == 0 {
		return fmt.Errorf("no context could be listed: %w", rs[0].Err)
	}
	inContext := func(name string, rows []tasklist.Row) []tasklist.Row {
		for i := range rows {
			rows[i].Context = name
		}
		return rows
	}
	if !o.Watch {
		var all []tasklist.Row
		for _, r := range ok {
			all = append(all, inContext(r.Target, tasklist.Build(r.Value.snap.Jobs, r.Value.snap.Pods, druid.MainContainer, o.timeNow()))...)
		}
		tasklist.Sort(all)
		return o.printAll(all)
	}
	var all []tasklist.Row
	changes := map[string]*tasklist.Changes{}
	for _, r := range ok {
		ch, rows := tasklist.NewChanges(druid.MainContainer, r.Value.snap.Jobs, r.Value.snap.Pods, o.timeNow())
		changes[r.Target] = ch
		all = append(all, inContext(r.Target, rows)...)
	}
	tasklist.Sort(all)
	if err := o.printAll(all); err != nil {
		return err
	}
	var mu sync.Mutex // one context's rows at a time
	watched := fanout.Each(ctx, targets(ok), func(ctx context.Context, name string) (struct{}, error) {
		var l listed
		for _, r := range ok {
			if r.Target == name {
				l = r.Value
			}
		}
		return struct{}{}, l.src.Watch(ctx, l.snap, changes[name], o.timeNow, func(rows []tasklist.Row) error {
			mu.Lock()
			defer mu.Unlock()
			return o.printChanged(inContext(name, rows))
		}, nil)
	})
	for _, r := range fanout.Failed(watched) {
		if ctx.Err() == nil {
			o.note("context %s: the watch stopped: %s", r.Target, msg.OneLine(classify(r.Err).Error()))
		}
	}
	return nil
}

func targets[T any](rs []fanout.Result[T]) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Target
	}
	return out
}
