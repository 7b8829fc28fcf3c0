package trace

import (
	"fmt"
	"math"
	"sort"
	"strconv"
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

	// DruidLines counts the lines in Druid's pattern, JSONLines those of a
	// JSON layout; LeaderLost is set
	// when the pod logged losing the leadership after gaining it (32+).
	DruidLines int64 `json:"druidLines"`
	JSONLines  int64 `json:"jsonLines"`
	LeaderLost bool  `json:"leaderLost,omitempty"`
	// Stock counts what a stock Overlord's lines show.
	Stock StockCounts `json:"stock"`
}

// StockCounts are what a stock Overlord's log shows in a window, counted
// from Druid's own statements (see the statements table).
type StockCounts struct {
	// RequestLogLines counts the JettyRequestLog lines (any request);
	// LogRequests the GET /druid/indexer/v1/task/{id}/log ones by HTTP
	// status ("200", "404", "500"...).
	RequestLogLines int            `json:"requestLogLines"`
	LogRequests     map[string]int `json:"logRequests"`
	// LogReadErrors counts the ERRORs of failed live-log reads
	// (KubernetesPeonClient "Error streaming logs ..."), LogServeErrors
	// OverlordResource's "Failed to stream log for task" (HTTP 500).
	LogReadErrors  int `json:"logReadErrors"`
	LogServeErrors int `json:"logServeErrors"`
	// Queued counts "Asking taskRunner to run task", Launches the Jobs
	// submitted, Running the "pod runs" lines (35+).
	Queued   int `json:"queued"`
	Launches int `json:"launches"`
	Running  int `json:"running"`
	// Succeeded and Failed count the task queue's "Completed task[...]
	// with status[...]" lines; FailedByError the failures by errorMsg
	// category (ErrorCategory).
	Succeeded     int            `json:"succeeded"`
	Failed        int            `json:"failed"`
	FailedByError map[string]int `json:"failedByError"`
	// LaunchFailures counts the "Failed to run task: {...}" alerts,
	// JobFailures the Jobs that failed, JobsVanished the Jobs gone while
	// RUNNING, NoStatusPushed the peons that pushed no status.json.
	LaunchFailures int `json:"launchFailures"`
	JobFailures    int `json:"jobFailures"`
	JobsVanished   int `json:"jobsVanished"`
	NoStatusPushed int `json:"noStatusPushed"`
	// CannotCount says what the window cannot show, and why.
	CannotCount []string `json:"cannotCount"`
}

func newStockCounts() StockCounts {
	return StockCounts{LogRequests: map[string]int{}, FailedByError: map[string]int{}, CannotCount: []string{}}
}

// count adds one recognised statement.
func (c *StockCounts) count(s Stock) {
	switch s.Kind {
	case HTTPRequest:
		c.RequestLogLines++
		if s.Request.Resource == "log" && s.Request.TaskID != "" {
			c.LogRequests[strconv.Itoa(s.Request.Status)]++
		}
	case LogReadError:
		c.LogReadErrors++
	case LogServeError:
		c.LogServeErrors++
	case TaskQueued:
		c.Queued++
	case JobSubmitting:
		c.Launches++
	case PodRunning:
		c.Running++
	case TaskCompleted:
		switch st, _, msg := parseTaskStatus(s.Value); st {
		case "SUCCESS":
			c.Succeeded++
		case "FAILED":
			c.Failed++
			c.FailedByError[orText(ErrorCategory(msg), "none")]++
		}
	case RunAlert:
		c.LaunchFailures++
	case JobFailed:
		c.JobFailures++
	case JobVanished:
		c.JobsVanished++
	case NoStatusPushed:
		c.NoStatusPushed++
	}
}

func (c *StockCounts) add(o StockCounts) {
	c.RequestLogLines += o.RequestLogLines
	for k, v := range o.LogRequests {
		c.LogRequests[k] += v
	}
	c.LogReadErrors += o.LogReadErrors
	c.LogServeErrors += o.LogServeErrors
	c.Queued += o.Queued
	c.Launches += o.Launches
	c.Running += o.Running
	c.Succeeded += o.Succeeded
	c.Failed += o.Failed
	for k, v := range o.FailedByError {
		c.FailedByError[k] += v
	}
	c.LaunchFailures += o.LaunchFailures
	c.JobFailures += o.JobFailures
	c.JobsVanished += o.JobsVanished
	c.NoStatusPushed += o.NoStatusPushed
}

// cannotCount says what counts lines, druid lines, markers and the stock
// counts cannot show.
func cannotCount(lines, druid, json, markers int64, c StockCounts) []string {
	out := []string{}
	if lines == 0 {
		return append(out, "anything: no line was read in the window")
	}
	if druid == 0 && markers == 0 && json*2 > lines {
		return append(out, fmt.Sprintf("anything: %d of the %d lines are in a JSON layout, which --summary does not read; "+
			"give the Overlord's Console appender Druid's PatternLayout (%%d{ISO8601} %%p [%%t] %%c - %%m%%n)", json, lines))
	}
	if druid == 0 && markers == 0 {
		return append(out, fmt.Sprintf("anything: none of the %d lines is in Druid's log pattern (%%d{ISO8601} %%p [%%t] %%c - %%m%%n); "+
			"the Overlord's log4j2 writes to a file (log/overlord.log), not to stdout: set DRUID_LOG4J to a Console "+
			"appender configuration or mount a log4j2.xml with one", lines))
	}
	if c.RequestLogLines == 0 {
		out = append(out, "live-log requests served (200) or refused (404): no request-log line in the window; the logger "+
			"org.apache.druid.jetty.RequestLog is not at DEBUG (Druid's docker DRUID_LOG4J sets it), so served and 404 "+
			"requests leave no line")
	}
	if markers == 0 {
		out = append(out, "the layer where a live-log request stopped: stock Druid logs nothing on the live-log path but the "+
			"ERROR of a failed pods/log read (counted in logReadErrors); trace TASK asks the Overlord")
	}
	return out
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
	s.out.Stock = newStockCounts()
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
	if strings.HasPrefix(l.Text, "{") {
		s.out.JSONLines++
	}
	if l.Patterned() {
		s.out.DruidLines++
		if st, ok := RecognizeStock(l); ok {
			s.out.Stock.count(st)
		}
	}
	l, _, _ = s.c.feed(l)
	switch leaderChange(l.Message) {
	case leaderGained:
		s.out.Leader, s.out.LeaderLost = true, false
	case leaderLost:
		s.out.LeaderLost = s.out.Leader
	}
}

// Finish ends the requests still open and returns the counts.
func (s *Summarizer) Finish() Counts {
	s.c.finish()
	s.out.Markers = s.c.markers
	s.out.SuccessRate = rate(s.out.Succeeded, s.out.Requests)
	s.out.Stock.CannotCount = cannotCount(s.out.Lines, s.out.DruidLines, s.out.JSONLines, s.out.Markers, s.out.Stock)
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
	t.Stock = newStockCounts()
	for _, p := range pods {
		t.DruidLines += p.DruidLines
		t.JSONLines += p.JSONLines
		t.Stock.add(p.Stock)
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
	t.Stock.CannotCount = cannotCount(t.Lines, t.DruidLines, t.JSONLines, t.Markers, t.Stock)
	return sum
}

func rate(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	r := math.Round(float64(n)*1000/float64(of)) / 10
	return &r
}
