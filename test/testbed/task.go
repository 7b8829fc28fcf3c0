package testbed

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// Druid task runner adapters (druid.indexer.runner.k8s.adapter.type).
const (
	// AdapterSingleContainer is overlordSingleContainer (K8sTaskAdapter), the default.
	AdapterSingleContainer = "overlordSingleContainer"
	// AdapterCustomTemplate is customTemplateAdapter (PodTemplateTaskAdapter, 26+).
	AdapterCustomTemplate = "customTemplateAdapter"
)

// UnschedulableLabel is the node-selector label of TaskSpec.Unschedulable pods; no node has it.
const UnschedulableLabel = "druid-logs.testbed/unschedulable"

// TaskSpec describes a Druid task whose Job the simulator creates like Druid's task runner.
type TaskSpec struct {
	Namespace     string // default "default"
	TaskID        string // required, the raw Druid task id
	DruidVersion  string // "27", "28", "33", "33.0.0"...; default "33"
	Adapter       string // AdapterSingleContainer (default) or AdapterCustomTemplate
	NamePrefix    string // druid.indexer.runner.k8sTaskPodNamePrefix (33+)
	ContainerName string // default "main"
	Node          string // NodeKubelet (default) or NodeKWOK
	Type          string // task type, e.g. "index_kafka"; default "noop"
	DataSource    string // default "wikipedia"
	GroupID       string // default TaskID
	Image         string // the main container's image; default apache/druid:MAJOR.0.0
	// Unschedulable leaves spec.nodeName empty and selects a node label nobody has, so the
	// scheduler marks the pod PodScheduled=False/Unschedulable and it stays Pending.
	Unschedulable bool
	// Labels and Annotations are druid.indexer.runner.labels / .annotations.
	Labels, Annotations map[string]string
	// LogRotation, on NodeKubelet, makes the test kubelet rotate the container's log while it
	// runs as the kubelet does with containerLogMaxSize and containerLogMaxFiles (MaxSize 64 KiB
	// keeps tests fast; see package kubeletlog). Nil: never rotated.
	LogRotation *kubeletlog.Policy
}

// Task is a simulated Druid peon: its Job exists; its pod is driven by the methods of Task.
type Task struct {
	// Spec is the spec with defaults filled in.
	Spec TaskSpec
	// JobName is the Job's name (Druid's naming rule for Spec.DruidVersion).
	JobName string
	// Job is the Job as created.
	Job *batchv1.Job

	cluster   *Cluster
	mu        sync.Mutex
	pod       *corev1.Pod
	startedAt metav1.Time
}

func (s *TaskSpec) defaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&s.Namespace, "default")
	def(&s.DruidVersion, "33")
	def(&s.Adapter, AdapterSingleContainer)
	def(&s.ContainerName, "main")
	def(&s.Node, NodeKubelet)
	def(&s.Type, "noop")
	def(&s.DataSource, "wikipedia")
	def(&s.GroupID, s.TaskID)
}

// CreateTask creates the namespace if needed and the Job Druid's task runner would create for
// spec in cluster c; the real Job controller then creates the pod.
func (c *Cluster) CreateTask(ctx context.Context, spec TaskSpec) (*Task, error) {
	if spec.TaskID == "" {
		return nil, fmt.Errorf("testbed: TaskSpec.TaskID is required")
	}
	if spec.Unschedulable && !c.HasScheduler() {
		return nil, fmt.Errorf("testbed: TaskSpec.Unschedulable needs kube-scheduler, which only the first cluster runs (not %s)", c.Name())
	}
	spec.defaults()
	if err := c.EnsureNamespace(ctx, spec.Namespace); err != nil {
		return nil, err
	}
	t := &Task{Spec: spec, cluster: c, JobName: JobName(spec.DruidVersion, spec.NamePrefix, spec.TaskID)}
	job, err := c.clientset.BatchV1().Jobs(spec.Namespace).Create(ctx, t.buildJob(), metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating Job %s: %w", t.JobName, err)
	}
	t.Job = job
	return t, nil
}

