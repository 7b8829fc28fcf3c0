// Package testbed runs and drives the druid-logs real-Kubernetes test bed for end-to-end tests: a
// real kube-apiserver (RBAC, audit log), etcd, kube-controller-manager, kube-scheduler and KWOK
// with two simulated nodes, started by hack/testbed/up.sh from binaries that hack/testbed/build.sh
// caches outside the repository:
//
//   - NodeKWOK ("kwok-endless"): logs served by KWOK from Logs objects; a follow stream never ends.
//   - NodeKubelet ("kubelet-ending"): logs served by the test kubelet (package kubelet); a follow
//     stream ends once the container is terminated, and faults can be injected (CutStreams,
//     HoldStreams, EndStreamsCleanly, StopLogServer, StartLogServer).
//
// CreateTask simulates Druid's Kubernetes task runner (Job names, labels, annotations per release
// and adapter) and Task drives the peon pod's lifecycle by writing its status.
//
// Set DRUID_LOGS_TESTBED_KUBECONFIG to the kubeconfig of a bed started by up.sh to attach to it
// instead of starting one.
package testbed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Node names of the test bed.
const (
	// NodeKWOK is the node whose logs KWOK serves; follow streams never end.
	NodeKWOK = "kwok-endless"
	// NodeKubelet is the node whose logs the test kubelet serves; follow streams end at exit.
	NodeKubelet = "kubelet-ending"
)

// EnvKubeconfig names the environment variable that makes Start attach to a running bed.
const EnvKubeconfig = "DRUID_LOGS_TESTBED_KUBECONFIG"

// Options configure Start.
type Options struct {
	// Dir is the bed's state directory (TESTBED_DIR); default: a new temporary directory.
	Dir string
	// PortOffset is added to every default port (see hack/testbed/README.md), so that several
	// beds can run at once.
	PortOffset int
	// Output receives the scripts' progress output; default os.Stderr.
	Output io.Writer
	// RepoRoot is the repository root; default: found from the working directory or this file.
	RepoRoot string
}

// Bed is a running test bed.
type Bed struct {
	dir, repoRoot string
	env           map[string]string
	owned         bool
	out           io.Writer
	restConfig    *rest.Config
	clientset     kubernetes.Interface
}

// defaultPorts are up.sh's port variables and defaults.
var defaultPorts = map[string]int{
	"TESTBED_ETCD_PORT": 23790, "TESTBED_ETCD_PEER_PORT": 23800, "TESTBED_APISERVER_PORT": 26443,
	"TESTBED_KCM_PORT": 20257, "TESTBED_SCHEDULER_PORT": 20259, "TESTBED_KWOK_PORT": 20250,
	"TESTBED_KUBELET_PORT": 20251, "TESTBED_KUBELET_CONTROL_PORT": 20252,
}

// Start starts a test bed with hack/testbed/up.sh (building binaries first if needed, which takes
// minutes when cold), or attaches to the one named by $DRUID_LOGS_TESTBED_KUBECONFIG.
func Start(ctx context.Context, opts Options) (*Bed, error) {
	b := &Bed{out: opts.Output, repoRoot: opts.RepoRoot}
	if b.out == nil {
		b.out = os.Stderr
	}
	if b.repoRoot == "" {
		b.repoRoot = findRepoRoot()
	}
	if kc := os.Getenv(EnvKubeconfig); kc != "" {
		b.dir = filepath.Dir(kc)
		if err := b.load(); err != nil {
			return nil, fmt.Errorf("attaching to test bed at %s: %w", kc, err)
		}
		return b, nil
	}
	if b.repoRoot == "" {
		return nil, errors.New("testbed: cannot find the repository root (set Options.RepoRoot)")
	}
	b.dir = opts.Dir
	if b.dir == "" {
		d, err := os.MkdirTemp("", "druid-logs-testbed-")
		if err != nil {
			return nil, err
		}
		b.dir = d
	}
	env := []string{"TESTBED_DIR=" + b.dir}
	for k, v := range defaultPorts {
		if os.Getenv(k) == "" || opts.PortOffset != 0 {
			env = append(env, k+"="+strconv.Itoa(v+opts.PortOffset))
		}
	}
	b.owned = true
	if err := b.script(ctx, env, "up.sh"); err != nil {
		_ = b.script(context.Background(), env, "down.sh")
		return nil, fmt.Errorf("testbed up: %w (logs in %s/run)", err, b.dir)
	}
	if err := b.load(); err != nil {
		b.Stop()
		return nil, err
	}
	return b, nil
}

