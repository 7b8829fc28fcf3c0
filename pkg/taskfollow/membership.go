package taskfollow

import (
	batchv1 "k8s.io/api/batch/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// Selector decides which peon Jobs a multi-task follow follows, and how
// each one's lines are labelled. It is pure: no client, no clock.
type Selector interface {
	// Member reports whether the Job's task is followed, with its label.
	Member(job *batchv1.Job) (label string, ok bool)
	// String describes the selection for messages.
	String() string
}

// GroupSelector selects the tasks of one Druid task group: an MSQ query's
// controller and workers, retried workers included.
type GroupSelector struct{ Group string }

// Member implements Selector: the Job's group (task.group.id, else the MSQ
// ID pattern) is the group; the label is "controller" or the worker's
// "worker1_0".
func (g GroupSelector) Member(job *batchv1.Job) (string, bool) {
	id := druid.TaskIDOf(job)
	if id == "" || druid.GroupOf(job) != g.Group {
		return "", false
	}
	return druid.ShortLabel(id, g.Group), true
}

func (g GroupSelector) String() string { return "group " + g.Group }

// Progress counts a multi-task follow's members.
type Progress struct {
	// Seen is how many members were found; Ended how many have ended
	// (followed to their end, or given up).
	Seen, Ended int
	// Listed is true once the Jobs were listed at least once.
	Listed bool
}

// Finished reports whether the follow is over: every member seen has
// ended, and there was one (an MSQ controller outlives its workers, so
// this is the group's end).
func (p Progress) Finished() bool { return p.Seen > 0 && p.Ended == p.Seen }

// NotFound reports whether the follow must stop for want of any member:
// the Jobs were listed, none matched, and it was not asked to wait.
func (p Progress) NotFound(wait bool) bool { return p.Listed && p.Seen == 0 && !wait }
