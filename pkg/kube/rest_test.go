package kube

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// recorder is an API server that answers every request with a JSON object of
// the right kind and remembers what was asked.
type recorder struct {
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.RequestURI())
	r.mu.Unlock()
	path := req.URL.Path
	var body any
	switch {
	case strings.HasSuffix(path, "/log"):
		_, _ = io.WriteString(w, "2026-11-26T10:00:00.000000000Z line\n")
		return
	case strings.Contains(path, "selfsubjectaccessreviews"):
		body = map[string]any{"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "status": map[string]any{"allowed": true}}
	case strings.HasSuffix(path, "/jobs/j"):
		body = map[string]any{"kind": "Job", "apiVersion": "batch/v1", "metadata": map[string]any{"name": "j"}}
	case strings.HasSuffix(path, "/jobs"):
		body = map[string]any{"kind": "JobList", "apiVersion": "batch/v1", "items": []any{map[string]any{"metadata": map[string]any{"name": "j"}}}}
	case strings.HasSuffix(path, "/pods/p"):
		body = map[string]any{"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": "p"}}
	case strings.HasSuffix(path, "/pods"):
		body = map[string]any{"kind": "PodList", "apiVersion": "v1", "items": []any{}}
	case strings.HasSuffix(path, "/events"):
		body = map[string]any{"kind": "EventList", "apiVersion": "v1", "items": []any{}}
	case strings.HasSuffix(path, "/services"):
		body = map[string]any{"kind": "ServiceList", "apiVersion": "v1", "items": []any{map[string]any{"metadata": map[string]any{"name": "druid-overlord"}}}}
	default:
		http.NotFound(w, req)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func TestEachCallReachesItsResourcePath(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"get pod", func() error {
			p, err := c.Pods("druid").Get(ctx, "p", metav1.GetOptions{})
			if err == nil && p.Name != "p" {
				t.Errorf("pod name %q", p.Name)
			}
			return err
		}, "GET /api/v1/namespaces/druid/pods/p"},
		{"list pods by label", func() error {
			_, err := c.Pods("druid").List(ctx, metav1.ListOptions{LabelSelector: "job-name=j", Limit: 1})
			return err
		}, "GET /api/v1/namespaces/druid/pods?labelSelector=job-name%3Dj&limit=1"},
		{"log", func() error {
			rc, err := c.Pods("druid").GetLogs("p", &corev1.PodLogOptions{Container: "main", Follow: true, Timestamps: true}).Stream(ctx)
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err == nil && !strings.HasSuffix(string(b), " line\n") {
				t.Errorf("log %q", b)
			}
			return err
		}, "GET /api/v1/namespaces/druid/pods/p/log?container=main&follow=true&timestamps=true"},
		{"get job", func() error {
			j, err := c.Jobs("druid").Get(ctx, "j", metav1.GetOptions{})
			if err == nil && j.Name != "j" {
				t.Errorf("job name %q", j.Name)
			}
			return err
		}, "GET /apis/batch/v1/namespaces/druid/jobs/j"},
		{"list jobs in all namespaces", func() error {
			l, err := c.Jobs("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=j"})
			if err == nil && len(l.Items) != 1 {
				t.Errorf("%d jobs", len(l.Items))
			}
			return err
		}, "GET /apis/batch/v1/jobs?fieldSelector=metadata.name%3Dj"},
		{"events", func() error {
			_, err := c.Events("druid").List(ctx, metav1.ListOptions{})
			return err
		}, "GET /api/v1/namespaces/druid/events"},
		{"services", func() error {
			_, err := c.Services("druid").List(ctx, metav1.ListOptions{})
			return err
		}, "GET /api/v1/namespaces/druid/services"},
		{"access review", func() error {
			r, err := c.SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{}, metav1.CreateOptions{})
			if err == nil && !r.Status.Allowed {
				t.Errorf("review not decoded: %+v", r.Status)
			}
			return err
		}, "POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.reqs = nil
			rec.mu.Unlock()
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.reqs) != 1 || rec.reqs[0] != tt.want {
				t.Fatalf("requests %q, want [%q]", rec.reqs, tt.want)
			}
		})
	}
}

func TestTheSchemeKnowsOnlyTheGroupsThePluginReads(t *testing.T) {
	var groups []string
	seen := map[string]bool{}
	for gvk := range theScheme().scheme.AllKnownTypes() {
		if g := gvk.GroupVersion().String(); !seen[g] {
			seen[g] = true
			groups = append(groups, g)
		}
	}
	for _, g := range groups {
		if strings.HasSuffix(g, "/__internal") {
			continue // a group's internal version: its external one is checked
		}
		switch g {
		case "v1", "batch/v1", "authorization.k8s.io/v1", "meta.k8s.io/v1", "meta.k8s.io/v1beta1", "__internal":
		default:
			t.Errorf("scheme registers %s", g)
		}
	}
	for _, want := range []string{"v1", "batch/v1", "authorization.k8s.io/v1"} {
		if !seen[want] {
			t.Errorf("scheme lacks %s", want)
		}
	}
}
