package trace

// Entry is one line of a request, with its marker (Kind NoMarker for a
// plain line kept for context: a stack trace, a Kubernetes client warning).
type Entry struct {
	Line
	Marker Marker
}

// Request is one live-log request in an Overlord's log: the lines one
// thread wrote for one task, from the API entry to the answer.
type Request struct {
	// TaskID is the task the request is for.
	TaskID string
	// Pod and Thread say where it was handled.
	Pod, Thread string
	// Explicit is set when its API entry line ([STREAM] API request to
	// stream logs) is in the window; a request whose start was cut off by
	// the window, or whose entry line was lost, is implicit.
	Explicit bool
	// First is the request's first line.
	First Line
	// Entries are its lines in order, kept only for the traced task and at
	// most maxRequestLines of them; Dropped counts the rest.
	Entries []Entry
	Dropped int
	// Job, Namespace, Container and State are what its lines named.
	Job, Namespace, Container, State string

	key     string // its thread key in the correlator
	keep    bool
	seen    uint64 // bit k is set when a marker of Kind k was seen
	decided bool   // a failure was seen: lines without a task ID no longer belong to it
}

// maxRequestLines bounds the lines kept per request: a request writes
// about fifteen, a stack trace may add many more.
const maxRequestLines = 64

// Has reports whether a marker of kind k was seen in the request.
func (r *Request) Has(k Kind) bool { return r.seen&(1<<uint(k)) != 0 }

func (r *Request) add(e Entry) {
	if e.Marker.Kind != NoMarker {
		r.seen |= 1 << uint(e.Marker.Kind)
		m := e.Marker
		switch {
		case m.Kind == StateReported || m.Kind == NotRunning:
			r.State = m.State
		case m.Kind == ClientTarget:
			r.Namespace, r.Container = m.Namespace, m.Container
		}
		if m.Job != "" && r.Job == "" {
			r.Job = m.Job
		}
		switch m.Kind {
		case WorkItemMissing, LifecycleMissing, NotRunning, WatchError, WatchNull, WorkItemReturnedNone, StreamUnavailable:
			r.decided = true
		}
	}
	if !r.keep {
		return
	}
	if len(r.Entries) >= maxRequestLines {
		r.Dropped++
		return
	}
	r.Entries = append(r.Entries, e)
}

// ends reports whether a marker of kind k is the request's last line: the
// API layer's answer.
func ends(k Kind) bool { return k == StreamObtained || k == StreamUnavailable }

// Outcome is the step a request failed at, "" when it obtained a stream,
// or StepUnknown / Unfinished.
func (r *Request) Outcome() StepID {
	switch {
	case r.Has(WorkItemMissing):
		return StepWorkItem
	case r.Has(LifecycleMissing):
		return StepLifecycle
	case r.Has(NotRunning):
		return StepRunning
	case r.Has(WatchError) || r.Has(WatchNull):
		return StepLogWatch
	case r.Has(StreamObtained):
		return ""
	case r.Has(StreamUnavailable) || r.Has(WorkItemReturnedNone):
		if r.State != "" && r.State != "RUNNING" {
			return StepRunning
		}
		return StepUnknown
	}
	return Unfinished
}

// failingLine is the line that shows why the request failed.
func (r *Request) failingLine() (Line, bool) {
	var last Line
	found := false
	for _, e := range r.Entries {
		switch e.Marker.Kind {
		case WorkItemMissing, LifecycleMissing, NotRunning, WatchError, WatchNull:
			return e.Line, true
		case StreamUnavailable, WorkItemReturnedNone:
			if !found {
				last, found = e.Line, true
			}
		}
	}
	return last, found
}
