package follow

import (
	"hash/fnv"
	"time"
)

// Gap is a stretch of the log that a resume could not read again: the
// stream dropped, and the server no longer serves the lines that were to be
// re-sent (the kubelet rotated the log file they are in; a new request
// reads only the current file), so the lines written between the newest
// line printed and the first one the server still has may be missing.
type Gap struct {
	// From is the stamp of the newest line printed before the gap, To that
	// of the first line printed after it.
	From, To time.Time
	// Last are the last lines printed before the gap (at most four, oldest
	// first) and Next is the first line printed after it: they place the
	// gap in a copy of the log without timestamps (Druid's stored log).
	Last []LineKey
	Next LineKey
}

// LineKey names a log line by its content: its first bytes and its length.
type LineKey struct {
	// Head is the line's first bytes (at most keyHead), without timestamp
	// or newline.
	Head string
	// Size is the line's length without its newline; -1 when not known
	// (the line was still being read when it was keyed).
	Size int
}

// keyHead is how many of a line's first bytes a LineKey keeps.
const keyHead = 256

// recentLines is how many of the last printed lines are kept as keys.
const recentLines = 4

// recent keeps the last lines printed as keys, cheaply: a line is noted by
// reference into the read buffer, and copied once per read, when the buffer
// is about to be reused, never per line.
type recent struct {
	n    int // lines noted
	ring [recentLines]struct {
		ref  []byte // the head, in the read buffer, until own
		own  []byte // the head, copied
		size int
	}
}

// note starts a printed line; msg is its first part without timestamp.
func (r *recent) note(msg []byte, complete bool) {
	e := &r.ring[r.n%recentLines]
	r.n++
	if complete && len(msg) > 0 {
		msg = msg[:len(msg)-1]
	}
	e.ref, e.size = msg[:min(len(msg), keyHead)], -1
}

// finish records the length of the line noted last.
func (r *recent) finish(size int) {
	if r.n > 0 {
		r.ring[(r.n-1)%recentLines].size = size
	}
}

// own copies the heads still referring to the read buffer.
func (r *recent) own() {
	for i := range r.ring {
		if e := &r.ring[i]; e.ref != nil {
			e.own = append(e.own[:0], e.ref...)
			e.ref = nil
		}
	}
}

// keys returns the noted lines, oldest first.
func (r *recent) keys() []LineKey {
	n := min(r.n, recentLines)
	out := make([]LineKey, 0, n)
	for i := r.n - n; i < r.n; i++ {
		e := &r.ring[i%recentLines]
		head := e.own
		if e.ref != nil {
			head = e.ref
		}
		out = append(out, LineKey{Head: string(head), Size: e.size})
	}
	return out
}

// lineSum is a checksum of a line's first bytes (msg without timestamp),
// to know a line again in a resumed stream.
func lineSum(msg []byte) uint64 {
	h := fnv.New64a()
	h.Write(msg[:min(len(msg), 64)])
	return h.Sum64()
}

// gapBefore reports a gap before the line being started (stamped ts, msg
// its first part without timestamp): once on stderr, as an event in a JSON
// output, and to Options.OnGap.
func (f *Follower) gapBefore(ts stamp, msg []byte, complete bool) {
	next := LineKey{Head: string(msg[:min(len(msg), keyHead)]), Size: -1}
	if complete {
		next.Head = string(msg[:min(len(msg)-1, keyHead)])
		next.Size = len(msg) - 1
	}
	g := Gap{From: f.done.newest.time(), To: ts.time(), Last: f.recent.keys(), Next: next}
	f.gaps = append(f.gaps, g)
	f.notify("warning: log lines between %s and %s may be missing: the stream dropped and the kubelet now serves a log file that "+
		"begins after the last line printed (it rotated the file; a new request reads only the current one)", f.done.newest[:], ts[:])
	if f.opts.JSON != nil {
		f.out.event(f.opts.JSON, "gap", f.done.newest[:], ts[:])
	}
	if f.opts.OnGap != nil {
		f.opts.OnGap(g)
	}
}

// Gaps returns the gaps found so far (see Gap).
func (f *Follower) Gaps() []Gap { return f.gaps }

// Last returns the last lines printed (at most four, oldest first), to
// place the end of the follow in a copy of the log without timestamps.
func (f *Follower) Last() []LineKey { return f.recent.keys() }
