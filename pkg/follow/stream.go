package follow

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"
)

// errNotCovered ends a tail read whose first line is newer than the resume
// point: the read does not reach back far enough.
var errNotCovered = errors.New("the tail read starts after the resume point")

// DirectReader is a stream whose every Read reads the network connection
// itself, as an HTTP/1.1 response body does: a read returns at most what
// one TLS record holds even when more has arrived, so a short read does not
// mean the transport is drained, and pausing would gather nothing. The
// follower does not pause between reads of such a stream (Options.Coalesce).
type DirectReader interface {
	io.Reader
	// ReadsDirectly marks the stream; it does nothing.
	ReadsDirectly()
}

// pump copies one stream to the output. It returns when the stream ends
// (nil: a clean end), fails, or (unless this is a final read) the container
// has ended and the stream stays silent, in which case cut is true. An
// unfinished last line is kept for the next request unless this is a final
// read, which prints it: a final read is not followed, so the server sent
// all it has.
func (f *Follower) pump(ctx context.Context, rc io.ReadCloser, ended <-chan struct{}, final bool) (cut bool, err error) {
	var byEnd atomic.Bool
	var lastRead atomic.Int64 // UnixNano of the last read that returned data
	lastRead.Store(time.Now().UnixNano())
	done := make(chan struct{})
	defer close(done)
	go f.watchdog(ctx, rc, ended, final, &byEnd, &lastRead, done)
	defer rc.Close()
	defer f.recent.own()
	f.cur = lineState{}
	_, direct := rc.(DirectReader)
	coalesce := f.opts.Coalesce > 0 && !direct
	start, end := 0, 0
	for {
		if end == len(f.buf) {
			if start > 0 {
				end = copy(f.buf, f.buf[start:end])
				start = 0
			} else {
				f.buf = append(f.buf, make([]byte, len(f.buf))...)
			}
		}
		room := len(f.buf) - end
		n, rerr := rc.Read(f.buf[end:])
		if n > 0 {
			lastRead.Store(time.Now().UnixNano())
		}
		end += n
		for {
			i := bytes.IndexByte(f.buf[start:end], '\n')
			if i < 0 {
				break
			}
			if err := f.take(f.buf[start:start+i+1], true); err != nil {
				return false, err
			}
			start += i + 1
		}
		if end-start >= f.opts.MaxLine {
			// A line that long is not held whole: out with what there is.
			if err := f.take(f.buf[start:end], false); err != nil {
				return false, err
			}
			start = end
		}
		f.recent.own() // the buffer is about to be reused
		if start == end {
			start, end = 0, 0
		}
		if rerr != nil {
			if final && rerr == io.EOF && end > start {
				// The last line has no newline (the container wrote none):
				// a final read's last bytes are all there is.
				if err := f.take(append(f.buf[start:end], '\n'), true); err != nil {
					return false, err
				}
				if !f.cur.skip {
					f.offset-- // the newline is not the log's
				}
			}
			if ferr := f.out.flush(); ferr != nil {
				return false, writeError{ferr}
			}
			if byEnd.Load() {
				return true, nil
			}
			if rerr == io.EOF {
				return false, nil
			}
			return false, rerr
		}
		if n > 0 && f.out.buffered() > 0 {
			if ferr := f.out.flush(); ferr != nil {
				return false, writeError{ferr}
			}
		}
		if n > 0 && n < room && coalesce {
			// The read took all the transport had: the printed lines are
			// out, so let the next batch gather instead of reading it in
			// pieces as it arrives. A full read means more is waiting.
			// The pause is not silence from the server: the end watchdog
			// measures idleness from the moment reading resumes, even if
			// the pause oversleeps on a loaded machine.
			lastRead.Store(time.Now().Add(f.opts.Coalesce + f.opts.EndGrace).UnixNano())
			f.pause(f.opts.Coalesce)
			lastRead.Store(time.Now().UnixNano())
		}
	}
}

