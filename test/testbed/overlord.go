package testbed

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// OverlordLabels are the Druid Helm chart's labels of an Overlord pod.
var OverlordLabels = map[string]string{"app": "druid", "component": "overlord"}

// OverlordSpec describes a simulated Druid Overlord pod: a plain pod on the test kubelet's
// node whose log the test writes, as an Overlord (instrumented or not) would.
type OverlordSpec struct {
	Namespace string            // default "default"
	Name      string            // default "druid-overlord-0"
	Labels    map[string]string // default OverlordLabels
	Container string            // default "druid"
	// ServiceAccount is the pod's spec.serviceAccountName (it must exist);
	// default: the namespace's default account.
	ServiceAccount string
	// Image is the container's image; default apache/druid:33.0.0.
	Image string
	// Env is the container's environment (druid_* properties, DRUID_LOG4J).
	Env []corev1.EnvVar
}

// Overlord is a simulated Overlord pod, running (it has an IP) once CreateOverlord returns.
type Overlord struct {
	Spec OverlordSpec
	// IP is the pod's IP.
	IP      string
	cluster *Cluster
}

// CreateOverlord creates the pod on NodeKubelet and makes it run: after KWOK gave it the
// kubelet's ContainerCreating status, it gets an IP, phase Running and its container running.
func (c *Cluster) CreateOverlord(ctx context.Context, spec OverlordSpec) (*Overlord, error) {
	if spec.Namespace == "" {
		spec.Namespace = "default"
	}
	if spec.Name == "" {
		spec.Name = "druid-overlord-0"
	}
	if spec.Labels == nil {
		spec.Labels = maps.Clone(OverlordLabels)
	}
	if spec.Container == "" {
		spec.Container = "druid"
	}
	if spec.Image == "" {
		spec.Image = "apache/druid:33.0.0"
	}
	if err := c.EnsureNamespace(ctx, spec.Namespace); err != nil {
		return nil, err
	}
	pods := c.clientset.CoreV1().Pods(spec.Namespace)
	_, err := pods.Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: spec.Name, Labels: spec.Labels},
		Spec: corev1.PodSpec{NodeName: NodeKubelet, ServiceAccountName: spec.ServiceAccount, Containers: []corev1.Container{{
			Name: spec.Container, Image: spec.Image, Args: []string{"overlord"}, Env: spec.Env,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8081}},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating Overlord pod %s: %w", spec.Name, err)
	}
	o := &Overlord{Spec: spec, cluster: c}
	err = WaitFor(ctx, DefaultTimeout, "ContainerCreating status of pod "+spec.Name, func(ctx context.Context) (bool, error) {
		p, err := pods.Get(ctx, spec.Name, metav1.GetOptions{})
		return err == nil && len(p.Status.ContainerStatuses) > 0, err
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(o.LogPath()), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(o.LogPath(), nil, 0o644); err != nil {
		return nil, err
	}
	now := metav1.Now()
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := pods.Get(ctx, spec.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ip := podIP(string(p.UID))
		o.IP = ip
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
		p.Status.HostIP, p.Status.HostIPs = "127.0.0.1", []corev1.HostIP{{IP: "127.0.0.1"}}
		p.Status.StartTime = &now
		setConditions(p, now, corev1.ConditionTrue, "")
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: spec.Container, Ready: true, Started: ptr(true),
			Image: spec.Image, ImageID: "docker.io/apache/druid@sha256:" + strings.Repeat("0", 64),
			ContainerID: containerID(p, spec.Container),
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
		_, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Pod is the Overlord's pod as NAMESPACE/NAME.
func (o *Overlord) Pod() string { return o.Spec.Namespace + "/" + o.Spec.Name }

// LogPath is the Overlord container's CRI log file on the test kubelet's node.
func (o *Overlord) LogPath() string {
	return filepath.Join(o.cluster.dir, "logs", o.Spec.Namespace, o.Spec.Name, o.Spec.Container+".log")
}

// AppendLog appends lines (stdout, full lines) to the Overlord's log with the current time.
func (o *Overlord) AppendLog(lines ...string) error {
	return appendCRIFile(o.LogPath(), time.Now(), lines)
}

// AppendLogAt appends lines with the kubelet timestamp ts.
func (o *Overlord) AppendLogAt(ts time.Time, lines ...string) error {
	return appendCRIFile(o.LogPath(), ts, lines)
}

// appendCRIFile appends lines to a container log file as the runtime's CRI records.
func appendCRIFile(path string, ts time.Time, lines []string) error {
	var sb strings.Builder
	stamp := ts.UTC().Format(time.RFC3339Nano)
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			sb.WriteString(stamp + " stdout F " + part + "\n")
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(sb.String()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
