// Package tasklist turns Druid peon Jobs and their pods into the rows of
// `kubectl druid-logs list`: which task, what kind, which datasource and
// group, and its state by Druid's own rule (druid.Evaluate). It is pure: no
// client, no I/O besides writing a table to an io.Writer.
package tasklist

import (
	"regexp"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

// Labels the customTemplateAdapter (Druid 27+) sets besides druid.task.id
// and druid.task.group.id; their values are sanitised copies.
const (
	TaskTypeLabel       = druid.TaskTypeLabel
	TaskDataSourceLabel = druid.TaskDataSourceLabel
	// jobNameLabel is Kubernetes 1.27+'s second job-name label.
	jobNameLabel = "batch.kubernetes.io/job-name"
)

// Source says where a row's type, datasource and group came from.
type Source string

// The sources, most to least exact.
const (
	FromAnnotation Source = "annotation"
	FromLabel      Source = "label"
	// FromTaskID: derived from the task ID's shape (overlordSingleContainer
	// and overlordMultiContainer set only the task.id annotation).
	FromTaskID Source = "task-id"
)

// Row is one task as listed.
type Row struct {
	// Context is the kubeconfig context of the row's cluster, when several
	// are listed.
	Context    string `json:"context,omitempty"`
	Namespace  string `json:"namespace"`
	TaskID     string `json:"taskId"`
	Type       string `json:"type,omitempty"`
	TypeFrom   Source `json:"typeFrom,omitempty"`
	DataSource string `json:"dataSource,omitempty"`
	GroupID    string `json:"groupId,omitempty"`
	GroupFrom  Source `json:"groupFrom,omitempty"`
	// State is Druid's lifecycle phase of the task's Job and newest pod.
	State druid.Phase `json:"state"`
	// Failed is set for a STOPPED task whose container or Job failed.
	Failed bool `json:"failed,omitempty"`
	// Detail is a one-word qualifier: a waiting reason (ImagePullBackOff),
	// a termination reason (OOMKilled, Completed, Error) or "failed".
	Detail string `json:"detail,omitempty"`
	Reason string `json:"reason"`
	Job    string `json:"job"`
	Pod    string `json:"pod,omitempty"`
	// PodCount is how many pods the Job has (more than one after retries
	// or evictions; the newest is shown).
	PodCount int       `json:"podCount"`
	Node     string    `json:"node,omitempty"`
	PodIP    string    `json:"podIP,omitempty"`
	Created  time.Time `json:"created"`
	// Deleted is set in watch output when the Job has been deleted.
	Deleted bool `json:"deleted,omitempty"`
}

// Key identifies the row's Job.
func (r Row) Key() string { return r.Context + "/" + r.Namespace + "/" + r.Job }

// Owns reports whether pod belongs to job: by the controller owner
// reference (by UID when both are known, so a pod of an earlier Job of the
// same name is not taken), else by the job-name labels.
func Owns(job *batchv1.Job, pod *corev1.Pod) bool {
	if pod.Namespace != job.Namespace {
		return false
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && ref.Controller != nil && *ref.Controller {
			if ref.UID != "" && job.UID != "" {
				return ref.UID == job.UID
			}
			return ref.Name == job.Name
		}
	}
	return JobNameOf(pod) == job.Name
}

// JobNameOf is the name of the Job a pod claims to belong to: its
// controller owner reference, else its job-name label.
func JobNameOf(pod *corev1.Pod) string {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && ref.Controller != nil && *ref.Controller {
			return ref.Name
		}
	}
	if n := pod.Labels[jobNameLabel]; n != "" {
		return n
	}
	return pod.Labels[druid.JobNameLabel]
}

