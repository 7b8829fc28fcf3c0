// Package testbed runs and drives the druid-logs real-Kubernetes test bed for end-to-end tests: a
// real kube-apiserver (RBAC, audit log), etcd, kube-controller-manager, kube-scheduler and KWOK
// with two simulated nodes, started by hack/testbed/up.sh from binaries that hack/testbed/build.sh
// caches outside the repository:
//
//   - NodeKWOK ("kwok-endless"): logs served by KWOK from Logs objects; a follow stream never ends.
//   - NodeKubelet ("kubelet-ending"): logs served by the test kubelet (package kubelet) through
//     the kubelet's own reader; a follow stream ends once the container is terminated, a task's
//     log can be rotated as the kubelet rotates it (TaskSpec.LogRotation), and faults can be
//     injected (CutStreams, HoldStreams, EndStreamsCleanly, SetIdleCut, StopLogServer,
//     StartLogServer). TokenUser gives a kubeconfig whose token file can be replaced mid-follow.
//
// CreateTask simulates Druid's Kubernetes task runner (Job names, labels, annotations per release
// and adapter) and Task drives the peon pod's lifecycle by writing its status. StartSupervisor
// rolls tasks of one datasource one after another, as a Kafka or Kinesis supervisor does.
//
// A bed is one cluster unless a test asks for more (Options.Clusters, Bed.Clusters): further,
// independent clusters (own etcd, API server, PKI, nodes), as Druid's multik8s runner uses them,
// with one kubeconfig holding a context for each (Bed.MultiKubeconfig). Bed embeds its first
// Cluster, so every Cluster method called on the Bed acts on the first cluster.
//
// Set DRUID_LOGS_TESTBED_KUBECONFIG to the kubeconfig of a bed started by up.sh to attach to it
// instead of starting one.
package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
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
	// Clusters is how many clusters to start (default 1). Each further cluster takes as long to
	// start as the first and ~500 MB; a suite that needs it in some tests only calls Bed.Clusters
	// there instead.
	Clusters int
}

// Bed is a running test bed: one or more clusters. Every method of Cluster can be called on the
// Bed itself and acts on the first cluster (bed.CreateTask is bed.Cluster(0).CreateTask).
type Bed struct {
	*firstCluster
	dir, repoRoot string
	owned         bool
	out           io.Writer

	mu       sync.Mutex // serialises starting clusters
	clusters []*Cluster
}

// firstCluster names the Bed's embedded first cluster (a field named Cluster would clash with
// the method Cluster).
type firstCluster = Cluster

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
		if _, err := b.Clusters(ctx, opts.Clusters); err != nil {
			return nil, err
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
	if _, err := b.Clusters(ctx, opts.Clusters); err != nil {
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

// load reads the clusters of b.dir: the first in b.dir itself, the others (started by
// add-cluster.sh) in b.dir/cluster-b, cluster-c... in order.
func (b *Bed) load() error {
	b.clusters = nil
	for i := 0; ; i++ {
		dir := b.clusterDir(i)
		if _, err := os.Stat(filepath.Join(dir, "testbed.env")); i > 0 && errors.Is(err, fs.ErrNotExist) {
			break
		}
		c, err := loadCluster(b, i, dir)
		if err != nil {
			return err
		}
		b.clusters = append(b.clusters, c)
	}
	b.firstCluster = b.clusters[0]
	if b.repoRoot == "" {
		b.repoRoot = b.Env("TESTBED_REPO_ROOT")
	}
	return nil
}

// clusterDir is the state directory of cluster i, as add-cluster.sh names it.
func (b *Bed) clusterDir(i int) string {
	if i == 0 {
		return b.dir
	}
	return filepath.Join(b.dir, "cluster-"+string(rune('a'+i)))
}

// Cluster returns cluster i (0 is the first, the one embedded in the Bed), or nil if it has not
// been started (see Clusters).
func (b *Bed) Cluster(i int) *Cluster {
	b.mu.Lock()
	defer b.mu.Unlock()
	if i < 0 || i >= len(b.clusters) {
		return nil
	}
	return b.clusters[i]
}

// Clusters returns the bed's first n clusters, starting the missing ones first with
// hack/testbed/add-cluster.sh (~5 s each on an idle machine; ports: the first cluster's plus
// 50 per cluster) and rewriting MultiKubeconfig. Safe for concurrent use: tests that each need
// two clusters share the second. On an attached bed the clusters it starts are left running.
func (b *Bed) Clusters(ctx context.Context, n int) ([]*Cluster, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > 9 {
		return nil, fmt.Errorf("testbed: at most 9 clusters, not %d", n)
	}
	for len(b.clusters) < n {
		i := len(b.clusters)
		if err := b.script(ctx, []string{"TESTBED_DIR=" + b.dir}, "add-cluster.sh"); err != nil {
			return nil, fmt.Errorf("testbed: adding cluster %d: %w (logs in %s/run)", i+1, err, b.clusterDir(i))
		}
		c, err := loadCluster(b, i, b.clusterDir(i))
		if err != nil {
			return nil, err
		}
		b.clusters = append(b.clusters, c)
	}
	return slices.Clone(b.clusters[:n]), nil
}

// MultiKubeconfig is the path of the admin kubeconfig with one context per cluster, as a user of
// Druid's multik8s runner has it: contexts "cluster-a", "cluster-b"... (Cluster.Context), each
// with its own namespace (Cluster.Namespace), current context "cluster-a". It exists once a
// second cluster was started. Kubeconfig (the first cluster's) stays a single-context file.
func (b *Bed) MultiKubeconfig() string { return filepath.Join(b.dir, "multi.kubeconfig") }

// Stop stops a bed that Start started, every cluster of it (down.sh); an attached bed is left
// running.
func (b *Bed) Stop() {
	if b == nil || !b.owned {
		return
	}
	_ = b.script(context.Background(), []string{"TESTBED_DIR=" + b.dir}, "down.sh")
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
