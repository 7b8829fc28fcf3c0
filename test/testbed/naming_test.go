package testbed

import "testing"

func TestJobName(t *testing.T) {
	const compact = "coordinator-issued_compact_k8smetrics_aeifmefd_2022-08-18T15:33:26.094Z"
	for _, c := range []struct{ version, prefix, id, want string }{
		{"28", "", compact, "coordinatorissuedcompactk8smet-2e2c1862cb7ad1d01f4794b27a4438b0"},
		{"30", "", "api-issued_kill_wikipedia_new_balhnoib_1000-01-01T00:00:00.000Z_2023-05-14T00:00:00.000Z_2023-05-15T17:28:42.526Z", "apiissuedkillwikipedianewbalhn-8916017dfd5469fe9a8881b1035497a2"},
		{"28", "", "id", "id-3e70afe5cd823dfc7dd308eea616426b"},
		{"31", "", "index_kafka_account_statistics_staging_88d2c2b11e4e98c_nhdlmkcm", "indexkafkaaccountstatisticssta-abf6c2ceb0f8993c08decefac1d98a1c"},
		{"33", "this-is_a:VERY-very-long-task-name-prefix", compact, "thisisaveryverylongtasknamepre-2e2c1862cb7ad1d01f4794b27a4438b0"},
		{"27", "", compact, "coordinatorissuedcompactk8smetricsaeifmefd20220818t153326094z"},
		{"27", "", "compact_wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-06-01T10:11:12.131Z", "compactwiki20240101t000000000z20240102t000000000z20240601t10111"},
		{"28", "", "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker0_0", "query1c1b3f366a2c4b0a9d0a0e5e2-b1ce819fa3c5f206a983137c25fe6804"},
		{"33", "druid-prod", "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "druidprod-56871c80b218bffd8318022717280a33"},
		{"32", "druid-prod", "query-abc123", "queryabc123-a231684e224375f80c96f6832225c4a1"},
		{"33", "druid-prod", "query-abc123", "druidprod-a231684e224375f80c96f6832225c4a1"},
	} {
		if got := JobName(c.version, c.prefix, c.id); got != c.want {
			t.Errorf("JobName(%q, %q, %q) = %q, want %q", c.version, c.prefix, c.id, got, c.want)
		}
	}
	if got := StringLabel("__query_select"); got != "query_select" {
		t.Errorf("StringLabel = %q", got)
	}
}
