package trace

import (
	"strings"
	"time"
)

// Bounds of what a Tracer keeps besides the latest request.
const (
	maxStock       = 200 // the newest stock lines naming the task, with their kept stack traces
	maxTransitions = 20  // the newest state-transition lines of the task
	maxEvents      = 200 // the newest recognised stock statements of the task
)

// stockClasses are the classes of the Kubernetes task runner whose stock
// (uninstrumented) lines name a task or its Job.
var stockClasses = []string{"KubernetesTaskRunner", "KubernetesPeonLifecycle", "KubernetesPeonClient", "KubernetesWorkItem",
	"CachingKubernetesPeonClient", "MultipleKubernetesTaskRunner"}

// Options say which task a Tracer follows.
type Options struct {
	TaskID string
	// Jobs are the task's possible Job names (druid.JobNames), so that
	// lines naming only the Job are attributed to the task.
	Jobs []string
}

// PodTrace is what a Tracer kept of one Overlord pod's log.
type PodTrace struct {
	Pod string
	// Lines and Markers count the lines read and the marker lines among
	// them (any task's).
	Lines, Markers int64
	// Leader is the last line saying this Overlord became the leader.
	Leader *Line
	// Requests counts the task's requests; Obtained those that obtained a
	// log stream.
	Requests, Obtained int
	// Latest is the task's most recent request, with its lines.
	Latest *Request
	// Transitions are the task's newest state-transition lines.
	Transitions []Entry
	// Stock are the newest lines of the task runner's classes that name
	// the task or its Job without a marker; StockDropped counts older ones.
	Stock        []Line
	StockDropped int

	// Patterned counts the lines in Druid's pattern (any task's): none
	// in a log that has lines means the Overlord logs elsewhere. JSON
	// counts the lines that look like a JSON layout's ("{...").
	Patterned, JSON int64
	// LeaderLost is the last "I am no longer the leader..." line (32+),
	// when it came after Leader.
	LeaderLost *Line
	// Events are the task's recognised stock statements in order (the
	// newest maxEvents; EventsDropped counts older ones), each with its
	// stack trace.
	Events        []StockEvent
	EventsDropped int
	// VersionLo and VersionHi bound the Druid version by the statements
	// seen (any task's): every one is printed by VersionLo..VersionHi
	// (VersionHi 0: up to master). VersionLo 0: no hint.
	VersionLo, VersionHi int
	// Informer is set when the log holds a line of the informer client
	// (CachingKubernetesPeonClient: useK8sSharedInformers=true, 36+).
	Informer bool
	// Reattach is the last line of the runner's start that re-attached
	// running Jobs ("Locating [N] active tasks." 32+, "Loaded N tasks
	// from previous run" 28-31, N > 0): the runner logs nothing more for
	// those tasks, and the task queue asks it to run them again.
	Reattach *Line
}

// StockEvent is one recognised stock statement of the traced task.
type StockEvent struct {
	Line  Line
	Stock Stock
	// Incident holds the stack trace that followed the line, if any.
	Incident *Incident
}

// Tracer follows one task through one Overlord pod's log, fed one line at
// a time. It keeps the task's lines and a bounded context per thread only.
type Tracer struct {
	opts Options
	c    *correlator
	out  PodTrace
	// jobs are the task's Job names, given and learned.
	jobs map[string]bool
	// last is the event of the previous line, whose stack trace the
	// following unpatterned lines are; nil when the previous line was
	// not the task's.
	last *StockEvent
}

// NewTracer returns a Tracer of opts.TaskID over the log of pod
// (NAMESPACE/NAME).
func NewTracer(pod string, opts Options) *Tracer {
	t := &Tracer{opts: opts, out: PodTrace{Pod: pod}, jobs: map[string]bool{}}
	want := func(id string) bool { return id == opts.TaskID }
	t.c = newCorrelator(pod, want, t.closed, func(_ string, es []Entry) {
		t.out.Transitions = append(t.out.Transitions, es...)
		if n := len(t.out.Transitions); n > maxTransitions {
			t.out.Transitions = append([]Entry(nil), t.out.Transitions[n-maxTransitions:]...)
		}
	})
	for _, j := range opts.Jobs {
		t.c.seeded[j] = opts.TaskID
		t.jobs[j] = true
	}
	return t
}

// Feed takes the next line of the log (without its newline) and the
// kubelet's timestamp of it (zero if unknown).
func (t *Tracer) Feed(text string, at time.Time) {
	l := Parse(text)
	l.At = at
	t.out.Lines++
	if l.Patterned() {
		t.out.Patterned++
	} else if strings.HasPrefix(l.Text, "{") {
		t.out.JSON++
	}
	l, _, marker := t.c.feed(l)
	switch leaderChange(l.Message) {
	case leaderGained:
		leader := l
		t.out.Leader, t.out.LeaderLost = &leader, nil
	case leaderLost:
		lost := l
		t.out.LeaderLost = &lost
	}
	if since, until := leaderVersions(l.Message); since > 0 {
		t.version(since, until)
	}
	if reattaching(l) {
		r := l
		t.out.Reattach = &r
	}
	if !l.Patterned() {
		if t.last != nil && !marker {
			if t.last.Incident == nil {
				t.last.Incident = &Incident{Pod: t.out.Pod, Time: t.last.Line.Time, Line: t.last.Line.Text}
			}
			if t.last.Incident.add(l.Text) {
				t.keepStock(l)
			}
		}
		return
	}
	t.last = nil
	s, ok := RecognizeStock(l)
	if ok {
		t.version(s.Since, s.Until)
		t.out.Informer = t.out.Informer || s.Class == "CachingKubernetesPeonClient"
	}
	switch {
	case marker:
	case ok && t.mine(s):
		t.keepStock(l)
		t.keepEvent(StockEvent{Line: l, Stock: s})
	case stockLine(l) && namesTask(l.Message, t.opts.TaskID, t.opts.Jobs):
		t.keepStock(l)
	}
}

