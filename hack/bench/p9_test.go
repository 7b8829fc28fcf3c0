package main

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSeqCheckCountsLostAndRepeatedLines(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lines := make([]string, 10)
	for i := range lines {
		lines[i] = p9Line(r, int64(i))
	}
	pick := func(idx ...int) string {
		var b strings.Builder
		for _, i := range idx {
			b.WriteString(lines[i] + "\n")
		}
		return b.String()
	}
	for _, c := range []struct {
		name                      string
		out                       string
		lost, repeated, unplanned int64
	}{
		{"all once", pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 0, 0, 0},
		{"a gap", pick(0, 1, 5, 6, 7, 8, 9), 3, 0, 0},
		{"lines again", pick(0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9), 0, 2, 0},
		{"the end missing", pick(0, 1, 2), 7, 0, 0},
		{"a foreign line", pick(0, 1, 2, 3, 4, 5, 6, 7, 8, 9) + "warning: something\n", 0, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ck seqCheck
			for i := 0; i < len(c.out); i += 7 { // any write boundaries
				_, _ = ck.Write([]byte(c.out[i:min(i+7, len(c.out))]))
			}
			ck.finish(10)
			if ck.lost != c.lost || ck.repeated != c.repeated || ck.foreign != c.unplanned {
				t.Fatalf("lost %d repeated %d foreign %d, want %d %d %d", ck.lost, ck.repeated, ck.foreign, c.lost, c.repeated, c.unplanned)
			}
		})
	}
}

func TestP9LinesAreStampedDruidLines(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := range int64(1000) {
		if l := p9Line(r, i); !strings.HasPrefix(l, "2026-11-26T00:") || strings.HasPrefix(l, "\t") {
			t.Fatalf("line %d: %q", i, l)
		}
	}
}

func TestRunsAny(t *testing.T) {
	for _, c := range []struct {
		only string
		want bool
	}{{"", true}, {"P9", false}, {"p2,P9", true}, {" P6 ", true}, {"P4,P5", false}} {
		if got := runsAny(c.only, "P1", "P2", "P6"); got != c.want {
			t.Errorf("runsAny(%q) = %v", c.only, got)
		}
	}
}
