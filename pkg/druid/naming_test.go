package druid

import (
	"errors"
	"strings"
	"testing"
)

const workerID = "query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker0_0"

// Every vector of the facts doc (Druid's own tests, issue #17848 and the
// worked examples) must be reproduced exactly.
func TestJobNamesReproduceDruidVectors(t *testing.T) {
	tests := []struct {
		taskID, prefix string
		rule           Rule
		want           string
	}{
		{"coordinator-issued_compact_k8smetrics_aeifmefd_2022-08-18T15:33:26.094Z", "", RuleDruid28, "coordinatorissuedcompactk8smet-2e2c1862cb7ad1d01f4794b27a4438b0"},
		{"api-issued_kill_wikipedia_new_balhnoib_1000-01-01T00:00:00.000Z_2023-05-14T00:00:00.000Z_2023-05-15T17:28:42.526Z", "", RuleDruid28, "apiissuedkillwikipedianewbalhn-8916017dfd5469fe9a8881b1035497a2"},
		{"id", "", RuleDruid28, "id-3e70afe5cd823dfc7dd308eea616426b"},
		{"index_kafka_account_statistics_staging_88d2c2b11e4e98c_nhdlmkcm", "", RuleDruid28, "indexkafkaaccountstatisticssta-abf6c2ceb0f8993c08decefac1d98a1c"},
		{"coordinator-issued_compact_k8smetrics_aeifmefd_2022-08-18T15:33:26.094Z", "this-is_a:VERY-very-long-task-name-prefix", RuleDruid33Prefix, "thisisaveryverylongtasknamepre-2e2c1862cb7ad1d01f4794b27a4438b0"},
		{workerID, "", RuleDruid25, "query1c1b3f366a2c4b0a9d0a0e5e2b3a1f77worker00"},
		{workerID, "", RuleDruid28, "query1c1b3f366a2c4b0a9d0a0e5e2-b1ce819fa3c5f206a983137c25fe6804"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77", "", RuleDruid25, "query1c1b3f366a2c4b0a9d0a0e5e2b3a1f77"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77", "", RuleDruid28, "query1c1b3f366a2c4b0a9d0a0e5e2-ae4092a5483b4cd125a438a261e38fd0"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker1_0", "", RuleDruid25, "query1c1b3f366a2c4b0a9d0a0e5e2b3a1f77worker10"},
		{"query-1c1b3f36-6a2c-4b0a-9d0a-0e5e2b3a1f77-worker1_0", "", RuleDruid28, "query1c1b3f366a2c4b0a9d0a0e5e2-867962eea94b7e5b8796a81e5a796597"},
		{"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "", RuleDruid25, "indexkafkawikipedia5f2c3e1a9babcdefgh"},
		{"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "", RuleDruid28, "indexkafkawikipedia5f2c3e1a9ba-56871c80b218bffd8318022717280a33"},
		{"compact_wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-06-01T10:11:12.131Z", "", RuleDruid25, "compactwiki20240101t000000000z20240102t000000000z20240601t10111"},
		{"compact_wiki_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-06-01T10:11:12.131Z", "", RuleDruid28, "compactwiki20240101t000000000z-49d92bfbba6dd59fe2ef87aa90649aaa"},
		{"coordinator-issued_kill_wikipedia_jnmkgoab_2024-01-01T00:00:00.000Z_2024-02-01T00:00:00.000Z_2024-06-10T08:15:30.123Z", "", RuleDruid25, "coordinatorissuedkillwikipediajnmkgoab20240101t000000000z202402"},
		{"coordinator-issued_kill_wikipedia_jnmkgoab_2024-01-01T00:00:00.000Z_2024-02-01T00:00:00.000Z_2024-06-10T08:15:30.123Z", "", RuleDruid28, "coordinatorissuedkillwikipedia-0b35b1c3511082eed15f968647fccf08"},
		{"query-abc123", "", RuleDruid25, "queryabc123"},
		{"query-abc123", "", RuleDruid28, "queryabc123-a231684e224375f80c96f6832225c4a1"},
		{"coordinator-issued_compact_k8smetrics_aeifmefd_2022-08-18T15:33:26.094Z", "", RuleDruid25, "coordinatorissuedcompactk8smetricsaeifmefd20220818t153326094z"},
		{"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "druid-prod", RuleDruid33Prefix, "druidprod-56871c80b218bffd8318022717280a33"},
		{"query-abc123", "druid-prod", RuleDruid33Prefix, "druidprod-a231684e224375f80c96f6832225c4a1"},
	}
	for _, tt := range tests {
		t.Run(string(tt.rule)+"/"+tt.taskID, func(t *testing.T) {
			got := ""
			for _, c := range JobNames(tt.taskID, tt.prefix) {
				if c.Rule == tt.rule {
					got = c.Name
				}
			}
			if got != tt.want {
				t.Fatalf("JobNames(%q, %q) under %s = %q, want %q", tt.taskID, tt.prefix, tt.rule, got, tt.want)
			}
		})
	}
}

func TestJobNamesOrderAndFiltering(t *testing.T) {
	tests := []struct {
		name, taskID, prefix string
		want                 []Rule
	}{
		{"no prefix: 28+ before 25-27", "query-abc123", "", []Rule{RuleDruid28, RuleDruid25}},
		{"prefix is tried first", "query-abc123", "druid-prod", []Rule{RuleDruid33Prefix, RuleDruid28, RuleDruid25}},
		{"prefix without letters is ignored", "query-abc123", "--__", []Rule{RuleDruid28, RuleDruid25}},
		{"no letters or digits: no valid name", "-_-:", "", nil},
		{"no letters but a prefix", "-_-:", "p", []Rule{RuleDruid33Prefix}},
		{"backslash kept by Druid makes names invalid", `a\b`, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := JobNames(tt.taskID, tt.prefix)
			if len(got) != len(tt.want) {
				t.Fatalf("JobNames = %v, want rules %v", got, tt.want)
			}
			for i, c := range got {
				if c.Rule != tt.want[i] {
					t.Errorf("candidate %d rule = %s, want %s", i, c.Rule, tt.want[i])
				}
			}
		})
	}
}

func TestStripMatchesDruidRegex(t *testing.T) {
	// The facts doc ran Druid's exact Java regex on this input.
	if got := strip("a_b-c.d:e\\f s\tZ9/é"); got != `abcde\fsz9` {
		t.Fatalf("strip = %q", got)
	}
}

func TestValidateTaskID(t *testing.T) {
	tests := []struct {
		name, id string
		wantErr  string
	}{
		{"ordinary", "index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", ""},
		{"msq worker", workerID, ""},
		{"space inside is allowed by Druid", "my task", ""},
		{"shell metacharacters are legal", "q;$(rm)'`", ""},
		{"empty", "", "empty"},
		{"whitespace", "  \t", "whitespace"},
		{"too long", strings.Repeat("a", MaxTaskIDLength+1), "bytes long"},
		{"control character", "abc\x1bdef", "control"},
		{"newline", "abc\ndef", "control"},
		{"trailing newline", "abc\n", "leading or trailing"},
		{"non UTF-8", "abc\xff", "UTF-8"},
		{"slash", "a/b", "'/'"},
		{"leading dot", ".hidden", "'.'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTaskID(tt.id)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateTaskID(%q) = %v, want nil", tt.id, err)
				}
				return
			}
			var inv *InvalidTaskIDError
			if !errors.As(err, &inv) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateTaskID(%q) = %v, want InvalidTaskIDError containing %q", tt.id, err, tt.wantErr)
			}
		})
	}
}

func TestAllJobNamesKeepsWhatKubernetesRejects(t *testing.T) {
	tests := []struct {
		id          string
		valid, bad  int
		wantInvalid string
	}{
		{"query-abc123", 2, 0, ""},
		{`a\b`, 0, 2, `contains '\'`},
		{"___", 0, 2, "must start and end with an alphanumeric"}, // "-<hash>" and ""
		{strings.Repeat("a", 30) + `\x`, 1, 1, `contains '\'`},   // 28+ keeps 30 clean characters; 25-27 keeps the backslash
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			var valid, bad int
			for _, c := range AllJobNames(tt.id, "") {
				if c.Invalid == "" {
					valid++
					continue
				}
				bad++
				if c.Name != "" && !strings.Contains(c.Invalid, tt.wantInvalid) {
					t.Errorf("%q: Invalid = %q, want %q", c.Name, c.Invalid, tt.wantInvalid)
				}
			}
			if valid != tt.valid || bad != tt.bad || len(JobNames(tt.id, "")) != valid {
				t.Fatalf("%d valid, %d rejected; want %d and %d", valid, bad, tt.valid, tt.bad)
			}
		})
	}
}
