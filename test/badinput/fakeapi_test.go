package badinput

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI is a TLS API server that answers the paths the plugin calls. With
// failCode set it answers every request with that status instead.
type fakeAPI struct {
	srv        *httptest.Server
	failCode   int
	retryAfter string
	requests   atomic.Int32
	mu         sync.Mutex
	paths      []string
}

// newFakeAPI starts a fake API server; failCode 0 serves a cluster with no
// Druid Jobs at all.
func newFakeAPI(t *testing.T, failCode int, retryAfter string) *fakeAPI {
	f := &fakeAPI{failCode: failCode, retryAfter: retryAfter}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	// The wrong-CA case makes the handshake fail on purpose: keep its log
	// line out of the test output.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.RequestURI())
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.failCode != 0 {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		writeStatus(w, f.failCode, failures[f.failCode].reason, failures[f.failCode].message)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method != http.MethodGet:
		writeStatus(w, 405, "MethodNotAllowed", "the fake server only serves GET")
	// /apis/batch/v1/namespaces/NS/jobs/NAME
	case len(parts) == 7 && parts[0] == "apis" && parts[5] == "jobs":
		writeStatus(w, 404, "NotFound", fmt.Sprintf("jobs.batch %q not found", parts[6]))
	// /apis/batch/v1/namespaces/NS/jobs or /apis/batch/v1/jobs
	case parts[0] == "apis" && parts[len(parts)-1] == "jobs":
		writeList(w, "batch/v1", "JobList")
	// /api/v1/namespaces/NS/pods or /api/v1/pods
	case parts[0] == "api" && parts[len(parts)-1] == "pods":
		writeList(w, "v1", "PodList")
	default:
		writeStatus(w, 404, "NotFound", "the server could not find the requested resource")
	}
}

// failures are the Status bodies of the failure modes.
var failures = map[int]struct{ reason, message string }{
	401: {"Unauthorized", "Unauthorized"},
	403: {"Forbidden", `jobs.batch "x" is forbidden: User "alice" cannot get resource "jobs" in API group "batch" in the namespace "druid"`},
	429: {"TooManyRequests", "storage is (re)initializing"},
	500: {"InternalError", "Internal error occurred: etcdserver: request timed out"},
	503: {"ServiceUnavailable", "the server is currently unable to handle the request"},
}

func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message, "reason": reason, "code": code})
}

func writeList(w http.ResponseWriter, apiVersion, kind string) {
	_ = json.NewEncoder(w).Encode(map[string]any{"kind": kind, "apiVersion": apiVersion,
		"metadata": map[string]any{"resourceVersion": "1"}, "items": []any{}})
}

// caPEM is the PEM of the certificate the fake servers present.
func (f *fakeAPI) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
}

// kubeconfig writes a kubeconfig for server, trusting caPEM, with a token
// user and namespace "druid", and returns its path.
func kubeconfig(t *testing.T, server string, caPEM []byte) string {
	t.Helper()
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: alice
  user:
    token: not-a-real-token
contexts:
- name: fake
  context:
    cluster: fake
    user: alice
    namespace: druid
current-context: fake
`, server, base64.StdEncoding.EncodeToString(caPEM))
	return writeFile(t, "config", cfg)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherCA returns a self-signed CA certificate that signed nothing the fake
// servers present.
func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// silentServer accepts TCP connections and never answers; it returns its
// address.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
