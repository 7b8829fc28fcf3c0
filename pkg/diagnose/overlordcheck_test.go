package diagnose

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

func TestOverlordCheck(t *testing.T) {
	status := func(code, runner string) *overlord.TaskStatusPlus {
		return &overlord.TaskStatusPlus{ID: "query-abc123", StatusCode: overlord.StatusCode(code),
			RunnerStatusCode: overlord.RunnerStatusCode(runner), Duration: 61000, ErrorMsg: "worker failed"}
	}
	tests := []struct {
		name     string
		probe    OverlordProbe
		status   Status
		code     int
		contains string
	}{
		{"not configured", OverlordProbe{}, Skipped, exitcode.OK, "no Overlord configured"},
		{"never existed", OverlordProbe{Where: "http://o", Err: &overlord.NotFoundError{TaskID: "query-abc123"}}, Fail, exitcode.NotFound, "never heard"},
		{"unreachable", OverlordProbe{Where: "http://o", Err: errors.New("connection refused")}, Fail, exitcode.Error, "cannot ask"},
		{"succeeded, runner says WAITING", OverlordProbe{Where: "http://o", Status: status("SUCCESS", "WAITING")}, OK, exitcode.OK, "known Druid inconsistency"},
		{"failed", OverlordProbe{Where: "http://o", Status: status("FAILED", "NONE")}, Fail, exitcode.ContainerFailed, "errorMsg: worker failed"},
		{"queued without a pod", OverlordProbe{Where: "http://o", Status: status("RUNNING", "PENDING")}, Warning, exitcode.NotRunning, "no pod with an IP yet"},
		{"running", OverlordProbe{Where: "http://o", Status: status("RUNNING", "RUNNING")}, OK, exitcode.OK, "RUNNING on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := scenario(func(*corev1.Pod) {})
			obs.Overlord = tt.probe
			c := overlordCheck(obs)
			text := c.Message + " " + strings.Join(c.Evidence, " ")
			if c.Status != tt.status || (c.Status == Fail && c.Code != tt.code) || !strings.Contains(text, tt.contains) {
				t.Fatalf("overlordCheck = %s/%d %q, want %s/%d containing %q", c.Status, c.Code, text, tt.status, tt.code, tt.contains)
			}
		})
	}
}
