package druid

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzJobNames checks JobNames on any input: it never panics, every name is
// a DNS-1123 label of at most 63 characters, and for task IDs that
// ValidateTaskID accepts the names are deterministic and the hashed rules
// end in the 32 lowercase hex digits of TaskHash.
func FuzzJobNames(f *testing.F) {
	for _, seed := range []struct{ id, prefix string }{
		{"query-abc123", ""},
		{"index_kafka_wikipedia_5f2c3e1a9b_abcdefgh", "druid-prod"},
		{"", ""},
		{"\\\\\\", "\\"},
		{"q;$(rm -rf x)'", ""},
		{"ÄÖÜ-日本語-task", "Präfix"},
		{strings.Repeat("A", 200), strings.Repeat("b", 40)},
	} {
		f.Add(seed.id, seed.prefix)
	}
	f.Fuzz(func(t *testing.T, id, prefix string) {
		cands := JobNames(id, prefix)
		seen := map[string]bool{}
		for _, c := range cands {
			if errs := validation.IsDNS1123Label(c.Name); len(errs) != 0 || len(c.Name) > 63 {
				t.Fatalf("JobNames(%q, %q): %q (%s) is not a DNS-1123 label: %v", id, prefix, c.Name, c.Rule, errs)
			}
			if seen[c.Name] {
				t.Fatalf("JobNames(%q, %q): %q returned twice", id, prefix, c.Name)
			}
			seen[c.Name] = true
		}
		if ValidateTaskID(id) != nil {
			return
		}
		again := JobNames(id, prefix)
		if len(again) != len(cands) {
			t.Fatalf("JobNames(%q, %q) is not deterministic: %v then %v", id, prefix, cands, again)
		}
		hash := TaskHash(id)
		for i, c := range cands {
			if again[i] != c {
				t.Fatalf("JobNames(%q, %q) is not deterministic: %v then %v", id, prefix, cands, again)
			}
			if c.Rule != RuleDruid28 && c.Rule != RuleDruid33Prefix {
				continue
			}
			h := c.Name[strings.LastIndexByte(c.Name, '-')+1:]
			if len(h) != 32 || strings.Trim(h, "0123456789abcdef") != "" || h != hash {
				t.Fatalf("JobNames(%q, %q): %s name %q: hash part %q is not TaskHash %q", id, prefix, c.Rule, c.Name, h, hash)
			}
		}
	})
}
