package overlord

import "strings"

// Runtime property keys of the Kubernetes task runner
// (KubernetesTaskRunnerStaticConfig, apache/druid master @4c0f5240c1) and
// of task-log storage, as GET /status/properties names them.
const (
	PropRunnerType      = "druid.indexer.runner.type"
	PropSharedInformers = "druid.indexer.runner.useK8sSharedInformers"
	PropNamespace       = "druid.indexer.runner.namespace"
	PropCapacity        = "druid.indexer.runner.capacity"
	PropDebugJobs       = "druid.indexer.runner.debugJobs"
	PropPodNamePrefix   = "druid.indexer.runner.k8sTaskPodNamePrefix"
	PropLogsType        = "druid.indexer.logs.type"
)

// RunnerConfig is what the runtime properties say of the task runner. An
// unset property is "" (Druid's default applies).
type RunnerConfig struct {
	// Type is druid.indexer.runner.type: "k8s", "k8sAndWorker", "multik8s"...
	Type string `json:"type"`
	// SharedInformers is druid.indexer.runner.useK8sSharedInformers (36+;
	// default false): the runner's client then decides RUNNING by the
	// pod's phase instead of its IP.
	SharedInformers bool `json:"sharedInformers"`
	// Namespace is where the runner creates Jobs and reads their logs.
	Namespace string `json:"namespace,omitempty"`
	// Capacity bounds the tasks the runner launches at once.
	Capacity string `json:"capacity,omitempty"`
	// DebugJobs keeps finished Jobs (debugJobs=true).
	DebugJobs bool `json:"debugJobs"`
	// PodNamePrefix is k8sTaskPodNamePrefix (33+).
	PodNamePrefix string `json:"k8sTaskPodNamePrefix,omitempty"`
	// LogsType is druid.indexer.logs.type: where finished tasks' logs go
	// (s3, google, azure, hdfs, file, noop...).
	LogsType string `json:"logsType,omitempty"`
}

// RunnerConfigFrom reads the runner's settings from the properties map.
func RunnerConfigFrom(props map[string]string) RunnerConfig {
	get := func(k string) string { return strings.TrimSpace(props[k]) }
	return RunnerConfig{
		Type:            get(PropRunnerType),
		SharedInformers: strings.EqualFold(get(PropSharedInformers), "true"),
		Namespace:       get(PropNamespace),
		Capacity:        get(PropCapacity),
		DebugJobs:       strings.EqualFold(get(PropDebugJobs), "true"),
		PodNamePrefix:   get(PropPodNamePrefix),
		LogsType:        get(PropLogsType),
	}
}

// Kubernetes reports whether the runner type is one of the Kubernetes
// task runners (k8s, k8sAndWorker, multik8s).
func (r RunnerConfig) Kubernetes() bool {
	t := strings.ToLower(r.Type)
	return t == "k8s" || t == "k8sandworker" || t == "multik8s"
}
