package follow

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// writes records every Write the line writer makes, and can fail or write
// short from the n-th on.
type writes struct {
	got      []string
	failFrom int // 1-based; 0: never
	short    bool
}

func (w *writes) Write(p []byte) (int, error) {
	w.got = append(w.got, string(p))
	if w.failFrom > 0 && len(w.got) >= w.failFrom {
		if w.short {
			return len(p) / 2, nil
		}
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

// TestLineWriterGivesItsBufferBackAndWritesWholeLines: what waits goes out
// in Writes of whole lines; the flush that empties the buffer gives it back
// (a follower waiting on the network holds none); a write error sticks, and
// a short write is one.
func TestLineWriterGivesItsBufferBackAndWritesWholeLines(t *testing.T) {
	big := strings.Repeat("x", outBufSize+10) + "\n"
	tests := []struct {
		name    string
		prefix  string
		lines   []string
		w       writes
		want    []string // the Writes made
		wantErr error
	}{
		{name: "lines wait for the flush", prefix: "[a] ", lines: []string{"one\n", "two\n"},
			want: []string{"[a] one\n[a] two\n"}},
		{name: "a line longer than the buffer goes out alone, after what waited", prefix: "[a] ",
			lines: []string{"one\n", big, "two\n"}, want: []string{"[a] one\n", "[a] " + big, "[a] two\n"}},
		{name: "without a prefix a long line goes out as it is", lines: []string{big}, want: []string{big}},
		{name: "an error sticks", lines: []string{"one\n", big, "two\n"}, w: writes{failFrom: 1},
			want: []string{"one\n"}, wantErr: errors.New("broken pipe")},
		{name: "a short write is an error", lines: []string{"one\n"}, w: writes{failFrom: 1, short: true},
			want: []string{"one\n"}, wantErr: io.ErrShortWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.w
			lw := newLineWriter(&w, tt.prefix, 0)
			for _, l := range tt.lines {
				lw.line([]byte(l))
			}
			err := lw.flush()
			if (err == nil) != (tt.wantErr == nil) || (err != nil && err.Error() != tt.wantErr.Error()) {
				t.Fatalf("flush = %v, want %v", err, tt.wantErr)
			}
			if len(w.got) != len(tt.want) {
				t.Fatalf("%d writes, want %d: %q", len(w.got), len(tt.want), w.got)
			}
			for i := range tt.want {
				if w.got[i] != tt.want[i] {
					t.Fatalf("write %d = %.40q…, want %.40q…", i, w.got[i], tt.want[i])
				}
			}
			if err == nil && (lw.buf != nil || lw.buffered() != 0) {
				t.Fatalf("after a flush the writer still holds a buffer of %d bytes", cap(lw.buf))
			}
			if cap(lw.scratch) > maxKeptScratch {
				t.Fatalf("after a flush the writer keeps a scratch buffer of %d bytes", cap(lw.scratch))
			}
			if err := lw.flush(); (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("second flush = %v, want the first one's error", err)
			}
		})
	}
}

// TestManyIdleFollowersHoldNoOutputBuffers: a follower that printed its
// lines and waits on the stream holds no output buffer, so followers of a
// large group share a few.
func TestManyIdleFollowersHoldNoOutputBuffers(t *testing.T) {
	var out bytes.Buffer
	ws := make([]*lineWriter, 200)
	for i := range ws {
		ws[i] = newLineWriter(&out, "[t] ", 16<<10)
		ws[i].line([]byte("a line\n"))
		if err := ws[i].flush(); err != nil {
			t.Fatal(err)
		}
	}
	held := 0
	for _, lw := range ws {
		held += cap(lw.buf)
	}
	if held != 0 {
		t.Fatalf("200 idle writers hold %d bytes of output buffer, want 0", held)
	}
	if got := strings.Count(out.String(), "[t] a line\n"); got != 200 {
		t.Fatalf("%d lines printed, want 200", got)
	}
}
