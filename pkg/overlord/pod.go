package overlord

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Druid's default ports of a stand-alone Overlord (druid.plaintextPort,
// druid.tlsPort in the example configs).
const (
	OverlordPort    = 8090
	OverlordTLSPort = 8290
)

// PodTarget is an Overlord pod reached through the API server's pod proxy.
type PodTarget struct {
	Namespace, Name string
	// Scheme is "" (http) or "https".
	Scheme string
	Port   int
}

// String is the pods/proxy name: NS/[https:]NAME:PORT.
func (p PodTarget) String() string {
	s := p.Name + ":" + strconv.Itoa(p.Port)
	if p.Scheme != "" {
		s = p.Scheme + ":" + s
	}
	return p.Namespace + "/" + s
}

// PodTargetOf picks the port of an Overlord pod: a container port whose
// name names the Overlord or Druid's port (overlord, druid-port, http,
// https, druid-tls-port), else one of Druid's default Overlord or
// Coordinator ports (8090, 8290, 8081, 8281), else the first declared
// port, else 8090. TLS is chosen by a port name holding "tls" or "https",
// or port 8290/8281.
func PodTargetOf(pod *corev1.Pod) PodTarget {
	t := PodTarget{Namespace: pod.Namespace, Name: pod.Name, Port: OverlordPort}
	var ports []corev1.ContainerPort
	for _, c := range pod.Spec.Containers {
		ports = append(ports, c.Ports...)
	}
	pick := func(p corev1.ContainerPort) PodTarget {
		t.Port = int(p.ContainerPort)
		n := strings.ToLower(p.Name)
		if strings.Contains(n, "tls") || strings.Contains(n, "https") || p.ContainerPort == OverlordTLSPort || p.ContainerPort == DefaultTLSPort {
			t.Scheme = "https"
		}
		return t
	}
	for _, want := range []string{"overlord", "druid-port", "http", "druid-tls-port", "https"} {
		for _, p := range ports {
			if strings.Contains(strings.ToLower(p.Name), want) {
				return pick(p)
			}
		}
	}
	for _, want := range []int32{OverlordPort, OverlordTLSPort, DefaultPort, DefaultTLSPort} {
		for _, p := range ports {
			if p.ContainerPort == want {
				return pick(p)
			}
		}
	}
	if len(ports) > 0 {
		return pick(ports[0])
	}
	return t
}

// PodProxyURL is the Overlord API base through the API server's pod proxy:
// <apiserver>/api/v1/namespaces/NS/pods/[https:]NAME:PORT/proxy/druid/indexer/v1.
func PodProxyURL(apiServerHost string, t PodTarget) (string, error) {
	if t.Namespace == "" || t.Name == "" {
		return "", errors.New("overlord: no pod for the pod proxy")
	}
	host := strings.TrimRight(apiServerHost, "/")
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	name := t.Name + ":" + strconv.Itoa(t.Port)
	if t.Scheme != "" {
		name = t.Scheme + ":" + name
	}
	return fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s/proxy%s", host, t.Namespace, name, BasePath), nil
}

// NewForPod returns a Client that reaches an Overlord pod through the
// API server's pod proxy (RBAC: get on pods/proxy). As with
// NewForService, Druid credentials cannot travel this way.
func NewForPod(rt http.RoundTripper, apiServerHost string, t PodTarget, opts Options) (*Client, error) {
	if rt == nil {
		return nil, errors.New("overlord: no API server transport")
	}
	if opts.BasicUser != "" || opts.BasicPassword != "" || opts.BearerToken != "" {
		return nil, errors.New("overlord: Druid credentials cannot pass the Kubernetes API server proxy " +
			"(it consumes the Authorization header); use --overlord with a URL, e.g. through kubectl port-forward")
	}
	u, err := PodProxyURL(apiServerHost, t)
	if err != nil {
		return nil, err
	}
	opts.URL, opts.Transport = u, rt
	return New(opts)
}
