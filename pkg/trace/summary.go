package trace

import (
	"math"
	"sort"
	"strings"
	"time"
)

// maxRecent is how many of the most recent failures are kept per pod and
// reported in total.
const maxRecent = 5

// Failure is one failed request.
type Failure struct {
	Pod    string `json:"pod"`
	TaskID string `json:"taskId"`
	Step   StepID `json:"step"`
	// Time is the failing line's timestamp as logged; Line the line.
	Time string `json:"time"`
	Line string `json:"line"`

	failed Line // orders failures
}

// Counts are the outcomes of the live-log requests in a log window, the
// JSON of `trace --summary -o json` for one pod or in total.
type Counts struct {
	// Pod is NAMESPACE/NAME; empty in the total.
	Pod string `json:"pod,omitempty"`
	// Lines and Markers count the lines read and the marker lines.
	Lines   int64 `json:"lines"`
	Markers int64 `json:"markers"`
	// Leader is set when the pod logged becoming the leader in the window.
	Leader bool `json:"leader,omitempty"`
	// Requests counts the requests whose API entry line is in the window;
	// Succeeded those that obtained a log stream, Failed those that did
	// not (by step in ByStep), Unfinished those not answered yet.
	Requests   int `json:"requests"`
	Succeeded  int `json:"succeeded"`
	Failed     int `json:"failed"`
	Unfinished int `json:"unfinished"`
	// SuccessRate is Succeeded in percent of Requests, one decimal; null
	// without requests.
	SuccessRate *float64 `json:"successRate"`
	// ByStep counts the failures by the step that failed (work-item,
	// lifecycle, running, log-watch, and unknown when the answer said no
	// stream without saying why).
	ByStep map[StepID]int `json:"byStep"`
	// RecentFailures are the most recent failures, newest first.
	RecentFailures []Failure `json:"recentFailures"`
}

// Summary is the monitoring view of `trace --summary`.
type Summary struct {
	Pods  []Counts `json:"pods"`
	Total Counts   `json:"total"`
}

// Summarizer counts the outcomes of every live-log request in one
// Overlord pod's log, fed one line at a time.
type Summarizer struct {
	c   *correlator
	out Counts
}

// NewSummarizer returns a Summarizer over the log of pod (NAMESPACE/NAME).
func NewSummarizer(pod string) *Summarizer {
	s := &Summarizer{out: newCounts(pod)}
	s.c = newCorrelator(pod, func(string) bool { return true }, s.closed, func(string, []Entry) {})
	return s
}

func newCounts(pod string) Counts {
	byStep := map[StepID]int{}
	for _, s := range append(Steps[1:], StepUnknown) {
		byStep[s] = 0
	}
	return Counts{Pod: pod, ByStep: byStep, RecentFailures: []Failure{}}
}

// Feed takes the next line of the log and the kubelet's timestamp of it.
func (s *Summarizer) Feed(text string, at time.Time) {
	l := Parse(text)
	l.At = at
	s.out.Lines++
	l, _, _ = s.c.feed(l)
	if strings.Contains(l.Message, leaderPhrase) {
		s.out.Leader = true
	}
}

// Finish ends the requests still open and returns the counts.
func (s *Summarizer) Finish() Counts {
	s.c.finish()
	s.out.Markers = s.c.markers
	s.out.SuccessRate = rate(s.out.Succeeded, s.out.Requests)
	sort.SliceStable(s.out.RecentFailures, func(i, j int) bool {
		return later(s.out.RecentFailures[i].failed, s.out.RecentFailures[j].failed)
	})
	return s.out
}

func (s *Summarizer) closed(r *Request) {
	if !r.Explicit {
		return // began before the window: its outcome alone would skew the rate
	}
	s.out.Requests++
	switch o := r.Outcome(); o {
	case "":
		s.out.Succeeded++
	case Unfinished:
		s.out.Unfinished++
	default:
		s.out.Failed++
		s.out.ByStep[o]++
		fl, ok := r.failingLine()
		if !ok {
			fl = r.First
		}
		s.out.RecentFailures = append(s.out.RecentFailures, Failure{Pod: r.Pod, TaskID: r.TaskID, Step: o,
			Time: fl.Time, Line: fl.Text, failed: fl})
		if len(s.out.RecentFailures) > maxRecent {
			s.out.RecentFailures = append([]Failure(nil), s.out.RecentFailures[1:]...)
		}
	}
}

// Summarize adds up the pods' counts.
func Summarize(pods []Counts) *Summary {
	sum := &Summary{Pods: pods, Total: newCounts("")}
	t := &sum.Total
	for _, p := range pods {
		t.Lines += p.Lines
		t.Markers += p.Markers
		t.Requests += p.Requests
		t.Succeeded += p.Succeeded
		t.Failed += p.Failed
		t.Unfinished += p.Unfinished
		for k, v := range p.ByStep {
			t.ByStep[k] += v
		}
		t.RecentFailures = append(t.RecentFailures, p.RecentFailures...)
	}
	sort.SliceStable(t.RecentFailures, func(i, j int) bool { return later(t.RecentFailures[i].failed, t.RecentFailures[j].failed) })
	if len(t.RecentFailures) > maxRecent {
		t.RecentFailures = t.RecentFailures[:maxRecent]
	}
	t.SuccessRate = rate(t.Succeeded, t.Requests)
	return sum
}

func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)*1000/float64(of)) / 10
	return &r
}
