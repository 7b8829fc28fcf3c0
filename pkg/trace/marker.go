package trace

import "strings"

// Kind is what a marker line says.
type Kind int

// The marker lines of an instrumented Overlord, by layer.
const (
	// NoMarker: not a marker line.
	NoMarker Kind = iota

	// [STREAM] KubernetesTaskRunner.streamTaskLog: the API entry.
	RequestReceived   // API request to stream logs for task [ID] (offset=N)
	WorkItemFound     // Found work item for task [ID], delegating to streamTaskLogs()
	WorkItemMissing   // No work item found for task [ID]
	StreamObtained    // Successfully obtained log stream for task [ID]
	StreamUnavailable // No log stream available for task [ID]

	// [WORKITEM] KubernetesWorkItem.streamTaskLogs.
	WorkItemCalled       // streamTaskLogs() called for task [ID]
	LifecycleFound       // Peon lifecycle exists for task [ID], delegating to streamLogs()
	LifecycleMissing     // No peon lifecycle available for task [ID]
	WorkItemReturned     // Peon lifecycle returned log stream for task [ID]
	WorkItemReturnedNone // Peon lifecycle returned no log stream for task [ID]

	// [LIFECYCLE] KubernetesPeonLifecycle.streamLogs, and its state transitions.
	LifecycleCalled  // streamLogs() called for task [ID]
	StateReported    // Current task state: STATE (no task ID)
	IsRunning        // Task [ID] is RUNNING, requesting LogWatch from Kubernetes client
	NotRunning       // Task [ID] is not in RUNNING state (state=STATE), cannot stream logs
	LogWatchObtained // Successfully obtained LogWatch for task [ID], returning output stream
	StateBeforeJoin  // Current state before join: STATE (no task ID)
	Transitioning    // Transitioning task [ID] to RUNNING state
	NowRunning       // Task [ID] now in RUNNING state - logs should be streamable

	// [K8S-CLIENT] KubernetesPeonClient.getPeonLogWatcher.
	WatcherCalled // getPeonLogWatcher() called for task [ID] (K8s job: JOB)
	ClientTarget  // Namespace: NS, Container: NAME (no task ID)
	WatchCalled   // Calling Kubernetes API .watchLog() for job [JOB]
	WatchCreated  // Successfully created LogWatch for job [JOB]
	WatchError    // Error watching logs from task [ID] (job: JOB): DETAIL
	WatchNull     // Kubernetes API returned null LogWatch for job [JOB]

	// OtherMarker is a tagged line whose phrase is not known.
	OtherMarker
)

// The layer tags, as the instrumented Overlord writes them.
const (
	TagStream    = "STREAM"
	TagWorkItem  = "WORKITEM"
	TagLifecycle = "LIFECYCLE"
	TagK8sClient = "K8S-CLIENT"
)

var tags = []string{TagStream, TagWorkItem, TagLifecycle, TagK8sClient}

// Marker is a recognised marker line.
type Marker struct {
	Kind Kind
	// Tag is the layer tag without brackets (STREAM, WORKITEM, ...).
	Tag string
	// TaskID, Job, State, Namespace and Container are what the line
	// names, when it does.
	TaskID, Job, State, Namespace, Container string
	// Detail is the error text of a WatchError.
	Detail string
}

type phrase struct {
	tag, text string // text is lower case
	kind      Kind
}