func (b *Bed) script(ctx context.Context, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(b.repoRoot, "hack", "testbed", name)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = b.out, b.out
	return cmd.Run()
}

// load reads testbed.env and the admin kubeconfig of b.dir.
func (b *Bed) load() error {
	f, err := os.Open(filepath.Join(b.dir, "testbed.env"))
	if err != nil {
		return err
	}
	defer f.Close()
	b.env = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			b.env[k] = v
		}
	}
	if b.repoRoot == "" {
		b.repoRoot = b.env["TESTBED_REPO_ROOT"]
	}
	if b.restConfig, err = clientcmd.BuildConfigFromFlags("", b.Kubeconfig()); err != nil {
		return err
	}
	b.restConfig.UserAgent = "druid-logs-testbed"
	b.clientset, err = kubernetes.NewForConfig(b.restConfig)
	return err
}

// Stop stops a bed that Start started (down.sh); an attached bed is left running.
func (b *Bed) Stop() {
	if b == nil || !b.owned {
		return
	}
	_ = b.script(context.Background(), []string{"TESTBED_DIR=" + b.dir}, "down.sh")
}

// Dir is the bed's state directory (TESTBED_DIR).
func (b *Bed) Dir() string { return b.dir }

// Kubeconfig is the path of the admin (system:masters) kubeconfig.
func (b *Bed) Kubeconfig() string { return filepath.Join(b.dir, "kubeconfig") }

// Clientset is an admin client.
func (b *Bed) Clientset() kubernetes.Interface { return b.clientset }

// RESTConfig is the admin client configuration.
func (b *Bed) RESTConfig() *rest.Config { return rest.CopyConfig(b.restConfig) }

// Kubectl is the path of the built kubectl (same version as the API server).
func (b *Bed) Kubectl() string { return filepath.Join(b.env["TESTBED_BIN_DIR"], "kubectl") }

// Env returns a setting of testbed.env, e.g. "TESTBED_APISERVER_PORT".
func (b *Bed) Env(key string) string { return b.env[key] }

// AuditLog is the path of the API server's audit log (one JSON event per line, Metadata level).
func (b *Bed) AuditLog() string { return filepath.Join(b.dir, "audit.log") }

// CutStreams makes the test kubelet close every open log stream abruptly; it returns how many.
func (b *Bed) CutStreams() (int, error) {
	out, err := b.control(http.MethodPost, "cut")
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
func (b *Bed) HoldStreams() (int, error) { return b.controlCount("hold", "held ") }

// EndStreamsCleanly makes the test kubelet end every open follow stream now with a normal end of
// response, without sending the rest of the log, as a proxy, an API server restart or a load
// balancer can: through the API server the client sees a clean EOF. Held streams end too. It
// returns how many streams it ended, once they have ended.
func (b *Bed) EndStreamsCleanly() (int, error) { return b.controlCount("end", "ended ") }

func (b *Bed) controlCount(cmd, prefix string) (int, error) {
	out, err := b.control(http.MethodPost, cmd)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(out), prefix))
}

// StopLogServer stops the test kubelet's log server: open streams are cut, new connections refused.
func (b *Bed) StopLogServer() error { _, err := b.control(http.MethodPost, "stop"); return err }

// StartLogServer starts the test kubelet's log server again on the same port.
func (b *Bed) StartLogServer() error { _, err := b.control(http.MethodPost, "start"); return err }

// OpenLogStreams returns how many follow streams the test kubelet is serving.
func (b *Bed) OpenLogStreams() (int, error) {
	out, err := b.control(http.MethodGet, "status")
	if err != nil {
		return 0, err
	}
	_, n, _ := strings.Cut(strings.TrimSpace(out), "open_streams=")
	return strconv.Atoi(n)
}

func (b *Bed) control(method, cmd string) (string, error) {
	req, err := http.NewRequest(method, "http://127.0.0.1:"+b.env["TESTBED_KUBELET_CONTROL_PORT"]+"/"+cmd, nil)
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

// findRepoRoot walks up from the working directory, then from this source file, to the directory
// holding hack/testbed/up.sh.
func findRepoRoot() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, d := range starts {
		for {
			if _, err := os.Stat(filepath.Join(d, "hack", "testbed", "up.sh")); err == nil {
				return d
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return ""
}
