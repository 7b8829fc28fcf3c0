package trace

import "testing"

func TestParseSplitsDruidsPattern(t *testing.T) {
	tests := []struct {
		name                                 string
		text                                 string
		time, level, thread, logger, message string
	}{
		{"druid's default pattern",
			"2026-12-01T10:00:00,101 INFO [qtp1282-77] org.apache.druid.k8s.overlord.KubernetesTaskRunner - 📺 [STREAM] API request",
			"2026-12-01T10:00:00,101", "INFO", "qtp1282-77", "org.apache.druid.k8s.overlord.KubernetesTaskRunner", "📺 [STREAM] API request"},
		{"thread name holding brackets",
			"2026-12-01T10:00:00,101 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord.DruidOverlord - By the power of Grayskull, I have the power!",
			"2026-12-01T10:00:00,101", "INFO", "LeaderSelector[/druid/overlord/_OVERLORD]", "org.apache.druid.indexing.overlord.DruidOverlord", "By the power of Grayskull, I have the power!"},
		{"padded level, dot before millis, zone",
			"2026-12-01 10:00:00.101+01:00 WARN  [k8s-task-runner-3] org.apache.druid.k8s.overlord.KubernetesPeonLifecycle - a - b",
			"2026-12-01 10:00:00.101+01:00", "WARN", "k8s-task-runner-3", "org.apache.druid.k8s.overlord.KubernetesPeonLifecycle", "a - b"},
		{"thread holding \"] \"",
			"2026-12-01T10:00:00,101 INFO [pool] worker 1] x.Y - m",
			"2026-12-01T10:00:00,101", "INFO", "pool] worker 1", "x.Y", "m"},
		{"thread with a space",
			"2026-12-01T10:00:00Z ERROR [main thread] x.Y - boom",
			"2026-12-01T10:00:00Z", "ERROR", "main thread", "x.Y", "boom"},
		{"empty message", "2026-12-01T10:00:00,000 INFO [t] x.Y -", "2026-12-01T10:00:00,000", "INFO", "t", "x.Y", ""},
		{"a stack trace line is kept whole", "\tat io.fabric8.kubernetes.client.dsl.internal.OperationSupport.waitForResult(OperationSupport.java:509)",
			"", "", "", "", "\tat io.fabric8.kubernetes.client.dsl.internal.OperationSupport.waitForResult(OperationSupport.java:509)"},
		{"no level", "2026-12-01T10:00:00,101 [t] x.Y - m", "", "", "", "", "2026-12-01T10:00:00,101 [t] x.Y - m"},
		{"JSON layout is kept whole", `{"timeMillis":1,"level":"INFO","message":"📺 [STREAM] x"}`, "", "", "", "", `{"timeMillis":1,"level":"INFO","message":"📺 [STREAM] x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Parse(tt.text + "\n")
			if l.Time != tt.time || l.Level != tt.level || l.Thread != tt.thread || l.Logger != tt.logger || l.Message != tt.message {
				t.Fatalf("Parse = time %q level %q thread %q logger %q message %q", l.Time, l.Level, l.Thread, l.Logger, l.Message)
			}
			if l.Text != tt.text {
				t.Fatalf("Text = %q", l.Text)
			}
		})
	}
}
