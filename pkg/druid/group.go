package druid

import (
	"regexp"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
)

// msqWorker matches an MSQ worker task ID, <controllerId>-worker<N>_<retry>
// (MSQTasks.workerTaskId); the controller ID is "query-" + the SQL query ID.
var msqWorker = regexp.MustCompile(`^(query-.+)-worker(\d+)_(\d+)$`)

// GroupOf returns the task group of a peon Job: the task.group.id
// annotation (customTemplateAdapter), else the raw ID of an MSQ
// controller for its workers (overlordSingleContainer writes only task.id),
// else the task ID itself: every task is its own group.
func GroupOf(job *batchv1.Job) string {
	for _, m := range []map[string]string{job.Spec.Template.Annotations, job.Annotations} {
		if g := m[TaskGroupIDAnnotation]; g != "" {
			return g
		}
	}
	return GroupOfID(TaskIDOf(job))
}

// GroupOfID derives a task's group from its ID alone: an MSQ worker belongs
// to its controller; any other task to itself.
func GroupOfID(taskID string) string {
	if m := msqWorker.FindStringSubmatch(taskID); m != nil {
		return m[1]
	}
	return taskID
}

// ShortLabel is a short name for a task within its group, for line
// prefixes: "controller" for the group's own task, "worker1_0" for an MSQ
// worker, else the task ID cut to 24 characters.
func ShortLabel(taskID, group string) string {
	if taskID == group {
		return "controller"
	}
	for _, sep := range []string{"-", "_"} {
		if rest, ok := strings.CutPrefix(taskID, group+sep); ok && rest != "" {
			return rest
		}
	}
	if len(taskID) > 24 {
		return taskID[:24]
	}
	return taskID
}
