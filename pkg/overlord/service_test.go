package overlord

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/overlordsim"
)

func TestParseService(t *testing.T) {
	tests := []struct {
		in      string
		want    ServiceRef
		wantErr string
	}{
		{"druid-overlord", ServiceRef{Name: "druid-overlord", Port: "8081"}, ""},
		{"druid/druid-overlord", ServiceRef{Namespace: "druid", Name: "druid-overlord", Port: "8081"}, ""},
		{"druid-overlord:9090", ServiceRef{Name: "druid-overlord", Port: "9090"}, ""},
		{"druid-overlord:http", ServiceRef{Name: "druid-overlord", Port: "http"}, ""},
		{"https:druid-overlord", ServiceRef{Name: "druid-overlord", Scheme: "https", Port: "8281"}, ""},
		{"prod/https:druid-overlord:8443", ServiceRef{Namespace: "prod", Name: "druid-overlord", Scheme: "https", Port: "8443"}, ""},
		{"http:druid-overlord", ServiceRef{Name: "druid-overlord", Port: "8081"}, ""},
		{"", ServiceRef{}, "service name"},
		{"Druid_Overlord", ServiceRef{}, "service name"},
		{"a/b/c", ServiceRef{}, "service name"},
		{"o:0", ServiceRef{}, "port"},
		{"o:70000", ServiceRef{}, "port"},
		{"o:bad_name!", ServiceRef{}, "port"},
		{"NS/o", ServiceRef{}, "namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseService(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
			if again, _ := ParseService(got.String()); again != got {
				t.Fatalf("String() %q does not round-trip", got.String())
			}
		})
	}
}

func TestProxyURL(t *testing.T) {
	tests := []struct {
		host string
		ref  ServiceRef
		ns   string
		want string
	}{
		{"https://10.0.0.1:6443", ServiceRef{Name: "druid-overlord", Port: "8081"}, "druid",
			"https://10.0.0.1:6443/api/v1/namespaces/druid/services/druid-overlord:8081/proxy/druid/indexer/v1"},
		{"https://rancher/k8s/clusters/c-1/", ServiceRef{Namespace: "prod", Name: "o", Scheme: "https", Port: "8281"}, "druid",
			"https://rancher/k8s/clusters/c-1/api/v1/namespaces/prod/services/https:o:8281/proxy/druid/indexer/v1"},
		{"localhost:8080", ServiceRef{Name: "o", Port: "8081"}, "d",
			"https://localhost:8080/api/v1/namespaces/d/services/o:8081/proxy/druid/indexer/v1"},
	}
	for _, tt := range tests {
		got, err := ProxyURL(tt.host, tt.ref, tt.ns)
		if err != nil || got != tt.want {
			t.Errorf("ProxyURL(%q, %v) = %q, %v; want %q", tt.host, tt.ref, got, err, tt.want)
		}
	}
	if _, err := ProxyURL("https://api", ServiceRef{Name: "o", Port: "8081"}, ""); err == nil {
		t.Error("no namespace accepted")
	}
}

// authTransport stands in for rest.TransportFor: it adds the API server's
// own token.
type authTransport struct{ next http.RoundTripper }

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer kube-token")
	return a.next.RoundTrip(r)
}

// TestThroughTheAPIServerProxy mounts the simulator where the API server
// would proxy it and checks the path and the API server's token.
func TestThroughTheAPIServerProxy(t *testing.T) {
	sim := overlordsim.New(overlordsim.Config{})
	sim.Put(overlordsim.NewTask("query-abc123", "query_controller", "wiki", t0()))
	const prefix = "/api/v1/namespaces/druid/services/https:druid-overlord:8281/proxy"
	var sawToken bool
	apiserver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawToken = r.Header.Get("Authorization") == "Bearer kube-token"
		if !strings.HasPrefix(r.URL.Path, prefix) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
			return
		}
		http.StripPrefix(prefix, sim).ServeHTTP(w, r)
	}))
	defer apiserver.Close()
	ref, _ := ParseService("https:druid-overlord")
	c, err := NewForService(authTransport{http.DefaultTransport}, apiserver.URL, ref, "druid", Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.TaskStatus(context.Background(), "query-abc123")
	if err != nil || st.Status.Phase() != PhasePending || !sawToken {
		t.Fatalf("status %+v, err %v, token %t", st, err, sawToken)
	}
	var he *HTTPError
	wrong, _ := NewForService(authTransport{http.DefaultTransport}, apiserver.URL, ServiceRef{Name: "other", Port: "8081"}, "druid", Options{})
	if _, err := wrong.TaskLog(context.Background(), "query-abc123", 0); !errors.As(err, &he) {
		t.Fatalf("the API server's 404 read as a Druid answer: %v", err)
	}
	if _, err := NewForService(nil, apiserver.URL, ref, "druid", Options{}); err == nil {
		t.Fatal("nil transport accepted")
	}
	if _, err := NewForService(http.DefaultTransport, apiserver.URL, ref, "druid", Options{BasicUser: "u", BasicPassword: "p"}); err == nil {
		t.Fatal("Druid credentials accepted through the API server proxy")
	}
}

func svc(name string, headless bool, ports ...corev1.ServicePort) corev1.Service {
	s := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "druid"}, Spec: corev1.ServiceSpec{Ports: ports, ClusterIP: "10.0.0.9"}}
	if headless {
		s.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return s
}

func port(name string, n int32) corev1.ServicePort { return corev1.ServicePort{Name: name, Port: n} }

func TestDiscoverService(t *testing.T) {
	tests := []struct {
		name    string
		svcs    []corev1.Service
		want    ServiceRef
		wantErr string
	}{
		{"helm chart", []corev1.Service{svc("druid-broker", false, port("http", 8082)), svc("druid-overlord", false, port("http", 8081))},
			ServiceRef{Namespace: "druid", Name: "druid-overlord", Port: "8081"}, ""},
		{"operator: ClusterIP beats headless", []corev1.Service{svc("druid-tiny-overlords", true, port("service-port", 8081)),
			svc("druid-tiny-overlords-svc", false, port("service-port", 8081))},
			ServiceRef{Namespace: "druid", Name: "druid-tiny-overlords-svc", Port: "8081"}, ""},
		{"port named overlord", []corev1.Service{svc("druid-master", false, port("coordinator", 8081), port("overlord", 8090))},
			ServiceRef{Namespace: "druid", Name: "druid-master", Port: "8090"}, ""},
		{"TLS only", []corev1.Service{svc("overlord", false, port("https", 8281))},
			ServiceRef{Namespace: "druid", Name: "overlord", Scheme: "https", Port: "8281"}, ""},
		{"plain preferred over TLS", []corev1.Service{svc("overlord", false, port("https", 8281), port("http", 8081))},
			ServiceRef{Namespace: "druid", Name: "overlord", Port: "8081"}, ""},
		{"none", []corev1.Service{svc("druid-router", false, port("http", 8888))}, ServiceRef{}, "no Service looks like"},
		{"no ports", []corev1.Service{svc("druid-overlord", false)}, ServiceRef{}, "no Service looks like"},
		{"two alike", []corev1.Service{svc("overlord-a", false, port("http", 8081)), svc("overlord-b", false, port("http", 8081))},
			ServiceRef{}, "overlord-a, overlord-b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DiscoverService(tt.svcs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func t0() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }
