package follow

import (
	"bytes"
	"time"
)

// splitTimestamp splits a log line returned with timestamps=true into its
// RFC3339Nano timestamp and the rest. A line without a timestamp returns nil.
func splitTimestamp(line []byte) (ts, msg []byte) {
	// Shortest RFC3339 form: 2006-01-02T15:04:05Z (20 bytes).
	if len(line) < 21 || line[4] != '-' || line[10] != 'T' {
		return nil, line
	}
	sp := bytes.IndexByte(line[19:], ' ')
	if sp < 0 {
		return nil, line
	}
	sp += 19
	return line[:sp], line[sp+1:]
}

// parseTimestamp parses a kubelet timestamp; ok is false if it is not one.
func parseTimestamp(ts []byte) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	return t, err == nil
}

// resumePoint is what has been printed: the last timestamp and how many
// lines carried exactly that timestamp.
type resumePoint struct {
	ts    []byte // raw bytes of the last printed timestamp
	count int    // lines printed with exactly ts
}

// record notes that a line with timestamp ts was printed.
func (r *resumePoint) record(ts []byte) {
	if ts == nil {
		return
	}
	if bytes.Equal(ts, r.ts) {
		r.count++
		return
	}
	r.ts = append(r.ts[:0], ts...)
	r.count = 1
}

// skipper drops, after a reconnect from sinceTime, the lines already
// printed: every line older than the resume point, and the first count lines
// that carry its exact timestamp.
type skipper struct {
	active bool
	at     time.Time
	want   int // lines with timestamp == at already printed
	seen   int
}

// start arms the skipper from a resume point; it reports false when there is
// nothing to skip (nothing printed yet).
func (s *skipper) start(r *resumePoint) bool {
	t, ok := parseTimestamp(r.ts)
	if !ok {
		s.active = false
		return false
	}
	*s = skipper{active: true, at: t, want: r.count}
	return true
}

// skip reports whether a line with timestamp ts was printed before. Once a
// newer line is seen, skipping ends for the rest of the stream.
func (s *skipper) skip(ts []byte) bool {
	if !s.active {
		return false
	}
	t, ok := parseTimestamp(ts)
	if !ok {
		// Without a timestamp the line cannot be placed; printing it risks
		// a duplicate, dropping it risks a loss. Keep the line.
		return false
	}
	switch t.Compare(s.at) {
	case -1:
		return true
	case 0:
		s.seen++
		if s.seen <= s.want {
			return true
		}
	}
	s.active = false
	return false
}