// mine reports whether a stock statement is about the traced task, and
// learns the task's Job from it.
func (t *Tracer) mine(s Stock) bool {
	switch {
	case s.TaskID != "" && s.TaskID == t.opts.TaskID:
		if s.Job != "" {
			t.jobs[s.Job] = true
		}
		return true
	case s.TaskID == "" && s.Job != "":
		return t.jobs[s.Job]
	case s.Kind == HTTPRequest && s.TaskID == "":
		return false
	}
	return false
}

func (t *Tracer) keepEvent(e StockEvent) {
	if len(t.out.Events) >= 2*maxEvents {
		t.out.Events, t.out.EventsDropped = compactEvents(t.out.Events, maxEvents, t.out.EventsDropped)
	}
	t.out.Events = append(t.out.Events, e)
	t.last = &t.out.Events[len(t.out.Events)-1]
}

// compactEvents drops the oldest events down to keep, request-log lines
// first (they repeat: a console polls), in one pass: the slices grow to
// twice their bound between passes, so a line costs O(1) amortised.
func compactEvents(es []StockEvent, keep, dropped int) ([]StockEvent, int) {
	excess := len(es) - keep
	out := es[:0]
	for _, e := range es {
		if excess > 0 && e.Stock.Kind == HTTPRequest {
			excess--
			dropped++
			continue
		}
		out = append(out, e)
	}
	if excess > 0 {
		n := copy(out, out[excess:])
		out, dropped = out[:n], dropped+excess
	}
	clear(es[len(out):])
	return out, dropped
}

// version narrows the version bounds by a statement printed by since..until.
func (t *Tracer) version(since, until int) {
	t.out.VersionLo, t.out.VersionHi = narrow(t.out.VersionLo, t.out.VersionHi, since, until)
}

func (t *Tracer) keepStock(l Line) {
	if len(t.out.Stock) >= 2*maxStock {
		n := copy(t.out.Stock, t.out.Stock[len(t.out.Stock)-maxStock+1:])
		clear(t.out.Stock[n:])
		t.out.StockDropped += len(t.out.Stock) - n
		t.out.Stock = t.out.Stock[:n]
	}
	t.out.Stock = append(t.out.Stock, l)
}

// Finish ends the requests still open and returns what was kept.
func (t *Tracer) Finish() PodTrace {
	if n := len(t.out.Stock); n > maxStock {
		t.out.StockDropped += n - maxStock
		t.out.Stock = t.out.Stock[n-maxStock:]
	}
	if len(t.out.Events) > maxEvents {
		t.out.Events, t.out.EventsDropped = compactEvents(t.out.Events, maxEvents, t.out.EventsDropped)
	}
	t.c.finish()
	t.out.Markers = t.c.markers
	return t.out
}

func (t *Tracer) closed(r *Request) {
	if r.TaskID != t.opts.TaskID {
		return
	}
	t.out.Requests++
	if r.Has(StreamObtained) {
		t.out.Obtained++
	}
	if t.out.Latest == nil || r.First.Seq > t.out.Latest.First.Seq {
		t.out.Latest = r
	}
}

// stockLine reports whether l was written by one of the task runner's
// classes (for a line without Druid's pattern: whether it names one).
func stockLine(l Line) bool {
	for _, c := range stockClasses {
		if l.Logger != "" && (l.Logger == c || strings.HasSuffix(l.Logger, "."+c)) {
			return true
		}
		if !l.Patterned() && strings.Contains(l.Text, c) {
			return true
		}
	}
	return false
}

// namesTask reports whether msg names the task ID or one of its Jobs as a
// whole word: query-abc123 is not named by query-abc123-worker0_0.
func namesTask(msg, id string, jobs []string) bool {
	if id != "" && containsWord(msg, id) {
		return true
	}
	for _, j := range jobs {
		if containsWord(msg, j) {
			return true
		}
	}
	return false
}

func containsWord(s, w string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(w)
		if (start == 0 || !idByte(s[start-1])) && !continuesID(s[end:]) {
			return true
		}
		from = start + 1
	}
}

// continuesID reports whether rest continues a task ID: an ID character,
// or "." or ":" followed by one (IDs hold timestamps like 00:00:00.000Z).
func continuesID(rest string) bool {
	if rest == "" {
		return false
	}
	if idByte(rest[0]) {
		return true
	}
	return (rest[0] == '.' || rest[0] == ':') && len(rest) > 1 && idByte(rest[1])
}

func idByte(c byte) bool {
	return c == '_' || c == '-' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// reattachFormats are KubernetesTaskRunner.start()'s count of the Jobs it
// re-attaches (KubernetesTaskRunner.java@4c0f5240c1:406; 28-31 "Loaded
// %,d tasks from previous run").
var reattachFormats = [][]string{splitFormat("Locating [%,d] active tasks."), splitFormat("Loaded %,d tasks from previous run")}

// reattaching reports whether l is the runner's start re-attaching one or
// more running Jobs.
func reattaching(l Line) bool {
	if !strings.HasSuffix(l.Logger, "KubernetesTaskRunner") {
		return false
	}
	for _, f := range reattachFormats {
		if caps, ok := match(f, l.Message); ok && len(caps) == 1 && caps[0] != "0" {
			return true
		}
	}
	return false
}
