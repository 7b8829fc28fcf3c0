package overlord

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Druid's 404 texts of GET /task/{id}/log (OverlordResource.doGetLog):
// 35+ (#18341) and up to 34.
const (
	noLog35 = "No log was found for this task. No logs found for this task. Ensure that the task is running and logging is configured correctly."
	noLog34 = "No log was found for this task. The task may not exist, or it may not have begun running yet."
)

// druidServer answers the cluster endpoints as a stock Overlord does
// (apache/druid master @4c0f5240c1, OverlordResource and StatusResource).
func druidServer(t *testing.T, leader bool, propsCode int) *Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/druid/indexer/v1/leader", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "http://10.244.0.15:8090")
	})
	mux.HandleFunc("/druid/indexer/v1/isLeader", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if !leader {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"leader":false}`)
			return
		}
		io.WriteString(w, `{"leader":true}`)
	})
	for _, p := range []string{"runningTasks", "pendingTasks", "waitingTasks"} {
		state := map[string]string{"runningTasks": "RUNNING", "pendingTasks": "PENDING", "waitingTasks": "WAITING"}[p]
		mux.HandleFunc("/druid/indexer/v1/"+p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `[{"id":"t-`+state+`","groupId":"g","type":"index_kafka","createdTime":"2026-07-23T10:00:00.000Z",`+
				`"queueInsertionTime":"1970-01-01T00:00:00.000Z","statusCode":"RUNNING","status":"RUNNING","runnerStatusCode":"`+state+`",`+
				`"duration":-1,"location":{"host":null,"port":-1,"tlsPort":-1},"dataSource":"wiki","errorMsg":null}]`)
		})
	}
	mux.HandleFunc("/status/properties", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if propsCode != http.StatusOK {
			w.WriteHeader(propsCode)
			io.WriteString(w, `{"Access-Check-Result":"Unauthorized"}`)
			return
		}
		io.WriteString(w, `{"druid.indexer.runner.type":"k8s","druid.indexer.runner.useK8sSharedInformers":"true",`+
			`"druid.indexer.runner.namespace":"druid","druid.indexer.runner.capacity":"2","druid.indexer.runner.debugJobs":"false",`+
			`"druid.indexer.logs.type":"s3","druid.service":"druid/overlord"}`)
	})
	mux.HandleFunc("/druid/indexer/v1/task/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/live/") && r.URL.Query().Get("offset") == "-8192":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, strings.Repeat("x", 10000))
		case strings.Contains(r.URL.Path, "/old/"):
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, noLog34)
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, noLog35)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLeaderAndIsLeader(t *testing.T) {
	ctx := context.Background()
	for _, leader := range []bool{true, false} {
		c := druidServer(t, leader, 200)
		got, err := c.IsLeader(ctx)
		if err != nil || got != leader {
			t.Errorf("IsLeader = %v, %v; want %v", got, err, leader)
		}
		url, err := c.Leader(ctx)
		if err != nil || url != "http://10.244.0.15:8090" {
			t.Errorf("Leader = %q, %v", url, err)
		}
	}
	// A 404 that is not Druid's {"leader":false} is an error.
	c := fixedServer(t, 404, "text/html", "<html>Not Found</html>")
	if _, err := c.IsLeader(ctx); err == nil {
		t.Error("IsLeader on a web page: no error")
	}
}

func TestTaskListsByRunnerState(t *testing.T) {
	c := druidServer(t, true, 200)
	ctx := context.Background()
	for name, f := range map[string]func(context.Context) ([]TaskStatusPlus, error){
		"RUNNING": c.RunningTasks, "PENDING": c.PendingTasks, "WAITING": c.WaitingTasks} {
		got, err := f(ctx)
		if err != nil || len(got) != 1 || got[0].ID != "t-"+name || string(got[0].RunnerStatusCode) != name {
			t.Errorf("%s list = %+v, %v", name, got, err)
		}
	}
}

func TestPropertiesAndRunnerConfig(t *testing.T) {
	ctx := context.Background()
	props, err := druidServer(t, true, 200).Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc := RunnerConfigFrom(props)
	want := RunnerConfig{Type: "k8s", SharedInformers: true, Namespace: "druid", Capacity: "2", LogsType: "s3"}
	if rc != want || !rc.Kubernetes() {
		t.Errorf("config = %+v, want %+v", rc, want)
	}
	_, err = druidServer(t, true, http.StatusForbidden).Properties(ctx)
	var he *HTTPError
	if !errors.As(err, &he) || !he.Unauthorized() {
		t.Errorf("403: err = %v, want an unauthorized *HTTPError", err)
	}
}

func TestProbeLog(t *testing.T) {
	c := druidServer(t, true, 200)
	ctx := context.Background()
	tests := []struct {
		id        string
		wantCode  int
		wantBytes int
		wantMsg   string
	}{
		{"live", 200, 8192, ""},
		{"gone", 404, 0, noLog35},
		{"old", 404, 0, noLog34},
	}
	for _, tt := range tests {
		got, err := c.ProbeLog(ctx, tt.id, 8192)
		if err != nil || got.Code != tt.wantCode || got.Bytes != tt.wantBytes || got.Message != tt.wantMsg {
			t.Errorf("%s: %+v, %v", tt.id, got, err)
		}
	}
}

func TestPodTargetOf(t *testing.T) {
	pod := func(ports ...corev1.ContainerPort) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "druid-overlord-0"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "druid", Ports: ports}}}}
	}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"no ports: Druid's default", pod(), "druid/druid-overlord-0:8090"},
		{"named druid-port", pod(corev1.ContainerPort{Name: "jmx", ContainerPort: 9010}, corev1.ContainerPort{Name: "druid-port", ContainerPort: 8088}), "druid/druid-overlord-0:8088"},
		{"TLS by default port", pod(corev1.ContainerPort{ContainerPort: 8290}), "druid/https:druid-overlord-0:8290"},
		{"coordinator as overlord", pod(corev1.ContainerPort{ContainerPort: 9010}, corev1.ContainerPort{ContainerPort: 8081}), "druid/druid-overlord-0:8081"},
	}
	for _, tt := range tests {
		if got := PodTargetOf(tt.pod).String(); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	u, err := PodProxyURL("https://api:6443/", PodTarget{Namespace: "druid", Name: "ov-0", Scheme: "https", Port: 8290})
	if err != nil || u != "https://api:6443/api/v1/namespaces/druid/pods/https:ov-0:8290/proxy/druid/indexer/v1" {
		t.Errorf("PodProxyURL = %s, %v", u, err)
	}
}

// A non-leader Overlord redirects task requests to the leader's own
// address (307); through the API server's proxy, whose transport carries
// the kubeconfig's credentials, that redirect must not be followed.
func TestProxiedClientDoesNotFollowRedirectsOffHost(t *testing.T) {
	leaderHit := false
	leader := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaderHit = true }))
	t.Cleanup(leader.Close)
	follower := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, leader.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(follower.Close)
	c, err := New(Options{URL: follower.URL, Transport: http.DefaultTransport})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.TaskStatus(context.Background(), "t")
	var he *HTTPError
	if leaderHit || !errors.As(err, &he) || he.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("leader reached %v, err %v; want the 307 as the answer", leaderHit, err)
	}
}
