package cmd

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"

	"k8s.io/client-go/rest"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/retry"
)

// Clients are what a subcommand needs to talk to the cluster.
type Clients struct {
	Kube kube.Interface
	// Namespace is -n, or the kubeconfig context's namespace.
	Namespace string
	// Debugf prints a --debug marker (a no-op without --debug).
	Debugf func(format string, args ...any)
	// Context is the kubeconfig context, when several are used.
	Context string
}

// newClients builds the API clients from the kubeconfig flags. No
// discovery and no API request happens here.
func (g *Globals) newClients() (*Clients, error) {
	if names, err := g.contexts(); err != nil {
		return nil, err
	} else if names != nil {
		return nil, exitcode.New(exitcode.Usage, "this command reads one cluster: pass one --context "+
			"(several contexts, or --all-contexts, go with follow, check, status and list)", nil)
	}
	return g.clientsFrom(g.ConfigFlags)
}

// clientsFor builds the clients of one kubeconfig context (several
// clusters): its own server, credentials and namespace, unless -n names one.
func (g *Globals) clientsFor(context string) (*Clients, error) {
	kf := &KubeFlags{KubeConfig: g.ConfigFlags.KubeConfig, Overrides: g.ConfigFlags.Overrides}
	kf.Overrides.CurrentContext = context
	cl, err := g.clientsFrom(kf)
	if cl != nil {
		cl.Context = context
	}
	return cl, err
}

func (g *Globals) clientsFrom(kf *KubeFlags) (*Clients, error) {
	if err := noCluster(kf); err != nil {
		return nil, err
	}
	ns, _, err := kf.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cfg, err := kf.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cfg = rest.CopyConfig(cfg)
	// Protobuf is cheaper to decode than JSON for Job and pod lists.
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.UserAgent = "kubectl-druid_logs"
	debugf := g.debugf
	if g.Debug {
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &debugTransport{next: rt, debugf: debugf} })
	}
	// Retry GETs (LIST and WATCH included) on 429, 5xx and refused or reset
	// connections: 4 requests at most per call, client-go's own retries
	// included. Wrapped after the debug transport, so --debug shows every
	// attempt.
	cfg.Wrap(retry.Wrapper(retry.Policy{Notify: debugf}))
	kube.SetRateLimit(cfg, g.logStreams)
	client, err := kube.NewForConfig(cfg)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	return &Clients{Kube: client, Namespace: ns, Debugf: debugf}, nil
}

// locator returns a Locator over these clients.
func (c *Clients) locator(t *taskFlags) *locate.Locator {
	return &locate.Locator{Client: c.Kube, Namespace: c.Namespace, AllNamespaces: t.AllNamespaces,
		NamePrefix: t.NamePrefix, ByName: true, Debugf: c.Debugf}
}

func (g *Globals) debugf(format string, args ...any) {
	if g.Debug {
		fmt.Fprintf(g.ErrOut, "debug: "+format+"\n", args...)
	}
}

// noCluster refuses client-go's fallback to http://localhost:8080 when no
// kubeconfig names a cluster, --server is not set and the plugin does not
// run in a pod: the user forgot KUBECONFIG, and a request to whatever
// listens on localhost:8080 helps nobody.
func noCluster(cf *KubeFlags) error {
	raw, err := cf.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil // a broken kubeconfig is reported with its own error
	}
	if len(raw.Clusters) > 0 || cf.Overrides.ClusterInfo.Server != "" || os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	where := "~/.kube/config does not exist"
	if env := os.Getenv("KUBECONFIG"); env != "" {
		where = "KUBECONFIG=" + env + " names no cluster"
	}
	if cf.KubeConfig != "" {
		where = cf.KubeConfig + " names no cluster"
	}
	return exitcode.New(exitcode.Usage, "kubeconfig: no cluster configured ("+where+"): set KUBECONFIG or pass --kubeconfig", nil)
}

func kubeconfigError(err error) error {
	return exitcode.New(exitcode.Usage, "kubeconfig: "+msg.OneLine(err.Error()), err)
}

// debugTransport prints one line per API request: method, URL, status and
// time. It never prints headers, so tokens and certificates stay out.
type debugTransport struct {
	next   http.RoundTripper
	debugf func(string, ...any)
}

// WrappedRoundTripper lets client-go reach the transport underneath to
// cancel a request (utilnet.RoundTripperWrapper).
func (d *debugTransport) WrappedRoundTripper() http.RoundTripper { return d.next }

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	u := *req.URL
	u.User = nil
	if err != nil {
		d.debugf("api: %s %s -> error %v (%s)", req.Method, u.String(), err, took)
		return resp, err
	}
	d.debugf("api: %s %s -> %s (%s)", req.Method, u.String(), resp.Status, took)
	return resp, nil
}
