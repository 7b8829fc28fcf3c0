package testbed

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Cluster is one Kubernetes cluster of the bed: its own etcd, kube-apiserver (RBAC, audit log),
// kube-controller-manager, KWOK and test kubelet, with nodes NodeKWOK and NodeKubelet. The first
// cluster also runs kube-scheduler and every controller; the others (add-cluster.sh) run no
// scheduler (TaskSpec.Unschedulable is refused there) and only the controllers peon Jobs need.
type Cluster struct {
	bed        *Bed
	index      int
	dir        string
	env        map[string]string
	restConfig *rest.Config
	clientset  kubernetes.Interface
}

// loadCluster reads the testbed.env and admin kubeconfig of the cluster in dir.
func loadCluster(b *Bed, index int, dir string) (*Cluster, error) {
	c := &Cluster{bed: b, index: index, dir: dir, env: map[string]string{}}
	f, err := os.Open(filepath.Join(dir, "testbed.env"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			c.env[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if c.restConfig, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig()); err != nil {
		return nil, err
	}
	c.restConfig.UserAgent = "druid-logs-testbed"
	// kubectl's client limits, not client-go's 5/s (burst 10): with those, the bed's own client
	// was what made a test or benchmark that sets up 50 tasks wait (~70 s on 2 busy cores).
	c.restConfig.QPS, c.restConfig.Burst = 50, 300
	c.clientset, err = kubernetes.NewForConfig(c.restConfig)
	return c, err
}

// Index is the cluster's position in the bed: 0 for the first.
func (c *Cluster) Index() int { return c.index }

// Name is the cluster's name, also its context's in MultiKubeconfig: "cluster-a", "cluster-b"...
func (c *Cluster) Name() string { return c.envOr("TESTBED_CLUSTER_NAME", "cluster-a") }

// Context is the name of the cluster's context in MultiKubeconfig (its Name).
func (c *Cluster) Context() string { return c.Name() }

// Namespace is the namespace of the cluster's context in MultiKubeconfig: "druid-a",
// "druid-b"... (each exists). Like Druid's per-cluster task namespace, it differs per cluster.
func (c *Cluster) Namespace() string { return c.envOr("TESTBED_CONTEXT_NAMESPACE", "druid-a") }

// HasScheduler tells whether kube-scheduler runs in the cluster (only in the first).
func (c *Cluster) HasScheduler() bool { return c.envOr("TESTBED_SCHEDULER", "1") == "1" }

func (c *Cluster) envOr(key, def string) string {
	if v := c.env[key]; v != "" {
		return v
	}
	return def
}

// Dir is the cluster's state directory (TESTBED_DIR of the first cluster, which holds the
// others' directories: cluster-b...).
func (c *Cluster) Dir() string { return c.dir }

// Kubeconfig is the path of the cluster's admin (system:masters) kubeconfig: one context, namespace
// "default". MultiKubeconfig has every cluster's.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.dir, "kubeconfig") }

// Clientset is an admin client.
func (c *Cluster) Clientset() kubernetes.Interface { return c.clientset }

// RESTConfig is the admin client configuration.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.restConfig) }

// Kubectl is the path of the built kubectl (same version as the API server).
func (c *Cluster) Kubectl() string { return filepath.Join(c.env["TESTBED_BIN_DIR"], "kubectl") }

// Env returns a setting of the cluster's testbed.env, e.g. "TESTBED_APISERVER_PORT".
func (c *Cluster) Env(key string) string { return c.env[key] }

// AuditLog is the path of the API server's audit log (one JSON event per line, Metadata level).
func (c *Cluster) AuditLog() string { return filepath.Join(c.dir, "audit.log") }

// CutStreams makes the test kubelet close every open log stream abruptly; it returns how many.
func (c *Cluster) CutStreams() (int, error) {
	out, err := c.control(http.MethodPost, "cut")
	if err != nil {
		return 0, err
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(out), "cut "))
	return n, nil
}

// HoldStreams makes the test kubelet's open follow streams send nothing more, as a stalled proxy
// would: they stay open, whatever the log or the container does, until they are ended
// (EndStreamsCleanly, CutStreams, StopLogServer) or the client goes away. Streams opened later
// are not held. It returns how many streams it held; when it returns, none is still sending.
func (c *Cluster) HoldStreams() (int, error) { return c.controlCount("hold", "held ") }

// EndStreamsCleanly makes the test kubelet end every open follow stream now with a normal end of
// response, without sending the rest of the log, as a proxy, an API server restart or a load
// balancer can: through the API server the client sees a clean EOF. Held streams end too. It
// returns how many streams it ended, once they have ended.
func (c *Cluster) EndStreamsCleanly() (int, error) { return c.controlCount("end", "ended ") }

func (c *Cluster) controlCount(cmd, prefix string) (int, error) {
	out, err := c.control(http.MethodPost, cmd)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(out), prefix))
}

// SetIdleCut makes the test kubelet end every follow stream, open or to come, that has sent
// nothing for after, as an idle timeout does (a load balancer's, the kubelet's
// streaming-connection-idle-timeout): abrupt closes its TCP connection, else the response ends
// normally. Zero turns it off (a bed is shared: turn it off when done).
func (c *Cluster) SetIdleCut(after time.Duration, abrupt bool) error {
	_, err := c.control(http.MethodPost, fmt.Sprintf("idle?after=%s&abrupt=%t", after, abrupt))
	return err
}

// StopLogServer stops the test kubelet's log server: open streams are cut, new connections refused.
func (c *Cluster) StopLogServer() error { _, err := c.control(http.MethodPost, "stop"); return err }

// StartLogServer starts the test kubelet's log server again on the same port.
func (c *Cluster) StartLogServer() error { _, err := c.control(http.MethodPost, "start"); return err }

// OpenLogStreams returns how many follow streams the test kubelet is serving.
func (c *Cluster) OpenLogStreams() (int, error) {
	out, err := c.control(http.MethodGet, "status")
	if err != nil {
		return 0, err
	}
	_, n, _ := strings.Cut(strings.TrimSpace(out), "open_streams=")
	return strconv.Atoi(n)
}

func (c *Cluster) control(method, cmd string) (string, error) {
	req, err := http.NewRequest(method, "http://127.0.0.1:"+c.env["TESTBED_KUBELET_CONTROL_PORT"]+"/"+cmd, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("test kubelet %s: %s: %s", cmd, resp.Status, body)
	}
	return string(body), nil
}
