package druid

// Labels, annotations and names written by Druid's Kubernetes task runner
// (DruidK8sConstants in the kubernetes-overlord-extensions).
const (
	// PeonLabel marks every Job and pod the task runner creates ("true").
	PeonLabel = "druid.k8s.peons"
	// TaskIDAnnotation carries the original, unmodified task ID on the Job
	// and on its pod template.
	TaskIDAnnotation = "task.id"
	// TaskTypeAnnotation carries the task type (customTemplateAdapter).
	TaskTypeAnnotation = "task.type"
	// TaskGroupIDAnnotation carries the task group ID (customTemplateAdapter).
	TaskGroupIDAnnotation = "task.group.id"
	// TaskDataSourceAnnotation carries the datasource (customTemplateAdapter).
	TaskDataSourceAnnotation = "task.datasource"
	// TLSEnabledAnnotation says whether the peon serves TLS.
	TLSEnabledAnnotation = "tls.enabled"
	// TaskIDLabel is the sanitised task ID label (customTemplateAdapter, 27+).
	TaskIDLabel = "druid.task.id"
	// TaskGroupIDLabel is the sanitised group ID label (customTemplateAdapter, 27+).
	TaskGroupIDLabel = "druid.task.group.id"
	// JobNameLabel is the label the Job controller puts on the pods it
	// creates; Druid itself finds a task's pod by it.
	JobNameLabel = "job-name"
	// MainContainer is the container Druid reads peon logs from; it is
	// hard-coded in Druid, so pod templates must use this name.
	MainContainer = "main"
)

// PeonSelector is the label selector matching every peon Job and pod.
const PeonSelector = PeonLabel + "=true"
