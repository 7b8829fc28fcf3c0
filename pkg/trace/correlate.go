package trace

import "sort"

// Bounds that keep memory constant whatever the size of the log.
const (
	// maxThreads bounds the threads remembered with an open request or a
	// pending state line; the least recently used is forgotten first.
	maxThreads = 4096
	// maxJobs bounds the Job -> task ID pairs learned from the
	// [K8S-CLIENT] lines, for lines naming only the Job.
	maxJobs = 4096
)

// correlator turns one pod's lines into requests. Lines carrying a task ID
// (or a Job it knows) open or continue that task's request on their
// thread; lines without one continue the thread's open request while it is
// undecided. A request ends with the API layer's answer, with the next
// request on its thread, or at the end of the log.
type correlator struct {
	pod string
	// want says whose requests keep their lines.
	want func(taskID string) bool
	// closed receives every request when it ends.
	closed func(*Request)
	// transition receives the state-transition lines of wanted tasks.
	transition func(taskID string, entries []Entry)

	threads map[string]*thread
	jobs    map[string]string // learned Job -> task ID
	seeded  map[string]string // the caller's Job -> task ID; never forgotten
	prev    *Request          // the request of the previous line
	seq     int64
	markers int64
}

type thread struct {
	open   *Request
	before *Entry // "Current state before join", waiting for the next line's task ID
	used   int64
}

func newCorrelator(pod string, want func(string) bool, closed func(*Request), transition func(string, []Entry)) *correlator {
	return &correlator{pod: pod, want: want, closed: closed, transition: transition,
		threads: map[string]*thread{}, jobs: map[string]string{}, seeded: map[string]string{}}
}

// feed takes the next line and returns its marker, if it is one.
func (c *correlator) feed(l Line) (Line, Marker, bool) {
	c.seq++
	l.Seq, l.Pod = c.seq, c.pod
	m, ok := Recognize(l.Message)
	if !ok {
		c.plain(l)
		return l, m, false
	}
	c.markers++
	id := m.TaskID
	if id == "" && m.Job != "" {
		id = c.taskOfJob(m.Job)
	}
	if m.Kind == WatcherCalled && m.TaskID != "" && m.Job != "" {
		c.learnJob(m.Job, m.TaskID)
	}
	switch m.Kind {
	case StateBeforeJoin:
		if l.Thread != "" {
			c.thread(l.Thread).before = &Entry{l, m}
		}
		c.prev = nil
		return l, m, true
	case Transitioning, NowRunning:
		var es []Entry
		if l.Thread != "" {
			th := c.thread(l.Thread)
			if th.before != nil {
				es, th.before = append(es, *th.before), nil
			}
		}
		if id != "" && c.want(id) {
			c.transition(id, append(es, Entry{l, m}))
		}
		c.prev = nil
		return l, m, true
	}
	r := c.owner(l, m, id)
	c.prev = r
	if r != nil {
		r.add(Entry{l, m})
		if ends(m.Kind) {
			c.end(c.threads[r.key])
		}
	}
	return l, m, true
}

// owner finds or opens the request a marker line belongs to.
func (c *correlator) owner(l Line, m Marker, id string) *Request {
	key := l.Thread
	if key == "" {
		if id == "" {
			// No thread and no task: only adjacency can tell.
			if r := c.prev; r != nil && !r.decided && c.threads[r.key] != nil && c.threads[r.key].open == r {
				return r
			}
			return nil
		}
		key = "\x00" + id
	}
	th := c.thread(key)
	r := th.open
	switch {
	case m.Kind == RequestReceived && id != "":
		c.end(th)
		return c.open(th, key, id, l, true)
	case id != "" && (r == nil || r.TaskID != id):
		c.end(th)
		return c.open(th, key, id, l, false)
	case id == "" && (r == nil || r.decided):
		return nil
	}
	return r
}

// plain handles a line that is not a marker: a stack trace line continues
// the previous line's request; a Kubernetes client line on a thread with
// an undecided request joins it.
func (c *correlator) plain(l Line) {
	if !l.Patterned() {
		if r := c.prev; r != nil && c.threads[r.key] != nil && c.threads[r.key].open == r {
			r.add(Entry{Line: l})
		}
		return
	}
	c.prev = nil
	if l.Thread == "" || !clientLogger(l.Logger) {
		return
	}
	if th := c.threads[l.Thread]; th != nil && th.open != nil && !th.open.decided {
		th.used = c.seq
		th.open.add(Entry{Line: l})
		c.prev = th.open
	}
}

func (c *correlator) open(th *thread, key, id string, l Line, explicit bool) *Request {
	th.open = &Request{TaskID: id, Pod: c.pod, Thread: l.Thread, Explicit: explicit, First: l, key: key, keep: c.want(id)}
	return th.open
}

// end ends the thread's open request, if any.
func (c *correlator) end(th *thread) {
	if th == nil || th.open == nil {
		return
	}
	r := th.open
	th.open = nil
	c.closed(r)
}

// thread returns the state of a thread, forgetting the least recently used
// one when too many are remembered.
func (c *correlator) thread(key string) *thread {
	th := c.threads[key]
	if th == nil {
		if len(c.threads) >= maxThreads {
			c.forgetOldest()
		}
		th = &thread{}
		c.threads[key] = th
	}
	th.used = c.seq
	return th
}

// forgetOldest forgets the least recently used quarter of the threads at
// once, so that a log with ever new thread names costs O(log n) per line.
func (c *correlator) forgetOldest() {
	keys := make([]string, 0, len(c.threads))
	for k := range c.threads {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.threads[keys[i]].used < c.threads[keys[j]].used })
	for _, k := range keys[:len(keys)/4+1] {
		c.end(c.threads[k])
		delete(c.threads, k)
	}
}

func (c *correlator) taskOfJob(job string) string {
	if id, ok := c.seeded[job]; ok {
		return id
	}
	return c.jobs[job]
}

func (c *correlator) learnJob(job, id string) {
	if _, ok := c.jobs[job]; !ok && len(c.jobs) >= maxJobs {
		clear(c.jobs) // rare: thousands of tasks streamed in the window
	}
	c.jobs[job] = id
}

// finish ends every open request, oldest first.
func (c *correlator) finish() {
	var open []*thread
	for _, th := range c.threads {
		if th.open != nil {
			open = append(open, th)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].open.First.Seq < open[j].open.First.Seq })
	for _, th := range open {
		c.end(th)
	}
}

// clientLogger reports whether a logger belongs to the Kubernetes task
// runner or its client library, whose plain lines are part of a request.
func clientLogger(logger string) bool {
	return containsFold(logger, ".k8s.overlord.") || containsFold(logger, "io.fabric8.")
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func equalFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
