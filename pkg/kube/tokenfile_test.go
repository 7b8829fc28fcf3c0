package kube

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// TestAReplacedTokenFileIsReadAfterOne401: a kubeconfig's tokenFile (or a
// projected ServiceAccount token) is replaced and the old token revoked
// while a long follow runs. client-go alone re-reads the file only every
// ~50 s, so every request of that minute would be refused; the plugin's
// clients forget the cached token at the first 401, so the request after it
// carries the new one, for short requests and log streams alike.
func TestAReplacedTokenFileIsReadAfterOne401(t *testing.T) {
	var mu sync.Mutex
	valid := "old-token"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+valid
		mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`))
			return
		}
		if r.URL.Path == "/api/v1/namespaces/druid/pods/p/log" {
			_, _ = w.Write([]byte("a line\n"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"druid"}}`))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("old-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewForConfig(&rest.Config{Host: srv.URL, BearerToken: "old-token", BearerTokenFile: file,
		TLSClientConfig: rest.TLSClientConfig{CAData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	get := func() error { _, err := c.Pods("druid").Get(ctx, "p", metav1.GetOptions{}); return err }
	stream := func() error {
		rc, err := c.Pods("druid").GetLogs("p", &corev1.PodLogOptions{Container: "main"}).Stream(ctx)
		if err == nil {
			_ = rc.Close()
		}
		return err
	}
	for name, call := range map[string]func() error{"a short request": get, "a log stream": stream} {
		if err := call(); err != nil {
			t.Fatalf("%s with the first token: %v", name, err)
		}
	}
	// The token is replaced and the old one revoked.
	if err := os.WriteFile(file, []byte("new-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	valid = "new-token"
	mu.Unlock()
	for name, call := range map[string]func() error{"a short request": get, "a log stream": stream} {
		_ = call() // may be refused once: the cached token is the revoked one
		if err := call(); err != nil {
			t.Fatalf("%s after one 401: %v, want the new token read from the file", name, err)
		}
	}
}
