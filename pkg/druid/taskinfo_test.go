package druid

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

func encodedPayload(t *testing.T, js string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(js)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestMatchesDataSourceAndType(t *testing.T) {
	withAnn := func(id string, ann map[string]string, labels map[string]string) *batchv1.Job {
		j := &batchv1.Job{}
		j.Labels = labels
		j.Spec.Template.Annotations = map[string]string{TaskIDAnnotation: id}
		for k, v := range ann {
			j.Spec.Template.Annotations[k] = v
		}
		return j
	}
	payloadJSON := `{"type":"index_kafka","id":"x","groupId":"g","dataSource":"__wiki.edits","context":{"tags":{"k8s_cluster":"west"}}}`
	singleContainer := withAnn("index_kafka___wiki.edits_abc_defghijk", nil, nil)
	singleContainer.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main",
		Env: []corev1.EnvVar{{Name: TaskJSONEnv, Value: encodedPayload(t, payloadJSON)}}}}
	tests := []struct {
		name          string
		job           *batchv1.Job
		ds, typ       string
		wantDS, wantT bool
	}{
		{"annotations (customTemplateAdapter)", withAnn("i", map[string]string{TaskDataSourceAnnotation: "__wiki.edits", TaskTypeAnnotation: "index_kafka"}, nil),
			"__wiki.edits", "index_kafka", true, true},
		{"annotation says another datasource", withAnn("i", map[string]string{TaskDataSourceAnnotation: "other"}, nil), "wiki", "", false, true},
		{"sanitised labels only", withAnn("i", nil, map[string]string{TaskDataSourceLabel: "wiki.edits", TaskTypeLabel: "index_kafka"}),
			"__wiki.edits", "index_kafka", true, true},
		{"payload in TASK_JSON (overlordSingleContainer)", singleContainer, "__wiki.edits", "index_kafka", true, true},
		{"payload in the task annotation", withAnn("i", map[string]string{TaskPayloadAnnotation: encodedPayload(t, payloadJSON)}, nil),
			"__wiki.edits", "index_kafka", true, true},
		{"the ID's shape, last", withAnn("index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", nil, nil), "wikipedia", "index_kafka", true, true},
		{"the ID's shape with an issuer prefix", withAnn("coordinator-issued_compact_wiki_abcdefgh_2024", nil, nil), "wiki", "compact", true, true},
		{"the ID's shape of another datasource", withAnn("index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", nil, nil), "wiki", "index", false, false},
		{"an MSQ worker", withAnn("query-abc-worker0_0", nil, nil), "wiki", "query_worker", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchesDataSource(tt.job, tt.ds); got != tt.wantDS {
				t.Errorf("MatchesDataSource(%q) = %v", tt.ds, got)
			}
			if tt.typ != "" {
				if got := MatchesType(tt.job, tt.typ); got != tt.wantT {
					t.Errorf("MatchesType(%q) = %v", tt.typ, got)
				}
			}
		})
	}
	if _, _, _, tags, ok := Payload(singleContainer); !ok || tags["k8s_cluster"] != "west" {
		t.Fatalf("Payload tags = %v, %v", tags, ok)
	}
}

func TestStringLabel(t *testing.T) {
	for in, want := range map[string]string{"__query_select": "query_select", "wiki edits!": "wikiedits", "a.b-c_": "a.b-c"} {
		if got := StringLabel(in); got != want {
			t.Errorf("StringLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