// watchdog closes the stream when ctx ends, and, once the container has
// ended, when the stream stays silent for EndGrace: a kubelet ends the
// stream itself once the ended container's file is sent, so a stream that
// goes quiet instead is one that never ends (KWOK's). While data flows it
// is left alone.
func (f *Follower) watchdog(ctx context.Context, rc io.Closer, ended <-chan struct{}, final bool,
	byEnd *atomic.Bool, lastRead *atomic.Int64, done <-chan struct{}) {
	if final {
		ended = nil
	}
	select {
	case <-ended:
		for {
			idle := time.Since(time.Unix(0, lastRead.Load()))
			if idle >= f.opts.EndGrace {
				byEnd.Store(true)
				rc.Close()
				return
			}
			t := time.NewTimer(f.opts.EndGrace - idle)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				rc.Close()
				return
			case <-done:
				t.Stop()
				return
			}
		}
	case <-ctx.Done():
		rc.Close()
	case <-done:
	}
}

// take handles the next part of a line: a whole line ending in '\n'
// (complete), or a piece of one too long to hold. It decides at the line's
// start whether the line was printed before a reconnect, prints what was
// not, and keeps the accounts a resume needs.
func (f *Follower) take(part []byte, complete bool) error {
	c := &f.cur
	if !c.open {
		ts, _ := splitTimestamp(part)
		st, ok := stamp{}, false
		if ts != nil {
			st, ok = canonical(ts)
		}
		tsLen := 0
		if ok {
			tsLen = len(ts) + 1
		}
		var sum uint64
		if ok && (f.skip.seek || f.done.wantsMark()) {
			sum = lineSum(part[tsLen:])
		}
		v, skipBytes := f.skip.decide(st, ok, sum)
		if v == notCovered {
			return errNotCovered
		}
		*c = lineState{open: true, ts: st, stamped: ok, skip: v == skipLine, skipBytes: skipBytes, tsLen: tsLen, sum: sum,
			bySeek: f.skip.sought}
		if f.skip.gap {
			f.skip.gap = false
			f.gapBefore(st, part[tsLen:], complete)
		}
		if v == printLine {
			f.recent.note(part[tsLen:], complete)
		}
	}
	f.seen++
	first := c.consumed
	c.consumed += len(part)
	if !c.skip {
		f.print(part, first, complete)
	}
	if !complete {
		if !c.skip {
			// A resume that drops again before it re-sent all that was
			// written of the line leaves what was written as it was.
			f.done.partial, f.done.partialTS, f.done.partialHas = max(c.consumed, c.skipBytes), c.ts, c.stamped
		}
		return nil
	}
	if (c.bySeek && f.skip.seek && f.skip.byEnd) || (!c.skip && c.stamped && f.done.late && f.done.marks == 0) {
		msg := part[:len(part)-1]
		if first < c.tsLen {
			msg = msg[min(len(msg), c.tsLen-first):]
		}
		size := c.consumed - c.tsLen - 1
		if c.bySeek {
			f.skip.seekEnd(c.ts, c.stamped, size, endSum(msg, f.skip.endSize))
		} else {
			f.done.firstEnd, f.done.firstSize = endSum(msg, size), size
		}
	}
	if !c.skip {
		f.done.record(c.ts, c.stamped, c.sum)
		f.recent.finish(c.consumed - c.tsLen - 1) // without the newline
		f.lines++
	}
	c.open = false
	return nil
}

// print writes the part of the current line that starts at byte first of
// the line, leaving out what was written before a reconnect and, unless
// timestamps are asked for, the timestamp.
func (f *Follower) print(part []byte, first int, complete bool) {
	c := &f.cur
	if drop := c.skipBytes - first; drop > 0 {
		if drop >= len(part) {
			return
		}
		part, first = part[drop:], first+drop
	}
	tsBytes := 0 // bytes of this part that are the line's timestamp
	if first < c.tsLen {
		tsBytes = min(c.tsLen-first, len(part))
	}
	f.offset += int64(len(part) - tsBytes)
	if lf := f.opts.Filter; lf != nil {
		if !lf.keep(part[tsBytes:]) {
			return
		}
		if lf.highlights() && f.opts.JSON == nil {
			f.hl = append(f.hl[:0], part[:tsBytes]...)
			f.hl = lf.highlight(f.hl, part[tsBytes:])
			part = f.hl
		}
	}
	if f.opts.JSON != nil {
		var ts []byte
		if c.stamped {
			ts = c.ts[:]
		}
		f.out.json(f.opts.JSON, ts, part[tsBytes:], !complete)
		return
	}
	if !f.opts.Timestamps {
		part = part[tsBytes:]
	}
	if complete && first == 0 {
		f.out.line(part)
		return
	}
	f.out.piece(part, complete)
}
