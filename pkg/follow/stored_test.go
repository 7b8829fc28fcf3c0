package follow

import (
	"bytes"
	"strings"
	"testing"
)

func keys(lines ...string) []LineKey {
	var out []LineKey
	for _, l := range lines {
		out = append(out, LineKey{Head: l[:min(len(l), keyHead)], Size: len(l)})
	}
	return out
}

func TestFindRunAndGapInAStoredLog(t *testing.T) {
	long := strings.Repeat("L", 200<<10)
	stored := "a\nb\nc\nhb\nd\nhb\ne\nf\n" + long + "\ng\nh"
	tests := []struct {
		name  string
		run   []LineKey
		want  []Place
		gap   *LineKey
		span  Span
		found bool
	}{
		{"a unique run", keys("b", "c"), []Place{{Offset: 6, Line: 3}}, nil, Span{}, false},
		{"a repeated line alone is ambiguous", keys("hb"), []Place{{Offset: 9, Line: 4}, {Offset: 14, Line: 6}}, nil, Span{}, false},
		{"with the line before it, it is not", keys("d", "hb"), []Place{{Offset: 14, Line: 6}}, nil, Span{}, false},
		{"absent", keys("x"), nil, nil, Span{}, false},
		{"the log begins inside the run", keys("x", "y", "a", "b"), []Place{{Offset: 4, Line: 2}}, nil, Span{}, false},
		{"the log begins with the run's last line", keys("x", "y", "z", "a"), []Place{{Offset: 2, Line: 1}}, nil, Span{}, false},
		{"a long line by its head and length", keys("f", long), []Place{{Offset: int64(18 + len(long) + 1), Line: 9}}, nil, Span{}, false},
		{"a gap of four lines", keys("c"), nil, &keys("f")[0], Span{Offset: 6, Lines: 4}, true},
		{"the last occurrence of the run before the next line", keys("hb"), nil, &keys("e")[0], Span{Offset: 14, Lines: 0}, true},
		{"the next line not after the run", keys("g"), nil, &keys("a")[0], Span{}, false},
		{"the last line without newline", keys("g"), nil, &keys("h")[0], Span{Offset: int64(18 + len(long) + 3), Lines: 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.gap == nil {
				got, end, err := FindRun(strings.NewReader(stored), tt.run, 3)
				if len(got) < 3 && end != (Place{Offset: int64(len(stored)), Line: 11}) {
					t.Fatalf("FindRun's end = %+v", end)
				}
				if err != nil || len(got) != len(tt.want) {
					t.Fatalf("FindRun = %+v, %v; want %+v", got, err, tt.want)
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Fatalf("FindRun = %+v; want %+v", got, tt.want)
					}
				}
				return
			}
			span, ok, err := FindGap(strings.NewReader(stored), Gap{Last: tt.run, Next: *tt.gap})
			if err != nil || ok != tt.found || span != tt.span {
				t.Fatalf("FindGap = %+v, %v, %v; want %+v, %v", span, ok, err, tt.span, tt.found)
			}
		})
	}
}

func TestCopyLinesMarksBackfilledLines(t *testing.T) {
	var out bytes.Buffer
	n, err := CopyLines(&out, strings.NewReader("one\ntwo\nthree"), 2, "[p] ", nil)
	if err != nil || n != 2 || out.String() != "[p] one\n[p] two\n" {
		t.Fatalf("CopyLines = %d, %v, %q", n, err, out.String())
	}
	out.Reset()
	j := &JSONLine{Task: "t", Container: "main", Backfilled: true}
	n, err = CopyLines(&out, strings.NewReader("one\n\"two\""), -1, "", j)
	want := `{"task":"t","pod":"","container":"main","message":"one","backfilled":true}` + "\n" +
		`{"task":"t","pod":"","container":"main","message":"\"two\"","backfilled":true}` + "\n"
	if err != nil || n != 2 || out.String() != want {
		t.Fatalf("CopyLines = %d, %v, %q", n, err, out.String())
	}
}
