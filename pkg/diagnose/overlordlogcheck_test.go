package diagnose

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/druid-logs/kubectl-druid-logs/pkg/probe"
)

// stockOverlord answers like a Druid 36 Overlord (apache/druid master
// @4c0f5240c1: OverlordResource, StatusResource): the leader, knows
// query-abc123 with runnerStatusCode runner, answers the live log with
// logCode, the properties with informers; 401 everywhere when refuse.
func stockOverlord(t *testing.T, runner string, logCode int, informers, refuse bool) *overlord.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if refuse {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		p := strings.TrimPrefix(r.URL.Path, "/druid/indexer/v1/")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case p == "isLeader":
			io.WriteString(w, `{"leader":true}`)
		case p == "leader":
			io.WriteString(w, "http://10.244.0.15:8090")
		case p == "runningTasks" || p == "pendingTasks" || p == "waitingTasks":
			io.WriteString(w, "[]")
		case r.URL.Path == "/status/properties":
			io.WriteString(w, `{"druid.indexer.runner.type":"k8s","druid.indexer.runner.useK8sSharedInformers":"`+map[bool]string{true: "true", false: "false"}[informers]+`"}`)
		case strings.HasSuffix(p, "/status"):
			io.WriteString(w, `{"task":"query-abc123","status":{"id":"query-abc123","statusCode":"RUNNING","status":"RUNNING","runnerStatusCode":"`+runner+
				`","duration":-1,"location":{"host":null,"port":-1,"tlsPort":-1}}}`)
		case strings.HasSuffix(p, "/log"):
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(logCode)
			if logCode == 404 {
				io.WriteString(w, "No log was found for this task. No logs found for this task. Ensure that the task is running and logging is configured correctly.")
				return
			}
			io.WriteString(w, "2026-07-23T10:00:09,000 INFO [main] org.apache.druid.cli.CliPeon - Starting up\n")
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := overlord.New(overlord.Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// unreachableOverlord is an Overlord address nothing listens on.
func unreachableOverlord(t *testing.T) *overlord.Client {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := overlord.New(overlord.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type denyAll struct{}

func (denyAll) Create(_ context.Context, r *authorizationv1.SubjectAccessReview, _ metav1.CreateOptions) (*authorizationv1.SubjectAccessReview, error) {
	out := r.DeepCopy()
	out.Status.Allowed = false
	return out, nil
}

func TestOverlordChecksUseTheProbes(t *testing.T) {
	ovPod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "druid", Name: "druid-overlord-0"}, Spec: corev1.PodSpec{ServiceAccountName: "druid-overlord"}}
	ipPending := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	}
	tests := []struct {
		name                  string
		ovl                   *overlord.Client
		pod                   func(*corev1.Pod)
		check, runningMessage string
		status                Status
		code                  int
		contains, rule        string
	}{
		{"no Overlord: the rule is assumed", nil, func(*corev1.Pod) {}, CheckOverlordLog, "RUNNING", Skipped, exitcode.OK, "no Overlord configured", "assumed: no Overlord asked"},
		{"served", stockOverlord(t, "RUNNING", 200, false, false), func(*corev1.Pod) {}, CheckOverlordLog, "RUNNING", OK, exitcode.OK,
			"the Overlord serves the live log (GET /task/query-abc123/log: 200", "read: GET /status/properties druid.indexer.runner.useK8sSharedInformers=false"},
		{"404 and the Overlord's account may not get pods/log", stockOverlord(t, "RUNNING", 404, false, false), func(*corev1.Pod) {}, CheckOverlordLog, "RUNNING",
			Fail, exitcode.Forbidden, "system:serviceaccount:druid:druid-overlord may not get pods/log", "read"},
		{"informer mode: a Pending pod with an IP is PENDING", stockOverlord(t, "PENDING", 404, true, false), ipPending, CheckRunning, "PENDING",
			Fail, exitcode.NotRunning, "with shared informers RUNNING = the pod's phase is Running", "RUNNING = the pod's phase is Running, Succeeded or Failed (shared informers"},
		{"credentials refused", stockOverlord(t, "RUNNING", 200, false, true), func(*corev1.Pod) {}, CheckOverlord, "RUNNING",
			Fail, exitcode.Forbidden, "refused the plugin's credentials: 401", "the Overlord's properties are unavailable"},
		{"unreachable: cannot ask", unreachableOverlord(t), func(*corev1.Pod) {}, CheckOverlord, "RUNNING",
			Fail, exitcode.Error, "cannot ask the Overlord: the Overlord", "the Overlord's properties are unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(tt.pod)
			var p OverlordProbes
			if tt.ovl != nil {
				p = OverlordProbes{Targets: []probe.Target{{API: tt.ovl, Where: tt.ovl.BaseURL(), How: "--overlord"}}, Reviewer: denyAll{},
					Pods: []corev1.Pod{ovPod}}
			}
			ProbeOverlord(context.Background(), obs, p, nil)
			rep := Evaluate(obs)
			if rep.State != tt.runningMessage || !strings.Contains(rep.RunningRule, tt.rule) {
				t.Errorf("state %s rule %q; want %s, %q", rep.State, rep.RunningRule, tt.runningMessage, tt.rule)
			}
			for _, c := range rep.Checks {
				if c.ID != tt.check {
					continue
				}
				if c.Status != tt.status || (c.Status == Fail && c.Code != tt.code) || !strings.Contains(c.Message, tt.contains) {
					t.Errorf("%s: %s (exit %d) %q; want %s %d containing %q", c.ID, c.Status, c.Code, c.Message, tt.status, tt.code, tt.contains)
				}
			}
		})
	}
}
