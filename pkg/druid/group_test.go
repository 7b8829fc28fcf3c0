package druid

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

func TestGroupOf(t *testing.T) {
	ctrl := "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77"
	job := func(taskID, groupAnn string) *batchv1.Job {
		j := &batchv1.Job{}
		j.Spec.Template.Annotations = map[string]string{TaskIDAnnotation: taskID}
		if groupAnn != "" {
			j.Annotations = map[string]string{TaskGroupIDAnnotation: groupAnn}
		}
		return j
	}
	tests := []struct {
		name      string
		job       *batchv1.Job
		group     string
		shortName string
	}{
		{"controller", job(ctrl, ""), ctrl, "controller"},
		{"worker from its ID", job(ctrl+"-worker1_0", ""), ctrl, "worker1_0"},
		{"retried worker", job(ctrl+"-worker0_2", ""), ctrl, "worker0_2"},
		{"annotation wins", job("index_parallel_x_sub_1", "index_parallel_x"), "index_parallel_x", "sub_1"},
		{"ordinary task is its own group", job("index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", ""),
			"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "controller"},
		{"not an MSQ worker", job("query-x-workerA_0", ""), "query-x-workerA_0", "controller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := GroupOf(tt.job)
			if g != tt.group {
				t.Fatalf("GroupOf = %q, want %q", g, tt.group)
			}
			if s := ShortLabel(TaskIDOf(tt.job), g); s != tt.shortName {
				t.Fatalf("ShortLabel = %q, want %q", s, tt.shortName)
			}
		})
	}
}
