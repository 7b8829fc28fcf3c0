package follow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// FuzzSplitTimestamp checks splitTimestamp on any line: it never panics,
// the parts always rebuild the line, a found timestamp parses, and a
// kubelet line (its fixed-width time, a space, any message) splits into
// exactly that time and message.
func FuzzSplitTimestamp(f *testing.F) {
	f.Add([]byte("2026-11-26T10:00:00.123456789Z hello world\n"), int64(1795687200), uint32(0), []byte("msg"))
	f.Add([]byte("2026-11-26T10:00:00Z \n"), int64(0), uint32(999999999), []byte(""))
	f.Add([]byte("not a timestamp at all"), int64(-62135596800), uint32(1), []byte(" leading space"))
	f.Add([]byte("2026-11-26T10:00:00,123 INFO x"), int64(253402300799), uint32(5), []byte("2026-11-26T10:00:00Z nested"))
	f.Fuzz(func(t *testing.T, line []byte, sec int64, nsec uint32, msg []byte) {
		ts, rest := splitTimestamp(line)
		if ts == nil {
			if !bytes.Equal(rest, line) {
				t.Fatalf("splitTimestamp(%q): no timestamp but message %q", line, rest)
			}
		} else {
			if len(ts)+1+len(rest) != len(line) || line[len(ts)] != ' ' || !bytes.HasPrefix(line, ts) || !bytes.HasSuffix(line, rest) {
				t.Fatalf("splitTimestamp(%q) = %q, %q: the parts do not rebuild the line", line, ts, rest)
			}
			if _, ok := canonical(ts); !ok {
				t.Fatalf("splitTimestamp(%q) found %q, which is not a timestamp", line, ts)
			}
		}
		want := kubeletTime(sec, nsec)
		s := stampOf(want)
		full := append(append(s[:], ' '), msg...)
		ts, rest = splitTimestamp(full)
		if !bytes.Equal(ts, s[:]) || !bytes.Equal(rest, msg) {
			t.Fatalf("splitTimestamp(%q) = %q, %q; want %q, %q", full, ts, rest, s, msg)
		}
		if got := s.time(); !got.Equal(want) {
			t.Fatalf("stamp %q is %v, want %v", s, got, want)
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

// FuzzFollowThroughDrops is the promise as a property: whatever the log
// (runs of equal stamps, many lines a second, long lines split into
// partial records whose stamps straddle seconds, stderr lines stamped a
// little before the stdout line they follow, lines that look like
// timestamps) and wherever the streams drop, follow and final reads alike,
// and whether the last stream ends with an error or cleanly and early, the
// follower prints exactly what `kubectl logs` prints for the whole log.
func FuzzFollowThroughDrops(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 5, 4, 6, 0}, []byte{40, 0, 200}, false)
	f.Add([]byte{5, 5, 6, 5, 4, 4, 0}, []byte{255, 90}, true)
	f.Add([]byte{2, 2, 2, 2, 2, 2, 2, 2, 2}, []byte{}, true)
	f.Add([]byte{6, 6, 6, 4}, []byte{1, 1, 1, 1}, false)
	f.Fuzz(func(t *testing.T, steps, cuts []byte, cleanEnd bool) {
		data := fuzzLog(steps)
		want := crilog.Read(data, crilog.Options{})
		k := crilog.NewKubelet()
		k.AppendRaw(data)
		ended := make(chan struct{})
		end := func() {
			select {
			case <-ended:
			default:
				k.Terminate()
				close(ended)
			}
		}
		cuts = cuts[:min(len(cuts), 6)]
		for i, c := range cuts {
			f := crilog.Fault{CutAfter: int(c) * 7, Err: io.ErrUnexpectedEOF, OrWhenIdle: true}
			if i == len(cuts)-1 {
				f.OnCut = end
				if cleanEnd {
					f.Err = nil
				}
			}
			k.Faults(f)
		}
		if len(cuts) == 0 {
			end()
		}
		var out bytes.Buffer
		fl := New(k.Open, &out, Options{MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond,
			EndGrace: time.Millisecond, Coalesce: -1, MaxFailures: 20})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := fl.Run(ctx, ended); err != nil {
			t.Fatalf("Run: %v after %d requests", err, len(k.Requests()))
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("log:\n%s\nprinted:\n%q\nwant:\n%q\nrequests: %+v", data, out.Bytes(), want, k.Requests())
		}
	})
}

// fuzzLog turns fuzz bytes into at most 200 records of a CRI log.
func fuzzLog(steps []byte) []byte {
	ts := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var recs []crilog.Record
	for i, b := range steps[:min(len(steps), 200)] {
		text := fmt.Sprintf("line %d", i)
		switch b % 8 {
		case 0: // same stamp as the line before
		case 1:
			ts = ts.Add(time.Duration(b>>3) + 1)
		case 2:
			ts = ts.Add(time.Duration(b>>3)*time.Millisecond + time.Millisecond)
		case 3:
			ts = ts.Add(400 * time.Millisecond)
		case 4: // stderr, stamped a little before the line it follows
			recs = append(recs, crilog.Line(crilog.Stderr, text+" on stderr", 0, ts.Add(-time.Duration(b>>3)*10*time.Millisecond))...)
			continue
		case 5: // a long line, split, its records stamped apart
			long := fmt.Sprintf("long %d %s", i, bytes.Repeat([]byte{'x'}, 40+int(b>>3)))
			recs = append(recs, crilog.Line(crilog.Stdout, long, 16, ts, ts.Add(700*time.Millisecond), ts.Add(1400*time.Millisecond))...)
			ts = ts.Add(1500 * time.Millisecond)
			continue
		case 6:
			ts = ts.Add(1300 * time.Millisecond)
		case 7:
			text = ts.Add(-time.Hour).Format(time.RFC3339Nano) + " " + text + " looks stamped"
		}
		recs = append(recs, crilog.Line(crilog.Stdout, text, 0, ts)...)
	}
	return crilog.Encode(recs...)
}

// FuzzFollowFromATailThroughDrops is FuzzFollowThroughDrops for a follow
// that begins with --tail: whatever the log and wherever the streams drop
// once a line was printed, the follower prints exactly what `kubectl logs
// --tail N` prints (the last N records, the first possibly the rest of a
// split line), each line once, and nothing from before the tail. Not this
// property: a drop before the first line (a resume then asks from the time
// of the first request), and a drop after only the first line when that is
// the rest of a split line (see armResume and docs/reliability.md).
func FuzzFollowFromATailThroughDrops(f *testing.F) {
	f.Add([]byte{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, []byte{40, 0, 200}, uint8(4))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{90, 90}, uint8(5))
	f.Add([]byte{5, 5, 6, 5, 4, 4, 0, 2, 2}, []byte{255, 90}, uint8(3))
	f.Add([]byte{6, 6, 6, 4, 1, 1, 1}, []byte{1, 1, 1, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, steps, cuts []byte, tail uint8) {
		data := fuzzLog(steps)
		n := int64(tail % 32)
		first := crilog.Read(data, crilog.Options{TailLines: &n, Timestamps: true})
		want := crilog.Read(data, crilog.Options{TailLines: &n})
		lineEnd := bytes.IndexByte(first, '\n') + 1
		if lineEnd == 0 {
			return // nothing to print: no resume of interest
		}
		if start := crilog.TailStart(data, n); start > 0 && bytes.Contains(data[bytes.LastIndexByte(data[:start-1], '\n')+1:start], []byte(" P ")) {
			// The tail begins inside a split line: drop after its second,
			// or not at all if it has none.
			second := bytes.IndexByte(first[lineEnd:], '\n')
			if second < 0 {
				cuts = nil
			}
			lineEnd += second + 1
		}
		k := crilog.NewKubelet()
		k.AppendRaw(data)
		ended := make(chan struct{})
		end := func() {
			select {
			case <-ended:
			default:
				k.Terminate()
				close(ended)
			}
		}
		cuts = cuts[:min(len(cuts), 6)]
		for i, c := range cuts {
			f := crilog.Fault{CutAfter: int(c) * 7, Err: io.ErrUnexpectedEOF, OrWhenIdle: true}
			if i == 0 {
				f.CutAfter = max(f.CutAfter, lineEnd)
			}
			if i == len(cuts)-1 {
				f.OnCut = end
			}
			k.Faults(f)
		}
		if len(cuts) == 0 {
			end()
		}
		var out bytes.Buffer
		fl := New(k.Open, &out, Options{TailLines: &n, MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond,
			EndGrace: time.Millisecond, Coalesce: -1, MaxFailures: 20})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := fl.Run(ctx, ended); err != nil {
			t.Fatalf("Run: %v after %d requests", err, len(k.Requests()))
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("log:\n%s\ntail %d printed:\n%q\nwant:\n%q\nrequests: %+v", data, n, out.Bytes(), want, k.Requests())
		}
		if len(fl.Gaps()) != 0 {
			t.Fatalf("a gap was reported where the log was not rotated: %+v", fl.Gaps())
		}
	})
}
