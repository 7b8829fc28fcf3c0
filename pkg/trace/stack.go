package trace

import "strings"

// Bounds of a kept stack trace: its first lines, then every "Caused by:"
// line with its first frame, up to a total.
const (
	stackHead  = 12
	stackTotal = 48
)

// Incident is a stock statement with the stack trace that followed it
// (lines without Druid's pattern), kept up to its root cause.
type Incident struct {
	// Pod, Time and Line are the statement's (in JSON, the Fact's).
	Pod  string `json:"-"`
	Time string `json:"-"`
	Line string `json:"-"`
	// Stack holds the kept lines of the stack trace: the first ones, then
	// every "Caused by:" line and its first frame; Omitted counts the others.
	Stack   []string `json:"stack"`
	Omitted int      `json:"omitted"`
	// RootCause is the last "Caused by:" of the trace without its prefix,
	// else the trace's first line (the exception); "" without a trace.
	RootCause string `json:"rootCause"`

	afterCause bool // the previous line was a kept "Caused by:"
}

// add takes the next line of the stack trace and says whether it was kept.
func (in *Incident) add(text string) bool {
	t := strings.TrimSpace(text)
	cause := strings.HasPrefix(t, "Caused by: ")
	switch {
	case cause:
		in.RootCause = strings.TrimPrefix(t, "Caused by: ")
	case len(in.Stack) == 0 && in.RootCause == "" && t != "":
		in.RootCause = t
	}
	keep := len(in.Stack) < stackTotal && (len(in.Stack) < stackHead || cause || in.afterCause || strings.HasPrefix(t, "... "))
	in.afterCause = cause && keep
	if !keep {
		in.Omitted++
		return false
	}
	in.Stack = append(in.Stack, text)
	return true
}
