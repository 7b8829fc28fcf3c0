package taskfollow

import (
	"strings"

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

// TaskSelector selects tasks by datasource and type (both optional;
// together they must both match), on Druid's labels where the adapter
// writes them, else its annotations, else the task payload, else the task
// ID's shape (druid.MatchesDataSource). Lines are labelled with the task ID.
type TaskSelector struct {
	DataSource, Type string
}

// Member implements Selector.
func (s TaskSelector) Member(job *batchv1.Job) (string, bool) {
	id := druid.TaskIDOf(job)
	switch {
	case id == "":
		return "", false
	case s.DataSource != "" && !druid.MatchesDataSource(job, s.DataSource):
		return "", false
	case s.Type != "" && !druid.MatchesType(job, s.Type):
		return "", false
	}
	return id, true
}

func (s TaskSelector) String() string {
	var parts []string
	if s.DataSource != "" {
		parts = append(parts, "datasource "+s.DataSource)
	}
	if s.Type != "" {
		parts = append(parts, "type "+s.Type)
	}
	if len(parts) == 0 {
		return "every task"
	}
	return "the tasks of " + strings.Join(parts, " and ")
}

// Progress counts a multi-task follow's members.
type Progress struct {
	// Seen is how many members were found; Ended how many have ended
	// (followed to their end, or given up).
	Seen, Ended int
	// Listed is true once the Jobs were listed at least once.
	Listed bool
}

// Finished reports whether a follow that stops when its tasks are done is
// over: every member seen has ended, and there was one (an MSQ controller
// outlives its workers, so this is the group's end).
func (p Progress) Finished() bool { return p.Seen > 0 && p.Ended == p.Seen }

// TooMany reports whether a first listing selected more tasks than may be
// streamed at once (max 0: no bound), which is refused rather than
// followed in part, as kubectl logs refuses beyond --max-log-requests.
func TooMany(selected, max int) bool { return max > 0 && selected > max }

// NotFound reports whether the follow must stop for want of any member:
// the Jobs were listed, none matched, and it was not asked to wait.
func (p Progress) NotFound(wait bool) bool { return p.Listed && p.Seen == 0 && !wait }
