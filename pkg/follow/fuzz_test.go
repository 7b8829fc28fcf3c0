package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// FuzzSplitTimestamp checks splitTimestamp on any line: it never panics,
// the parts always rebuild the line, and a kubelet line (an RFC3339Nano time,
// a space, any message) splits into exactly that time and message.
func FuzzSplitTimestamp(f *testing.F) {
	f.Add([]byte("2026-11-26T10:00:00.123456789Z hello world\n"), int64(1795687200), uint32(0), []byte("msg"))
	f.Add([]byte("2026-11-26T10:00:00Z \n"), int64(0), uint32(999999999), []byte(""))
	f.Add([]byte("not a timestamp at all"), int64(-62135596800), uint32(1), []byte(" leading space"))
	f.Add([]byte("2026-11-26T10 00:00Z x"), int64(253402300799), uint32(5), []byte("2026-11-26T10:00:00Z nested"))
	f.Fuzz(func(t *testing.T, line []byte, sec int64, nsec uint32, msg []byte) {
		ts, rest := splitTimestamp(line)
		if ts == nil {
			if !bytes.Equal(rest, line) {
				t.Fatalf("splitTimestamp(%q): no timestamp but message %q", line, rest)
			}
		} else if len(ts)+1+len(rest) != len(line) || line[len(ts)] != ' ' ||
			!bytes.HasPrefix(line, ts) || !bytes.HasSuffix(line, rest) {
			t.Fatalf("splitTimestamp(%q) = %q, %q: the parts do not rebuild the line", line, ts, rest)
		}
		parseTimestamp(ts)

		want := kubeletTime(sec, nsec)
		stamp := want.Format(time.RFC3339Nano)
		full := append([]byte(stamp+" "), msg...)
		ts, rest = splitTimestamp(full)
		if string(ts) != stamp || !bytes.Equal(rest, msg) {
			t.Fatalf("splitTimestamp(%q) = %q, %q; want %q, %q", full, ts, rest, stamp, msg)
		}
		if got, ok := parseTimestamp(ts); !ok || !got.Equal(want) {
			t.Fatalf("parseTimestamp(%q) = %v, %v; want %v", ts, got, ok, want)
		}
	})
}

// kubeletTime maps fuzz numbers to a UTC time with a four-digit year, as the
// kubelet writes them.
func kubeletTime(sec int64, nsec uint32) time.Time {
	const first, last = -62135596800, 253402300799 // 0001-01-01 .. 9999-12-31
	span := int64(last - first + 1)
	s := sec % span
	if s < 0 {
		s += span
	}
	return time.Unix(first+s, int64(nsec%1e9)).UTC()
}

// FuzzResumeSkip checks the resume rule: for any sequence of lines with
// non-decreasing timestamps (many equal, many in the same second) and any
// cut point, reconnecting with sinceTime at second precision, as the API
// server receives it, and skipping with the resume point prints exactly the
// lines after the cut. It checks the rule alone (resumePoint, skipper) and
// through a Follower whose first stream drops after the cut.
func FuzzResumeSkip(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 2, 3}, uint8(2), int64(1795687200))
	f.Add([]byte{1, 1, 1, 1}, uint8(4), int64(0))
	f.Add([]byte{2, 0, 0, 0, 0, 2}, uint8(3), int64(1795687200))
	f.Add([]byte{0x13, 0x10, 0x03, 0x21}, uint8(0), int64(-1))
	f.Add([]byte{}, uint8(0), int64(5))
	f.Fuzz(func(t *testing.T, steps []byte, cut uint8, base int64) {
		lines := kubeletLines(steps, base)
		k := int(cut) % (len(lines) + 1)

		var printed resumePoint
		for _, l := range lines[:k] {
			printed.record(l.ts)
		}
		var s skipper
		resent := lines
		if s.start(&printed) {
			resent = since(lines, s.at.Truncate(time.Second))
		}
		var got []string
		for _, l := range resent {
			if !(s.active && s.skip(l.ts)) {
				got = append(got, l.msg)
			}
		}
		if want := msgs(lines[k:]); strings.Join(got, "") != strings.Join(want, "") {
			t.Fatalf("cut after %d of %d lines: resumed\n%q\nwant\n%q", k, len(lines), got, want)
		}

		if out := followWithDrop(t, lines, k); out != strings.Join(msgs(lines), "") {
			t.Fatalf("Follower, cut after %d of %d lines, printed\n%q\nwant\n%q", k, len(lines), out, strings.Join(msgs(lines), ""))
		}
	})
}