// Build returns one row per Job, sorted by namespace then task ID (so an
// MSQ controller sits above its workers). pods may hold any pods; each is
// matched to its Job with Owns. Pods without a listed Job are ignored.
func Build(jobs []batchv1.Job, pods []corev1.Pod, container string, now time.Time) []Row {
	byJob := map[string][]corev1.Pod{}
	for i := range pods {
		k := pods[i].Namespace + "/" + JobNameOf(&pods[i])
		byJob[k] = append(byJob[k], pods[i])
	}
	rows := make([]Row, 0, len(jobs))
	for i := range jobs {
		rows = append(rows, RowOf(&jobs[i], byJob[jobs[i].Namespace+"/"+jobs[i].Name], container, now))
	}
	Sort(rows)
	return rows
}

// Sort orders rows by namespace, task ID, then Job name.
func Sort(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Context != b.Context {
			return a.Context < b.Context
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.TaskID != b.TaskID {
			return a.TaskID < b.TaskID
		}
		return a.Job < b.Job
	})
}

// RowOf describes one Job; pods are candidates, filtered with Owns.
func RowOf(job *batchv1.Job, pods []corev1.Pod, container string, now time.Time) Row {
	own := make([]corev1.Pod, 0, len(pods))
	for i := range pods {
		if Owns(job, &pods[i]) {
			own = append(own, pods[i])
		}
	}
	pod, n := druid.PickPod(own)
	st := druid.StateOf(job, pod, container, now)
	r := Row{Namespace: job.Namespace, TaskID: druid.TaskIDOf(job), Job: job.Name, PodCount: n,
		State: st.Phase, Failed: st.Failed, Reason: st.Reason, Detail: detail(st), Created: job.CreationTimestamp.Time}
	if pod != nil {
		r.Pod, r.Node, r.PodIP = pod.Name, pod.Spec.NodeName, pod.Status.PodIP
	}
	r.Type, r.TypeFrom = lookup(job, druid.TaskTypeAnnotation, TaskTypeLabel)
	r.DataSource, _ = lookup(job, druid.TaskDataSourceAnnotation, TaskDataSourceLabel)
	r.GroupID, r.GroupFrom = lookup(job, druid.TaskGroupIDAnnotation, druid.TaskGroupIDLabel)
	if r.Type == "" {
		if r.Type = TypeFromTaskID(r.TaskID); r.Type != "" {
			r.TypeFrom = FromTaskID
		}
	}
	if r.GroupID == "" {
		if r.GroupID = msqGroup(r.TaskID); r.GroupID != "" {
			r.GroupFrom = FromTaskID
		}
	}
	return r
}

// lookup reads a Druid annotation from the pod template or the Job, then
// the sanitised label.
func lookup(job *batchv1.Job, annotation, label string) (string, Source) {
	if v := job.Spec.Template.Annotations[annotation]; v != "" {
		return v, FromAnnotation
	}
	if v := job.Annotations[annotation]; v != "" {
		return v, FromAnnotation
	}
	if v := job.Labels[label]; v != "" {
		return v, FromLabel
	}
	return "", ""
}

func detail(st druid.State) string {
	switch {
	case st.Waiting != "":
		return st.Waiting
	case st.Terminated != nil && st.Terminated.Reason != "":
		return st.Terminated.Reason
	case st.Terminated != nil && st.Terminated.ExitCode != 0:
		return "Error"
	case st.Terminated != nil:
		return "Completed"
	case st.Failed:
		return "failed"
	}
	return ""
}

// msqWorker matches MSQTasks.workerTaskId: <controllerId>-worker<N>_<retry>.
var msqWorker = regexp.MustCompile(`^(query-.+)-worker[0-9]+_[0-9]+$`)

// TypeFromTaskID derives the task type from the shape of its ID (see
// druid.TypeFromTaskID).
func TypeFromTaskID(id string) string { return druid.TypeFromTaskID(id) }

// msqGroup is the group of an MSQ task: the controller's own ID, which is
// also every worker's groupId.
func msqGroup(id string) string {
	if m := msqWorker.FindStringSubmatch(id); m != nil {
		return m[1]
	}
	if strings.HasPrefix(id, "query-") {
		return id
	}
	return ""
}