// Cluster is the cluster the task runs in.
func (t *Task) Cluster() *Cluster { return t.cluster }

func (t *Task) buildJob() *batchv1.Job {
	s := t.Spec
	major := DruidMajor(s.DruidVersion)
	labels := map[string]string{}
	maps.Copy(labels, s.Labels)
	labels["druid.k8s.peons"] = "true"
	jobAnn, podAnn := map[string]string{}, map[string]string{}
	maps.Copy(jobAnn, s.Annotations)
	maps.Copy(podAnn, s.Annotations)
	podAnn["task.id"], podAnn["tls.enabled"] = s.TaskID, "false"
	jobAnn["task.id"] = s.TaskID
	image := s.Image
	if image == "" {
		image = fmt.Sprintf("apache/druid:%d.0.0", major)
	}
	container := corev1.Container{
		Name:  s.ContainerName,
		Image: image,
		Env: []corev1.EnvVar{
			{Name: "TASK_DIR", Value: "/druid/data/persistent/task"},
			{Name: "TASK_ID", Value: s.TaskID},
		},
	}
	podSpec := corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr(int64(30))}
	if s.Adapter == AdapterCustomTemplate {
		if major >= 27 {
			labels["druid.task.id"] = TaskIDLabel(s.TaskID)
			labels["druid.task.type"] = StringLabel(s.Type)
			labels["druid.task.group.id"] = TaskIDLabel(s.GroupID)
			labels["druid.task.datasource"] = StringLabel(s.DataSource)
		}
		if major >= 33 {
			labels["druid.overlord.namespace"] = s.Namespace
		}
		for _, a := range []map[string]string{jobAnn, podAnn} {
			a["task.type"], a["task.group.id"], a["task.datasource"] = s.Type, s.GroupID, s.DataSource
			if major >= 31 {
				a["task.jobTemplate"] = "base"
			}
		}
		podAnn["task"] = taskPayload(s)
		container.Command = []string{"sh", "-c", "/peon.sh /druid/data 1"}
	} else {
		jobAnn["tls.enabled"] = "false"
		podSpec.Hostname = t.JobName
		container.Command = []string{"sh", "-c", "/peon.sh /druid/data/persistent/task 1 --taskId " + strconv.Quote(s.TaskID)}
		container.Ports = []corev1.ContainerPort{
			{Name: "druid-tls-port", ContainerPort: 8091, Protocol: corev1.ProtocolTCP},
			{Name: "druid-port", ContainerPort: 8100, Protocol: corev1.ProtocolTCP},
		}
		container.Env = append(container.Env,
			corev1.EnvVar{Name: "druid_host", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			corev1.EnvVar{Name: "HOSTNAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
	}
	podSpec.Containers = []corev1.Container{container}
	if s.Unschedulable {
		podSpec.NodeSelector = map[string]string{UnschedulableLabel: "true"}
	} else {
		podSpec.NodeName = s.Node
	}
	podLabels := maps.Clone(labels)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: t.JobName, Namespace: s.Namespace, Labels: labels, Annotations: jobAnn},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr(int32(0)),
			ActiveDeadlineSeconds:   ptr(int64(14400)),
			TTLSecondsAfterFinished: ptr(int32(172800)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnn},
				Spec:       podSpec,
			},
		},
	}
}

// taskPayload is the pod annotation "task": gzip + base64 of a small task JSON, like Druid's.
func taskPayload(s TaskSpec) string {
	js, _ := json.Marshal(map[string]any{"type": s.Type, "id": s.TaskID, "groupId": s.GroupID, "dataSource": s.DataSource})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(js)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func ptr[T any](v T) *T { return &v }

// EnsureNamespace creates namespace ns if missing and waits for its default ServiceAccount.
func (c *Cluster) EnsureNamespace(ctx context.Context, ns string) error {
	_, err := c.clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	// The controller-manager makes it; after an API server outage its
	// informers come back with backoff, which can take most of a minute.
	return WaitFor(ctx, 90*time.Second, "default ServiceAccount in "+ns, func(ctx context.Context) (bool, error) {
		_, err := c.clientset.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}
