package cmd

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
)

// overlordFlags say how to reach the Druid Overlord, if at all.
type overlordFlags struct {
	URL             string
	Service         string
	CredentialsFile string
	CAFile          string
	Insecure        bool
}

func (f *overlordFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.URL, "overlord", "", "Overlord base URL (e.g. https://druid-overlord:8281): task status, and finished tasks' logs from task-log storage")
	fs.StringVar(&f.Service, "overlord-service", "", "Reach the Overlord through the API server's service proxy: [NAMESPACE/][https:]NAME[:PORT], or \"auto\" to find its Service in the namespace")
	fs.StringVar(&f.CredentialsFile, "overlord-credentials-file", "", "File holding user:password or a bearer token for the Overlord (else env "+
		overlord.EnvUser+"/"+overlord.EnvPassword+" or "+overlord.EnvToken+")")
	fs.StringVar(&f.CAFile, "overlord-ca-file", "", "CA bundle to verify the Overlord's TLS certificate")
	fs.BoolVar(&f.Insecure, "overlord-insecure-skip-tls-verify", false, "Do not verify the Overlord's TLS certificate (insecure)")
}

// client builds the Overlord client, or returns nil when none is configured.
func (f *overlordFlags) client(g *Globals, namespace string) (*overlord.Client, error) {
	usage := func(err error) error { return exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err) }
	switch {
	case f.URL == "" && f.Service == "":
		return nil, nil
	case f.URL != "" && f.Service != "":
		return nil, usage(fmt.Errorf("--overlord and --overlord-service cannot be used together"))
	}
	creds, err := overlord.LoadCredentials(f.CredentialsFile, os.Getenv)
	if err != nil {
		return nil, usage(err)
	}
	if f.URL != "" {
		opts := overlord.Options{URL: f.URL, CAFile: f.CAFile, InsecureSkipVerify: f.Insecure}
		opts.SetCredentials(creds)
		c, err := overlord.New(opts)
		if err != nil {
			return nil, usage(err)
		}
		return c, nil
	}
	if !creds.IsZero() {
		// The API server consumes the Authorization header before it
		// proxies, so Druid credentials cannot travel that way.
		return nil, usage(fmt.Errorf("--overlord-service cannot carry Overlord credentials: the API server proxy drops them; use --overlord URL (e.g. through kubectl port-forward)"))
	}
	ref, err := f.serviceRef(g, namespace)
	if err != nil {
		return nil, err
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	c, err := overlord.NewForService(rt, cfg.Host, ref, namespace, overlord.Options{})
	if err != nil {
		return nil, usage(err)
	}
	return c, nil
}

// serviceRef parses --overlord-service, or with "auto" picks the Overlord's
// Service among the namespace's Services (one LIST).
func (f *overlordFlags) serviceRef(g *Globals, namespace string) (overlord.ServiceRef, error) {
	usage := func(err error) error { return exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err) }
	if f.Service != "auto" {
		ref, err := overlord.ParseService(f.Service)
		if err != nil {
			return ref, usage(err)
		}
		return ref, nil
	}
	cl, err := g.newClients()
	if err != nil {
		return overlord.ServiceRef{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := cl.Kube.Services(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return overlord.ServiceRef{}, classify(err)
	}
	ref, err := overlord.DiscoverService(list.Items)
	if err != nil {
		return ref, usage(fmt.Errorf("--overlord-service auto: %w", err))
	}
	return ref, nil
}

// targets are the ways to the Overlord for the probes: --overlord, or
// --overlord-service through the API server's service proxy, else each of
// pods (the Overlord's, found by podsHow) through the API server's pod
// proxy; the probes ask the leader among them. None: the string says why.
func (f *overlordFlags) targets(g *Globals, namespace string, pods []corev1.Pod, podsHow string, podsErr error) ([]probe.Target, string, error) {
	if f.URL != "" || f.Service != "" {
		c, err := f.client(g, namespace)
		if err != nil {
			return nil, "", err
		}
		if f.URL != "" {
			return []probe.Target{{API: c, Where: c.BaseURL(), How: "--overlord"}}, "", nil
		}
		return []probe.Target{{API: c, Where: c.BaseURL(), How: "--overlord-service (the API server's service proxy)", Proxied: true}}, "", nil
	}
	if len(pods) == 0 {
		why := "no --overlord or --overlord-service, and no Overlord pod found"
		if podsErr != nil {
			why += ": " + msg.OneLine(podsErr.Error())
		}
		return nil, why, nil
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, "", kubeconfigError(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, "", kubeconfigError(err)
	}
	var out []probe.Target
	for i := range pods {
		t := overlord.PodTargetOf(&pods[i])
		c, err := overlord.NewForPod(rt, cfg.Host, t, overlord.Options{})
		if err != nil {
			return nil, "", exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err)
		}
		out = append(out, probe.Target{API: c, Where: "pod " + t.String(), Proxied: true,
			How: "the API server's pod proxy (Overlord pods found by " + podsHow + ")"})
	}
	return out, "", nil
}

// reviewer returns the SubjectAccessReview client of the cluster cl
// speaks to, or nil when cl is not a real API server's client (the probe
// then says "cannot check"). It goes through pkg/kube, not client-go's
// clientset, which would link every API group into the binary.
func reviewer(cl *Clients) probe.Reviewer {
	if c, ok := cl.Kube.(*kube.Client); ok {
		return c.SubjectAccessReviews()
	}
	return nil
}

// ruleFlag is --shared-informers: the runner's mode when the Overlord's
// properties cannot be read.
type ruleFlag struct {
	value bool
}

func (r *ruleFlag) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&r.value, "shared-informers", false, "The Overlord sets druid.indexer.runner.useK8sSharedInformers=true (Druid 36+): RUNNING = pod phase Running/Succeeded/Failed "+
		"instead of \"the pod has an IP\" (used when GET /status/properties cannot be read)")
}

// get is the flag when given, else nil.
func (r *ruleFlag) get(fs *pflag.FlagSet) *bool {
	if fs.Changed("shared-informers") {
		v := r.value
		return &v
	}
	return nil
}
