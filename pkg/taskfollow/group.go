package taskfollow

import (
	"context"
	"errors"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
)

// GroupResult is how a multi-task follow ended: one entry per member, in
// task ID order. A member's Err is nil when it exited 0.
type GroupResult struct {
	Selection string
	Namespace string
	Members   []MemberResult
}

// MemberResult is one member's end.
type MemberResult struct {
	TaskID, Namespace, Label string
	Err                      error
}

// Label decorates a member's label for the output (colour); nil keeps
// "[label]".
type Label func(label string) string

// FollowGroup follows every task of taskID's group (an MSQ controller and
// its workers, including those that start later or are retried) until
// each one seen has ended. With Config.Wait it waits for the group's first
// Job to appear; else a group without any Job is a *NotFoundError.
func FollowGroup(ctx context.Context, cfg Config, taskID string, paint Label) (*GroupResult, error) {
	loc := cfg.Locator
	group, ns := druid.GroupOfID(taskID), loc.Namespace
	m, err := loc.FindJob(ctx, taskID)
	var nf *locate.NotFoundError
	if errors.As(err, &nf) && loc.ByName {
		if id, from := loc.TaskOfName(ctx, taskID, nf); id != "" {
			cfg.notify("%s is task %s", from, id)
			taskID, group = id, druid.GroupOfID(id)
			m, err = loc.FindJob(ctx, taskID)
		}
	}
	switch {
	case err == nil:
		group, ns = druid.GroupOf(m.Job), m.Job.Namespace
	case errors.As(err, &nf):
		if loc.AllNamespaces {
			ns = metav1.NamespaceAll // wait for the group in every namespace
		}
	default:
		return nil, err
	}
	res, err := FollowSelected(ctx, cfg, GroupSelector{Group: group}, ns, SelectOptions{UntilDone: true}, paint)
	if res != nil && len(res.Members) == 0 && err == nil {
		if nf == nil {
			nf = &locate.NotFoundError{TaskID: taskID, Namespace: ns, AllNamespaces: loc.AllNamespaces}
		}
		return nil, &NotFoundError{NotFoundError: nf}
	}
	return res, err
}