// line is one kubelet log line: its raw timestamp and its message.
type line struct {
	ts  []byte
	msg string
}

func (l line) raw() string { return string(l.ts) + " " + l.msg }

// kubeletLines turns fuzz bytes into at most 300 lines whose timestamps
// never decrease: each byte says how far the next one moves (not at all,
// nanoseconds, milliseconds, a second or more). Messages are unique and some
// look like timestamps themselves.
func kubeletLines(steps []byte, base int64) []line {
	at := kubeletTime(base, 0)
	if at.Year() > 9990 {
		at = at.AddDate(-10, 0, 0)
	}
	var out []line
	for i, b := range steps[:min(len(steps), 300)] {
		switch b % 4 {
		case 1:
			at = at.Add(time.Duration(b>>2) + 1)
		case 2:
			at = at.Add(time.Duration(b>>2)*time.Millisecond + time.Millisecond)
		case 3:
			at = at.Add(time.Duration(b>>2)*time.Second + time.Second)
		}
		msg := fmt.Sprintf("line %d\n", i)
		if b&0x10 != 0 {
			msg = fmt.Sprintf("%s line %d with spaces \n", at.Add(-time.Hour).Format(time.RFC3339Nano), i)
		}
		out = append(out, line{ts: []byte(at.Format(time.RFC3339Nano)), msg: msg})
	}
	return out
}

// since is what the kubelet sends for sinceTime: lines not before it.
func since(lines []line, t time.Time) []line {
	for i, l := range lines {
		if at, _ := parseTimestamp(l.ts); !at.Before(t) {
			return lines[i:]
		}
	}
	return nil
}

func msgs(lines []line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.msg
	}
	return out
}

// followWithDrop runs a Follower whose first stream sends the first k lines
// and then fails (and the container ends); the second, final request is
// answered from its sinceTime, truncated to seconds as on the wire.
func followWithDrop(t *testing.T, lines []line, k int) string {
	ended := make(chan struct{})
	calls := 0
	open := func(_ context.Context, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
		calls++
		var b strings.Builder
		if calls == 1 {
			for _, l := range lines[:k] {
				b.WriteString(l.raw())
			}
			return &dropping{r: strings.NewReader(b.String()), ended: ended}, nil
		}
		resent := lines
		if opts.SinceTime != nil {
			resent = since(lines, opts.SinceTime.Time.Truncate(time.Second))
		}
		for _, l := range resent {
			b.WriteString(l.raw())
		}
		return io.NopCloser(strings.NewReader(b.String())), nil
	}
	var out bytes.Buffer
	fl := New(open, &out, Options{Container: "main", MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond,
		EndGrace: time.Nanosecond, Coalesce: -1, MaxFailures: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fl.Run(ctx, ended); err != nil {
		t.Fatalf("Run: %v after %d requests", err, calls)
	}
	return out.String()
}

// dropping reads r, then ends the container and fails like a cut
// connection.
type dropping struct {
	r     io.Reader
	ended chan struct{}
}

func (d *dropping) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err == io.EOF {
		select {
		case <-d.ended:
		default:
			close(d.ended)
		}
		return n, errors.New("read: connection reset by peer")
	}
	return n, err
}

func (d *dropping) Close() error { return nil }
