package trace

import (
	"strings"
	"time"
)

// Line is one line of an Overlord's log.
type Line struct {
	// Pod is the Overlord pod that wrote it, as NAMESPACE/NAME.
	Pod string
	// Seq is the line's position in its pod's log as read (1 for the
	// first line fed).
	Seq int64
	// At is the kubelet's timestamp of the line; zero when unknown. It
	// orders lines of several pods.
	At time.Time
	// Time, Level, Thread, Logger and Message are the fields of Druid's
	// pattern %d{ISO8601} %p [%t] %c - %m. A line without the pattern has
	// only Message, which is then the whole text.
	Time, Level, Thread, Logger, Message string
	// Text is the line as the Overlord wrote it.
	Text string
}

// Patterned reports whether the line had Druid's log pattern.
func (l Line) Patterned() bool { return l.Level != "" }

// Parse splits a line written with Druid's pattern
// "%d{ISO8601} %p [%t] %c - %m". It tolerates a "." before the
// milliseconds, a zone suffix, a padded level and thread names holding
// brackets (LeaderSelector[/druid/overlord/_OVERLORD]). A line it cannot
// split is kept whole as the Message.
func Parse(text string) Line {
	text = strings.TrimRight(text, "\r\n")
	l := Line{Text: text, Message: text}
	n := timestampLen(text)
	if n == 0 || n >= len(text) || text[n] != ' ' {
		return l
	}
	rest := strings.TrimLeft(text[n:], " ")
	sp := strings.IndexByte(rest, ' ')
	if sp <= 0 || !isLevel(rest[:sp]) {
		return l
	}
	level := rest[:sp]
	rest = strings.TrimLeft(rest[sp:], " ")
	if !strings.HasPrefix(rest, "[") {
		return l
	}
	thread, logger, msg, ok := splitThread(rest[1:])
	if !ok {
		return l
	}
	l.Time, l.Level, l.Thread, l.Logger, l.Message = text[:n], strings.ToUpper(level), thread, logger, msg
	return l
}

// splitThread splits "THREAD] LOGGER - MESSAGE": the thread ends at the
// first "] " followed by a logger name without spaces and " - ".
func splitThread(s string) (thread, logger, msg string, ok bool) {
	for from := 0; ; {
		i := strings.Index(s[from:], "] ")
		if i < 0 {
			return "", "", "", false
		}
		end := from + i
		after := s[end+2:]
		if dash := strings.Index(after, " -"); dash > 0 && !strings.ContainsAny(after[:dash], " \t") {
			rest := after[dash+2:]
			if rest == "" || rest[0] == ' ' {
				return s[:end], after[:dash], strings.TrimPrefix(rest, " "), true
			}
		}
		from = end + 1
	}
}

// timestampLen returns the length of an ISO 8601 timestamp at the start of
// s (2026-12-01T10:00:00,101, with "." or a space also accepted, optional
// fraction and zone), or 0.
func timestampLen(s string) int {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(layout) {
		return 0
	}
	for i := 0; i < len(layout); i++ {
		c := s[i]
		switch layout[i] {
		case 'd':
			if c < '0' || c > '9' {
				return 0
			}
		case 'T':
			if c != 'T' && c != ' ' {
				return 0
			}
		default:
			if c != layout[i] {
				return 0
			}
		}
	}
	n := len(layout)
	if n < len(s) && (s[n] == ',' || s[n] == '.') {
		n++
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
	}
	switch {
	case n < len(s) && s[n] == 'Z':
		n++
	case n+5 <= len(s) && (s[n] == '+' || s[n] == '-') && digits(s[n+1:n+3]):
		z := n + 3
		if z < len(s) && s[z] == ':' {
			z++
		}
		if z+2 <= len(s) && digits(s[z:z+2]) {
			n = z + 2
		}
	}
	return n
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLevel(s string) bool {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL":
		return true
	}
	return false
}
