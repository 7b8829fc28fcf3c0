package tasklist

import (
	"bytes"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
)

func TestTypeFromTaskID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77", "query_controller"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker0_0", "query_worker"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker11_2", "query_worker"},
		{"query-my-custom-sql-id", "query_controller"},
		{"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "index_kafka"},
		{"index_kinesis_events_0123_abcdefgh", "index_kinesis"},
		{"index_parallel_wiki_abcdefgh_2024-06-01T10:11:12.131Z", "index_parallel"},
		{"index_wiki_abcdefgh_2024-06-01T10:11:12.131Z", "index"},
		{"single_phase_sub_task_wiki_abcdefgh_2024-06-01T10:11:12.131Z", "single_phase_sub_task"},
		{"partial_index_generate_wiki_abcdefgh_2024-06-01T10:11:12.131Z", "partial_index_generate"},
		{"compact_wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-06-01T10:11:12.131Z", "compact"},
		{"coordinator-issued_kill_wikipedia_jnmkgoab_2024-01-01T00:00:00.000Z_2024-02-01T00:00:00.000Z_2024-06-10T08:15:30.123Z", "kill"},
		{"coordinator-issued_compact_k8smetrics_aeifmefd_2022-08-18T15:33:26.094Z", "compact"},
		{"api-issued_kill_wikipedia_new_balhnoib_1000-01-01T00:00:00.000Z", "kill"},
		{"my-own-task-id", ""},
		{"indexer", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TypeFromTaskID(tt.id); got != tt.want {
			t.Errorf("TypeFromTaskID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestRowSources(t *testing.T) {
	const ctl = "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77"
	tests := []struct {
		name                string
		job                 *batchv1.Job
		typ, ds, group      string
		typeFrom, groupFrom Source
	}{
		{"custom template: annotations", job("a", "index_kafka_wiki_x_abcdefgh",
			map[string]string{"task.type": "index_kafka", "task.datasource": "__wiki", "task.group.id": "index_kafka_wiki"},
			map[string]string{TaskTypeLabel: "index_kafka", TaskDataSourceLabel: "wiki"}),
			"index_kafka", "__wiki", "index_kafka_wiki", FromAnnotation, FromAnnotation},
		{"labels only", job("b", "t", nil,
			map[string]string{TaskTypeLabel: "compact", TaskDataSourceLabel: "query_select", druid.TaskGroupIDLabel: "grp"}),
			"compact", "query_select", "grp", FromLabel, FromLabel},
		{"single container: MSQ worker from its ID", job("c", ctl+"-worker3_1", nil, nil),
			"query_worker", "", ctl, FromTaskID, FromTaskID},
		{"single container: MSQ controller", job("d", ctl, nil, nil), "query_controller", "", ctl, FromTaskID, FromTaskID},
		{"single container: kafka", job("e", "index_kafka_wiki_5f2c_abcdefgh", nil, nil), "index_kafka", "", "", FromTaskID, ""},
		{"single container: opaque ID", job("f", "whatever", nil, nil), "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := RowOf(tt.job, nil, "main", now)
			if r.Type != tt.typ || r.DataSource != tt.ds || r.GroupID != tt.group || r.TypeFrom != tt.typeFrom || r.GroupFrom != tt.groupFrom {
				t.Fatalf("got type %q(%s) ds %q group %q(%s)", r.Type, r.TypeFrom, r.DataSource, r.GroupID, r.GroupFrom)
			}
		})
	}
}

func TestRowState(t *testing.T) {
	j := job("j", "t", nil, nil)
	old := j.DeepCopy()
	old.UID = "uid-earlier"
	tests := []struct {
		name      string
		pods      []corev1.Pod
		state     druid.Phase
		text, pod string
		count     int
	}{
		{"no pod yet", nil, druid.Pending, "PENDING", "", 0},
		{"pod without IP", []corev1.Pod{*pod("j-a", j, "", now)}, druid.Pending, "PENDING", "j-a", 1},
		{"running", []corev1.Pod{*pod("j-a", j, "10.0.0.1", now)}, druid.Running, "RUNNING", "j-a", 1},
		{"OOMKilled", []corev1.Pod{*terminated(pod("j-a", j, "10.0.0.1", now), "OOMKilled", 137)}, druid.Stopped, "STOPPED (OOMKilled)", "j-a", 1},
		{"exit 0", []corev1.Pod{*terminated(pod("j-a", j, "10.0.0.1", now), "", 0)}, druid.Stopped, "STOPPED (Completed)", "j-a", 1},
		{"newest of two pods", []corev1.Pod{*terminated(pod("j-a", j, "10.0.0.1", now.Add(-time.Minute)), "Evicted", 1),
			*pod("j-b", j, "10.0.0.2", now)}, druid.Running, "RUNNING", "j-b", 2},
		{"pod of an earlier Job of the same name is ignored", []corev1.Pod{*pod("j-old", old, "10.0.0.9", now)}, druid.Pending, "PENDING", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := RowOf(j, tt.pods, "main", now)
			if r.State != tt.state || StateText(r) != tt.text || r.Pod != tt.pod || r.PodCount != tt.count {
				t.Fatalf("got %s %q pod %q count %d (%s)", r.State, StateText(r), r.Pod, r.PodCount, r.Reason)
			}
		})
	}
}

func TestOwnsFallsBackToLabels(t *testing.T) {
	j := job("j", "t", nil, nil)
	tests := []struct {
		name   string
		labels map[string]string
		ns     string
		want   bool
	}{
		{"job-name", map[string]string{"job-name": "j"}, "druid", true},
		{"batch.kubernetes.io/job-name", map[string]string{"batch.kubernetes.io/job-name": "j"}, "druid", true},
		{"other job", map[string]string{"job-name": "k"}, "druid", false},
		{"other namespace", map[string]string{"job-name": "j"}, "elsewhere", false},
	}
	for _, tt := range tests {
		p := pod("p", j, "", now)
		p.OwnerReferences, p.Labels, p.Namespace = nil, tt.labels, tt.ns
		if got := Owns(j, p); got != tt.want {
			t.Errorf("%s: Owns = %t", tt.name, got)
		}
	}
}

func TestWriteTable(t *testing.T) {
	j := job("indexkafkawiki-56871c80b218bffd8318022717280a33", "index_kafka_wiki_x_abcdefgh", nil, nil)
	rows := Build([]batchv1.Job{*j}, []corev1.Pod{*pod("indexkafkawiki-56871c80-x7k2p", j, "10.0.0.1", now)}, "main", now)
	tests := []struct {
		name string
		opts TableOptions
		want []string
	}{
		{"default", TableOptions{}, []string{"TASK ID", "TYPE", "DATASOURCE", "GROUP", "STATE", "AGE", "POD", "NODE",
			"index_kafka_wiki_x_abcdefgh", "index_kafka", "<unknown>", "RUNNING", "10m", "indexkafkawiki-56871c80-x7k2p", "node-1"}},
		{"wide and -A", TableOptions{Wide: true, WithNamespace: true}, []string{"NAMESPACE", "JOB", "IP", "REASON", "druid ", "10.0.0.1", "has IP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTable(&b, rows, tt.opts, now); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
	var b bytes.Buffer
	evil := RowOf(job("x", "a\tb\nc\x1b[31m", nil, nil), nil, "main", now)
	_ = WriteTable(&b, []Row{evil}, TableOptions{NoHeaders: true}, now)
	if strings.Count(b.String(), "\n") != 1 || strings.ContainsAny(b.String(), "\t\x1b") {
		t.Fatalf("control characters reached the table: %q", b.String())
	}
}

func TestChangesReportsOnlyChanges(t *testing.T) {
	j := job("j", "t", nil, nil)
	tr, rows := NewChanges("main", []batchv1.Job{*j}, nil, now)
	if len(rows) != 1 || rows[0].State != druid.Pending {
		t.Fatalf("initial rows %+v", rows)
	}
	steps := []struct {
		name string
		do   func() []Row
		want string // StateText of the one changed row, "" for none
	}{
		{"pod created", func() []Row { return tr.Pod(pod("j-a", j, "", now), false, now) }, "PENDING"},
		{"same pod again", func() []Row { return tr.Pod(pod("j-a", j, "", now), false, now) }, ""},
		{"pod got an IP", func() []Row { return tr.Pod(pod("j-a", j, "10.0.0.1", now), false, now) }, "RUNNING"},
		{"time passes", func() []Row { return tr.Job(j, false, now.Add(time.Hour)) }, ""},
		{"container exits", func() []Row { return tr.Pod(terminated(pod("j-a", j, "10.0.0.1", now), "", 0), false, now) }, "STOPPED (Completed)"},
		{"Job deleted", func() []Row { return tr.Job(j, true, now) }, "DELETED"},
		{"its pod deleted after", func() []Row { return tr.Pod(pod("j-a", j, "10.0.0.1", now), true, now) }, ""},
	}
	for _, s := range steps {
		got := s.do()
		switch {
		case s.want == "" && len(got) != 0:
			t.Fatalf("%s: reported %q", s.name, StateText(got[0]))
		case s.want != "" && (len(got) != 1 || StateText(got[0]) != s.want):
			t.Fatalf("%s: got %+v, want %q", s.name, got, s.want)
		}
	}
	// A relist after an expired watch reports what changed meanwhile.
	k := job("k", "t2", nil, nil)
	tr.Reset([]batchv1.Job{*k}, nil, now)
	changed := tr.Reset(nil, nil, now)
	if len(changed) != 1 || !changed[0].Deleted || changed[0].Job != "k" {
		t.Fatalf("reset: %+v", changed)
	}
}
