package testbed

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// componentUsers are the API users of the cluster's components that watch pods.
func (c *Cluster) componentUsers() []string {
	if !c.HasScheduler() {
		return []string{"system:kube-controller-manager", "kwok", "testbed-kubelet"}
	}
	return []string{"system:kube-controller-manager", "system:kube-scheduler", "kwok", "testbed-kubelet"}
}

// RestartAPIServer stops kube-apiserver (SIGTERM, SIGKILL after 3 s), starts it again with the same
// flags, waits for /readyz and then until the controller-manager, scheduler, kwok and the test
// kubelet watch pods again (client-go backs off after the outage, so this can take up to ~30 s;
// without it, Jobs, scheduling and log-stream ends would lag behind the test).
func (c *Cluster) RestartAPIServer(ctx context.Context) error { return c.RestartAPIServerAfter(ctx, 0) }

// RestartAPIServerAfter is RestartAPIServer with the API server left stopped for down more (as a
// control-plane upgrade or a crash loop keeps it away): clients see connections refused for that
// long, which outlasts the few quick retries a client makes of one request.
func (c *Cluster) RestartAPIServerAfter(ctx context.Context, down time.Duration) error {
	since := time.Now().UTC()
	secs := strconv.FormatFloat(down.Seconds(), 'f', -1, 64)
	if err := c.bed.script(ctx, []string{"TESTBED_DIR=" + c.dir}, "ctl.sh", "restart-apiserver", secs); err != nil {
		return err
	}
	if err := c.WaitComponentsWatching(ctx, since, 60*time.Second); err != nil {
		return err
	}
	return c.waitControllers(ctx)
}

// waitControllers waits until the controller-manager serves new namespaces
// again (their default ServiceAccount appears), so the next story does not
// pay for the outage.
func (c *Cluster) waitControllers(ctx context.Context) error {
	ns := fmt.Sprintf("probe-%d", time.Now().UnixNano())
	if err := c.EnsureNamespace(ctx, ns); err != nil {
		return err
	}
	return c.clientset.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
}

// StopAPIServer stops the cluster's kube-apiserver (SIGTERM, SIGKILL after 3 s) and leaves it
// stopped: the cluster is down (connections refused) until StartAPIServer. The cluster's other
// components keep running and retrying, as they would behind a failed control plane.
func (c *Cluster) StopAPIServer(ctx context.Context) error {
	return c.bed.script(ctx, []string{"TESTBED_DIR=" + c.dir}, "ctl.sh", "stop-apiserver")
}

// StartAPIServer starts the kube-apiserver StopAPIServer stopped, with the same flags, and waits
// like RestartAPIServer until it is ready and the cluster's components watch pods again.
func (c *Cluster) StartAPIServer(ctx context.Context) error {
	since := time.Now().UTC()
	if err := c.bed.script(ctx, []string{"TESTBED_DIR=" + c.dir}, "ctl.sh", "start-apiserver"); err != nil {
		return err
	}
	if err := c.WaitComponentsWatching(ctx, since, 60*time.Second); err != nil {
		return err
	}
	return c.waitControllers(ctx)
}

// WaitComponentsWatching waits until every cluster component has started a pod watch at or after
// since, according to the audit log.
func (c *Cluster) WaitComponentsWatching(ctx context.Context, since time.Time, timeout time.Duration) error {
	return WaitFor(ctx, timeout, "components to watch pods again", func(context.Context) (bool, error) {
		seen, err := c.podWatchers(since)
		if err != nil {
			return false, err
		}
		for _, u := range c.componentUsers() {
			if !seen[u] {
				return false, nil
			}
		}
		return true, nil
	})
}

func (c *Cluster) podWatchers(since time.Time) (map[string]bool, error) {
	f, err := os.Open(c.AuditLog())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e struct {
			Stage, Verb string
			User        struct{ Username string }
			ObjectRef   *struct{ Resource string }
			Received    time.Time `json:"requestReceivedTimestamp"`
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Verb != "watch" || e.Stage != "ResponseStarted" ||
			e.ObjectRef == nil || e.ObjectRef.Resource != "pods" || e.Received.Before(since) {
			continue
		}
		seen[e.User.Username] = true
	}
	return seen, sc.Err()
}
