package overlord

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Druid's default Overlord ports.
const (
	DefaultPort    = 8081
	DefaultTLSPort = 8281
)

// ServiceRef names an Overlord Service for the API server's service proxy.
type ServiceRef struct {
	// Namespace is empty when the user gave none: use the current one.
	Namespace string
	Name      string
	// Scheme is "" (http) or "https".
	Scheme string
	// Port is a port number or a port name.
	Port string
}

// String is the flag syntax: [NS/][https:]NAME:PORT.
func (s ServiceRef) String() string {
	var b strings.Builder
	if s.Namespace != "" {
		b.WriteString(s.Namespace + "/")
	}
	if s.Scheme != "" {
		b.WriteString(s.Scheme + ":")
	}
	b.WriteString(s.Name + ":" + s.Port)
	return b.String()
}

// ParseService parses --overlord-service [NS/][https:]NAME[:PORT]. The port
// defaults to 8081, or 8281 with https; it may be a number or a port name.
func ParseService(s string) (ServiceRef, error) {
	bad := func(format string, args ...any) (ServiceRef, error) {
		return ServiceRef{}, fmt.Errorf("invalid --overlord-service %q: %s (want [NAMESPACE/][https:]NAME[:PORT])", s, fmt.Sprintf(format, args...))
	}
	var ref ServiceRef
	rest := s
	if ns, r, ok := strings.Cut(rest, "/"); ok {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return bad("namespace %q: %s", ns, errs[0])
		}
		ref.Namespace, rest = ns, r
	}
	if r, ok := strings.CutPrefix(rest, "https:"); ok {
		ref.Scheme, rest = "https", r
	} else if r, ok := strings.CutPrefix(rest, "http:"); ok {
		rest = r
	}
	name, port, hasPort := strings.Cut(rest, ":")
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
		return bad("service name %q: %s", name, errs[0])
	}
	ref.Name = name
	switch {
	case !hasPort && ref.Scheme == "https":
		ref.Port = strconv.Itoa(DefaultTLSPort)
	case !hasPort:
		ref.Port = strconv.Itoa(DefaultPort)
	default:
		if n, err := strconv.Atoi(port); err == nil {
			if errs := validation.IsValidPortNum(n); len(errs) > 0 {
				return bad("port: %s", errs[0])
			}
		} else if errs := validation.IsValidPortName(port); len(errs) > 0 {
			return bad("port %q: %s", port, errs[0])
		}
		ref.Port = port
	}
	return ref, nil
}

// ProxyURL is the Overlord API base through the API server's service proxy:
// <apiserver>/api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/druid/indexer/v1.
// namespace is used when ref has none.
func ProxyURL(apiServerHost string, ref ServiceRef, namespace string) (string, error) {
	if ref.Namespace != "" {
		namespace = ref.Namespace
	}
	if namespace == "" {
		return "", errors.New("overlord: no namespace for the Overlord service")
	}
	host := strings.TrimRight(apiServerHost, "/")
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	if _, err := url.Parse(host); err != nil {
		return "", fmt.Errorf("overlord: invalid API server host: %w", err)
	}
	svc := ref.Name + ":" + ref.Port
	if ref.Scheme != "" {
		svc = ref.Scheme + ":" + svc
	}
	return host + "/api/v1/namespaces/" + namespace + "/services/" + svc + "/proxy" + BasePath, nil
}

// NewForService returns a Client that reaches the Overlord through the
// Kubernetes API server's service proxy. rt must authenticate to the API
// server (rest.TransportFor(cfg)) and apiServerHost is cfg.Host.
//
// Druid credentials cannot go this way: the API server authenticates the
// request with the Authorization header and removes it before proxying, and
// a Druid header would replace the kubeconfig's own token. So opts must not
// carry credentials; reach a secured Overlord with --overlord (a URL, e.g.
// through kubectl port-forward) instead.
func NewForService(rt http.RoundTripper, apiServerHost string, ref ServiceRef, namespace string, opts Options) (*Client, error) {
	if rt == nil {
		return nil, errors.New("overlord: no API server transport")
	}
	if opts.BasicUser != "" || opts.BasicPassword != "" || opts.BearerToken != "" {
		return nil, errors.New("overlord: Druid credentials cannot pass the Kubernetes API server proxy " +
			"(it consumes the Authorization header); use --overlord with a URL, e.g. through kubectl port-forward")
	}
	u, err := ProxyURL(apiServerHost, ref, namespace)
	if err != nil {
		return nil, err
	}
	opts.URL, opts.Transport = u, rt
	return New(opts)
}

// AmbiguousServiceError says several Services look equally like the Overlord.
type AmbiguousServiceError struct {
	Candidates []string
}

func (e *AmbiguousServiceError) Error() string {
	return fmt.Sprintf("several Services look like the Druid Overlord (%s); choose one with --overlord-service",
		strings.Join(e.Candidates, ", "))
}

// ErrNoOverlordService says no Service looks like the Overlord.
var ErrNoOverlordService = errors.New("no Service looks like the Druid Overlord " +
	"(no name or port name contains \"overlord\"); pass --overlord-service NAME[:PORT]")

// DiscoverService picks the Service that looks like the Overlord from svcs
// (one namespace's Services). A Service qualifies if its name or one of its
// port names contains "overlord"; ties are broken by a ClusterIP over a
// headless Service. The port is the one named like the Overlord, else
// 8081, else 8281 (https), else the first.
func DiscoverService(svcs []corev1.Service) (ServiceRef, error) {
	type cand struct {
		ref   ServiceRef
		score int
	}
	var cands []cand
	for i := range svcs {
		s := &svcs[i]
		score := 0
		if strings.Contains(strings.ToLower(s.Name), "overlord") {
			score += 4
		}
		port, named := pickPort(s.Spec.Ports)
		if named {
			score += 2
		}
		if score == 0 || port == nil {
			continue
		}
		if s.Spec.ClusterIP != corev1.ClusterIPNone {
			score++
		}
		ref := ServiceRef{Namespace: s.Namespace, Name: s.Name, Port: strconv.Itoa(int(port.Port))}
		if port.Port == DefaultTLSPort || strings.Contains(strings.ToLower(port.Name), "https") ||
			strings.Contains(strings.ToLower(port.Name), "tls") {
			ref.Scheme = "https"
		}
		cands = append(cands, cand{ref, score})
	}
	if len(cands) == 0 {
		return ServiceRef{}, ErrNoOverlordService
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var tied []string
	for _, c := range cands {
		if c.score == cands[0].score {
			tied = append(tied, c.ref.Name)
		}
	}
	if len(tied) > 1 {
		sort.Strings(tied)
		return ServiceRef{}, &AmbiguousServiceError{Candidates: tied}
	}
	return cands[0].ref, nil
}

// pickPort returns the Overlord port and whether its name says so.
func pickPort(ports []corev1.ServicePort) (*corev1.ServicePort, bool) {
	for i := range ports {
		if strings.Contains(strings.ToLower(ports[i].Name), "overlord") {
			return &ports[i], true
		}
	}
	for _, want := range []int32{DefaultPort, DefaultTLSPort} {
		for i := range ports {
			if ports[i].Port == want {
				return &ports[i], false
			}
		}
	}
	if len(ports) > 0 {
		return &ports[0], false
	}
	return nil, false
}
