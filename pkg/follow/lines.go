package follow

import (
	"bytes"
	"time"
)

// stampLen is the length of the kubelet's timestamp, RFC3339 with a fixed
// nine-digit fraction in UTC: "2006-01-02T15:04:05.000000000Z".
const stampLen = 30

// stampLayout is the kubelet's fixed-width timestamp layout.
const stampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// stamp is a timestamp in the kubelet's fixed-width UTC form: two stamps
// compare as their times do, and the first 19 bytes name the second.
type stamp [stampLen]byte

func (s stamp) second() []byte { return s[:19] }

func (s *stamp) time() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, string(s[:]))
	return t
}

func stampOf(t time.Time) stamp {
	var s stamp
	copy(s[:], t.UTC().Format(stampLayout))
	return s
}

// splitTimestamp splits a line received with timestamps=true into the
// kubelet's timestamp and the rest. A line that does not start with a
// timestamp (a continuation of a split line, say) returns nil and the
// line. The kubelet's own fixed-width form is recognised by its shape
// alone; any other RFC3339 prefix must parse.
func splitTimestamp(line []byte) (ts, msg []byte) {
	if len(line) > stampLen && line[stampLen] == ' ' && kubeletShape(line) {
		return line[:stampLen], line[stampLen+1:]
	}
	// Shortest RFC3339 form: 2006-01-02T15:04:05Z (20 bytes).
	if len(line) < 21 || line[4] != '-' || line[10] != 'T' {
		return nil, line
	}
	sp := bytes.IndexByte(line[19:], ' ')
	if sp < 0 {
		return nil, line
	}
	sp += 19
	if _, ok := parseTimestamp(line[:sp]); !ok {
		return nil, line
	}
	return line[:sp], line[sp+1:]
}

func kubeletShape(b []byte) bool {
	return b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[19] == '.' && b[29] == 'Z'
}

// parseTimestamp parses a kubelet timestamp; ok is false if it is not one.
func parseTimestamp(ts []byte) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	return t, err == nil
}

// canonical returns ts in the fixed-width form; ok is false if ts is not a
// timestamp.
func canonical(ts []byte) (s stamp, ok bool) {
	if len(ts) == stampLen && kubeletShape(ts) {
		copy(s[:], ts)
		return s, true
	}
	t, ok := parseTimestamp(ts)
	if !ok {
		return s, false
	}
	return stampOf(t), true
}
