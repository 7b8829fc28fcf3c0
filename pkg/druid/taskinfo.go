package druid

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
)

// Labels the customTemplateAdapter (Druid 27+) writes with sanitised
// values, and the annotation and environment variable that carry the task's
// JSON payload.
const (
	TaskTypeLabel         = "druid.task.type"
	TaskDataSourceLabel   = "druid.task.datasource"
	OverlordNamespaceKey  = "druid.overlord.namespace"
	TaskPayloadAnnotation = "task"
	TaskJSONEnv           = "TASK_JSON"
)

// maxPayload bounds a decoded task payload (Druid puts it in the pod spec
// only under 127 KB compressed).
const maxPayload = 4 << 20

// payload is the part of a Druid task's JSON this plugin reads.
type payload struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	GroupID    string `json:"groupId"`
	DataSource string `json:"dataSource"`
	Context    struct {
		Tags map[string]string `json:"tags"`
	} `json:"context"`
}

// Payload returns the task's JSON payload from its pod template: the
// "task" annotation (customTemplateAdapter) or the TASK_JSON environment
// variable of a container (overlordSingleContainer, when under 127 KB),
// both gzip then base64. ok is false when there is none or it does not
// decode.
func Payload(job *batchv1.Job) (typ, dataSource, groupID string, tags map[string]string, ok bool) {
	enc := job.Spec.Template.Annotations[TaskPayloadAnnotation]
	if enc == "" {
		for _, c := range job.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.Name == TaskJSONEnv && e.Value != "" {
					enc = e.Value
				}
			}
		}
	}
	if enc == "" {
		return "", "", "", nil, false
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", "", "", nil, false
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return "", "", "", nil, false
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxPayload))
	if err != nil {
		return "", "", "", nil, false
	}
	var p payload
	if json.Unmarshal(js, &p) != nil {
		return "", "", "", nil, false
	}
	return p.Type, p.DataSource, p.GroupID, p.Context.Tags, true
}

// MatchesDataSource reports whether the Job's task writes to dataSource:
// by the task.datasource annotation, else the sanitised
// druid.task.datasource label, else the payload, else (overlordSingleContainer
// with a large payload) the task ID's shape <type>_<dataSource>_....
func MatchesDataSource(job *batchv1.Job, dataSource string) bool {
	if v, ok := annotation(job, TaskDataSourceAnnotation); ok {
		return v == dataSource
	}
	if v := job.Labels[TaskDataSourceLabel]; v != "" {
		return v == StringLabel(dataSource)
	}
	if _, ds, _, _, ok := Payload(job); ok && ds != "" {
		return ds == dataSource
	}
	id := TaskIDOf(job)
	if t := typeOfID(id); t != "" {
		return strings.HasPrefix(strings.TrimPrefix(stripIssuer(id), t+"_"), dataSource+"_")
	}
	return false
}

// MatchesType reports whether the Job's task has type typ, read as
// MatchesDataSource reads the datasource (the ID's shape last).
func MatchesType(job *batchv1.Job, typ string) bool {
	if v, ok := annotation(job, TaskTypeAnnotation); ok {
		return v == typ
	}
	if v := job.Labels[TaskTypeLabel]; v != "" {
		return v == StringLabel(typ)
	}
	if t, _, _, _, ok := Payload(job); ok && t != "" {
		return t == typ
	}
	return typeOfID(TaskIDOf(job)) == typ
}

func annotation(job *batchv1.Job, key string) (string, bool) {
	for _, m := range []map[string]string{job.Spec.Template.Annotations, job.Annotations} {
		if v, ok := m[key]; ok && v != "" {
			return v, true
		}
	}
	return "", false
}

// labelChars are the characters Druid keeps in a label value.
var labelChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// StringLabel is Druid's convertStringToK8sLabel for druid.task.type and
// druid.task.datasource: characters outside [A-Za-z0-9_.-] removed, cut to
// 63, then leading and trailing '_', '.', '-' trimmed.
func StringLabel(s string) string {
	s = labelChars.ReplaceAllString(s, "")
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.Trim(s, "_.-")
}

// msqWorkerID is MSQTasks.workerTaskId: <controllerId>-worker<N>_<retry>.
var msqWorkerID = regexp.MustCompile(`^query-.+-worker[0-9]+_[0-9]+$`)

// issuerPrefixes are put before the type in system-issued task IDs.
var issuerPrefixes = []string{"coordinator-issued_", "api-issued_", "overlord-issued_"}

// idTypes are task types whose IDs start with "<type>_" (IdUtils.newTaskId),
// longest first so index_kafka wins over index.
var idTypes = []string{
	"partial_dimension_distribution", "partial_dimension_cardinality", "partial_index_generic_merge",
	"partial_range_index_generate", "partial_index_generate", "single_phase_sub_task",
	"index_parallel", "index_kinesis", "index_hadoop", "index_kafka",
	"compact", "archive", "restore", "index", "kill", "move", "noop",
}

func stripIssuer(id string) string {
	for _, p := range issuerPrefixes {
		id = strings.TrimPrefix(id, p)
	}
	return id
}

// TypeFromTaskID derives the task type from the shape of its ID where the
// shape is unambiguous, and returns "" otherwise: query-...-worker<N>_<R>
// is query_worker, query-... is query_controller, and <type>_... (after an
// optional coordinator-issued_/api-issued_/overlord-issued_) is <type>.
func TypeFromTaskID(id string) string { return typeOfID(id) }

func typeOfID(id string) string {
	if msqWorkerID.MatchString(id) {
		return "query_worker"
	}
	if strings.HasPrefix(id, "query-") {
		return "query_controller"
	}
	id = stripIssuer(id)
	for _, t := range idTypes {
		if strings.HasPrefix(id, t+"_") {
			return t
		}
	}
	return ""
}