// phrases are tried in order: "is not in running state" before "is running".
var phrases = []phrase{
	{TagStream, "api request to stream logs", RequestReceived},
	{TagStream, "no work item found", WorkItemMissing},
	{TagStream, "found work item", WorkItemFound},
	{TagStream, "successfully obtained log stream", StreamObtained},
	{TagStream, "no log stream available", StreamUnavailable},
	{TagWorkItem, "streamtasklogs() called", WorkItemCalled},
	{TagWorkItem, "no peon lifecycle available", LifecycleMissing},
	{TagWorkItem, "peon lifecycle exists", LifecycleFound},
	{TagWorkItem, "returned no log stream", WorkItemReturnedNone},
	{TagWorkItem, "returned log stream", WorkItemReturned},
	{TagLifecycle, "streamlogs() called", LifecycleCalled},
	{TagLifecycle, "current task state", StateReported},
	{TagLifecycle, "current state before join", StateBeforeJoin},
	{TagLifecycle, "is not in running state", NotRunning},
	{TagLifecycle, "now in running state", NowRunning},
	{TagLifecycle, "is running, requesting logwatch", IsRunning},
	{TagLifecycle, "transitioning task", Transitioning},
	{TagLifecycle, "successfully obtained logwatch", LogWatchObtained},
	{TagK8sClient, "getpeonlogwatcher() called", WatcherCalled},
	{TagK8sClient, "namespace:", ClientTarget},
	{TagK8sClient, "calling kubernetes api", WatchCalled},
	{TagK8sClient, "successfully created logwatch", WatchCreated},
	{TagK8sClient, "error watching logs", WatchError},
	{TagK8sClient, "returned null logwatch", WatchNull},
}

// Recognize tells whether msg (a line's message) is a marker line and
// what it says. Only the ASCII tag and phrase count: the emoji before the
// tag may be missing, replaced by "?" or mangled into other bytes.
func Recognize(msg string) (Marker, bool) {
	tag, after := findTag(msg)
	if tag == "" {
		return Marker{}, false
	}
	rest := strings.TrimLeft(after, " ")
	low := strings.ToLower(rest)
	m := Marker{Kind: OtherMarker, Tag: tag}
	for _, p := range phrases {
		if p.tag == tag && strings.Contains(low, p.text) {
			m.Kind = p.kind
			break
		}
	}
	m.TaskID = bracketed(rest, low, "task [")
	m.Job = bracketed(rest, low, "job [")
	if m.Job == "" {
		m.Job = after2(rest, low, "job: ", ")")
	}
	switch m.Kind {
	case StateReported, StateBeforeJoin:
		m.State = word(after2(rest, low, ": ", ""))
	case NotRunning:
		m.State = after2(rest, low, "state=", ")")
	case ClientTarget:
		m.Namespace = after2(rest, low, "namespace: ", ",")
		m.Container = word(after2(rest, low, "container: ", ""))
	case WatchError:
		if i := strings.Index(rest, "): "); i >= 0 {
			m.Detail = strings.TrimSpace(rest[i+3:])
		}
	}
	return m, true
}

// findTag returns the first layer tag in brackets and the text after it.
// The tag is matched without regard to case.
func findTag(msg string) (tag, after string) {
	for i := strings.IndexByte(msg, '['); i >= 0 && i < len(msg); {
		for _, t := range tags {
			end := i + 1 + len(t)
			if end < len(msg) && msg[end] == ']' && strings.EqualFold(msg[i+1:end], t) {
				return t, msg[end+1:]
			}
		}
		j := strings.IndexByte(msg[i+1:], '[')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return "", ""
}

// bracketed returns X from "<prefix>X]" (prefix matched in low, the lower
// case copy of s).
func bracketed(s, low, prefix string) string {
	return after2(s, low, prefix, "]")
}

// after2 returns the text of s after prefix (found in low) up to end ("":
// the rest of s), trimmed.
func after2(s, low, prefix, end string) string {
	i := strings.Index(low, prefix)
	if i < 0 {
		return ""
	}
	v := s[i+len(prefix):]
	if end != "" {
		j := strings.Index(v, end)
		if j < 0 {
			return ""
		}
		v = v[:j]
	}
	return strings.TrimSpace(v)
}

// word is the first space- or punctuation-delimited word of s.
func word(s string) string {
	if i := strings.IndexAny(s, " ,;)"); i >= 0 {
		return s[:i]
	}
	return s
}
