package druid

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// RefKind says what a task argument names.
type RefKind string

// The kinds of task argument people paste.
const (
	// RefTaskID is a task ID (or a name to try as a Job or pod name when no
	// task has that ID).
	RefTaskID RefKind = "task"
	// RefPod is "pod/NAME": a peon pod, whose task.id annotation names the task.
	RefPod RefKind = "pod"
	// RefJob is "job/NAME": a peon Job, whose task.id annotation names the task.
	RefJob RefKind = "job"
)

// TaskRef is a parsed task argument.
type TaskRef struct {
	Kind RefKind
	// Value is the task ID (RefTaskID) or the object's name.
	Value string
	// FromURL names the URL form a task ID was taken from ("Overlord API
	// URL", "web-console URL"), empty when the argument was the ID itself.
	FromURL string
}

// apiTaskPath finds the task ID in an Overlord API path:
// /druid/indexer/v1/task/{id}[/status|/log|/reports|/shutdown|...].
var apiTaskPath = regexp.MustCompile(`/druid/indexer/v1/task/([^/?#]+)`)

// consoleTaskFilter finds a task ID in a web console URL's fragment, where
// the console keeps its table filters and dialogs: "#tasks/task_id=ID",
// "#ingestion/task_id~ID", "...taskId=ID".
var consoleTaskFilter = regexp.MustCompile(`(?i)(?:^|[/&?#])(?:task_?id|id)(?:==|=~|=|~)([^/&?#]+)`)

// ParseTaskRef reads what people paste as a task: a task ID, pod/NAME,
// job/NAME (kubectl's TYPE/NAME forms), an Overlord API URL
// (.../druid/indexer/v1/task/ID/status) or a web-console URL with the task
// ID in it. URL forms are percent-decoded. It needs no cluster.
func ParseTaskRef(arg string) (TaskRef, error) {
	if kind, name, ok := typeName(arg); ok {
		if name == "" {
			return TaskRef{}, fmt.Errorf("%q names no %s", arg, kind)
		}
		return TaskRef{Kind: kind, Value: name}, nil
	}
	if !looksLikeURL(arg) {
		return TaskRef{Kind: RefTaskID, Value: arg}, nil
	}
	u, err := url.Parse(arg)
	if err != nil {
		return TaskRef{}, fmt.Errorf("%q looks like a URL but does not parse: %v", arg, err)
	}
	if m := apiTaskPath.FindStringSubmatch(u.EscapedPath()); m != nil {
		id, err := url.PathUnescape(m[1])
		if err != nil {
			return TaskRef{}, fmt.Errorf("the task ID in %q is not decodable: %v", arg, err)
		}
		return TaskRef{Kind: RefTaskID, Value: id, FromURL: "Overlord API URL"}, nil
	}
	for _, part := range []string{u.EscapedFragment(), u.RawQuery} {
		if m := consoleTaskFilter.FindStringSubmatch(part); m != nil {
			id, err := url.QueryUnescape(m[1])
			if err != nil {
				return TaskRef{}, fmt.Errorf("the task ID in %q is not decodable: %v", arg, err)
			}
			return TaskRef{Kind: RefTaskID, Value: id, FromURL: "web-console URL"}, nil
		}
	}
	return TaskRef{}, fmt.Errorf("no task ID in URL %q: paste the task ID, a web-console URL that shows the task, or .../druid/indexer/v1/task/ID/status", arg)
}

// typeName splits kubectl's TYPE/NAME forms for pods and Jobs.
func typeName(arg string) (RefKind, string, bool) {
	typ, name, ok := strings.Cut(arg, "/")
	if !ok {
		return "", "", false
	}
	switch strings.ToLower(typ) {
	case "pod", "pods", "po":
		return RefPod, name, true
	case "job", "jobs", "job.batch", "jobs.batch":
		return RefJob, name, true
	}
	return "", "", false
}

func looksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "/druid/") || strings.Contains(s, "unified-console.html")
}
