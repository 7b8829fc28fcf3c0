package postmortem

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/logstart"
)

// TestALogWhoseStartWasRotatedAwaySaysSo: the pod's log whose first line
// was written long after the container started carries a warning with
// both times and where the whole log is; the other logs do not.
func TestALogWhoseStartWasRotatedAwaySaysSo(t *testing.T) {
	started := now.Add(-5 * time.Hour)
	tests := []struct {
		name  string
		start *logstart.Start
		want  []string
	}{
		{"rotated: first line 4h after the start", &logstart.Start{Container: "main", Started: started, First: started.Add(4 * time.Hour)},
			[]string{"4h0m0s after container main started", "rotated the start of the log away",
				"/druid/indexer/v1/task/" + taskID + "/log", "kubectl druid-logs follow " + taskID + " -n druid --overlord URL"}},
		{"whole: first line 3s after the start", &logstart.Start{Container: "main", Started: started, First: started.Add(3 * time.Second)}, nil},
		{"start not read", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := podLog(peonSuccessTail...)
			l.Start = tt.start
			ev := evidence(peonJob(jobCond("Complete", "", "")), peonPod(corev1.PodSucceeded, terminated(0, "Completed")), nil, l, storedLog(peonSuccessTail...))
			rep := Diagnose(ev, 5)
			logs := rep.Evidence.Logs
			if len(logs) != 2 || logs[1].Rotated != "" {
				t.Fatalf("logs %+v", logs)
			}
			if tt.want == nil {
				if logs[0].Rotated != "" {
					t.Fatalf("warning on a whole log: %s", logs[0].Rotated)
				}
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(logs[0].Rotated, w) {
					t.Errorf("warning %q lacks %q", logs[0].Rotated, w)
				}
			}
		})
	}
}
