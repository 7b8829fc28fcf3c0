package cmd

import (
	"fmt"
	"net/http"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Clients are what a subcommand needs to talk to the cluster.
type Clients struct {
	Kube kubernetes.Interface
	// Namespace is -n, or the kubeconfig context's namespace.
	Namespace string
	// Debugf prints a --debug marker (a no-op without --debug).
	Debugf func(format string, args ...any)
}

// clients builds the API clients from the kubeconfig flags. No discovery
// and no API request happens here.
func (g *Globals) newClients() (*Clients, error) {
	ns, _, err := g.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
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
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	return &Clients{Kube: kube, Namespace: ns, Debugf: debugf}, nil
}

// locator returns a Locator over these clients.
func (c *Clients) locator(t *taskFlags) *locate.Locator {
	return &locate.Locator{Client: c.Kube, Namespace: c.Namespace, AllNamespaces: t.AllNamespaces,
		NamePrefix: t.NamePrefix, Debugf: c.Debugf}
}

func (g *Globals) debugf(format string, args ...any) {
	if g.Debug {
		fmt.Fprintf(g.ErrOut, "debug: "+format+"\n", args...)
	}
}

func kubeconfigError(err error) error {
	return exitcode.New(exitcode.Usage, "kubeconfig: "+oneLine(err.Error()), err)
}

// debugTransport prints one line per API request: method, URL, status and
// time. It never prints headers, so tokens and certificates stay out.
type debugTransport struct {
	next   http.RoundTripper
	debugf func(string, ...any)
}

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
