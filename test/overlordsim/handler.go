package overlordsim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BasePath is where the simulator serves the Overlord API.
const BasePath = "/druid/indexer/v1"

// Serve starts the simulator on an httptest server closed at the end of
// the test, and returns the server's root URL (without BasePath).
func Serve(tb testing.TB, s *Sim) string {
	tb.Helper()
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	return srv.URL
}

func (s *Sim) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+BasePath+"/leader", s.leader)
	m.HandleFunc("GET "+BasePath+"/isLeader", s.isLeader)
	m.HandleFunc("GET /status/properties", s.properties)
	m.HandleFunc("GET "+BasePath+"/task/{id}/status", s.status)
	m.HandleFunc("GET "+BasePath+"/task/{id}/log", s.log)
	m.HandleFunc("GET "+BasePath+"/task/{id}/reports", s.taskReports)
	m.HandleFunc("GET "+BasePath+"/task/{id}", s.taskPayload)
	m.HandleFunc("GET "+BasePath+"/tasks", func(w http.ResponseWriter, r *http.Request) {
		s.list(w, r, r.URL.Query().Get("state"), "max")
	})
	for _, st := range []string{"running", "pending", "waiting", "complete"} {
		m.HandleFunc("GET "+BasePath+"/"+st+"Tasks", func(w http.ResponseWriter, r *http.Request) {
			s.list(w, r, st, "n")
		})
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Jetty's page for a path no resource serves.
		w.Header().Set("Content-Type", "text/html;charset=iso-8859-1")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<html><body><h2>HTTP ERROR 404 Not Found</h2><p>URI: %s</p></body></html>\n", r.URL.Path)
	})
	s.mux = m
}

// ServeHTTP checks authentication, serves the request on a Jetty thread
// name, records it and writes its request-log line.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	thread := s.jettyThread()
	r = r.WithContext(context.WithValue(r.Context(), threadKey{}, thread))
	if s.authorized(r) {
		s.mux.ServeHTTP(rec, r)
	} else {
		rec.Header().Set("Content-Type", "text/plain")
		rec.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintln(rec, "Unauthorized")
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Status: rec.status})
	s.mu.Unlock()
	if s.cfg.RequestLog != nil {
		s.cfg.RequestLog(RequestLogRecord(thread, remoteHost(r.RemoteAddr), r.Method, requestURL(r), r.Proto, rec.status))
	}
}

type threadKey struct{}

// jettyThread names the thread that serves a request as Jetty's
// QueuedThreadPool does: qtp<pool hash>-<thread id>.
func (s *Sim) jettyThread() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.threadSeq++
	return fmt.Sprintf("qtp%d-%d", 1282342631, 40+s.threadSeq%160)
}

func remoteHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// requestURL is Jetty's request.getRequestURL() plus the query string.
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (s *Sim) authorized(r *http.Request) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch {
	case s.cfg.BearerToken != "":
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && eq(tok, s.cfg.BearerToken)
	case s.cfg.BasicUser != "":
		u, p, ok := r.BasicAuth()
		return ok && eq(u, s.cfg.BasicUser) && eq(p, s.cfg.BasicPassword)
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// wireLocation and wireTask are Druid's JSON, written from its field names.
type wireLocation struct {
	Host       *string `json:"host"`
	Port       int     `json:"port"`
	TLSPort    int     `json:"tlsPort"`
	K8sPodName string  `json:"k8sPodName,omitempty"`
}

type wireTask struct {
	ID                 string       `json:"id"`
	GroupID            string       `json:"groupId"`
	Type               string       `json:"type"`
	CreatedTime        string       `json:"createdTime"`
	QueueInsertionTime string       `json:"queueInsertionTime"`
	StatusCode         string       `json:"statusCode"`
	Status             string       `json:"status"`
	RunnerStatusCode   string       `json:"runnerStatusCode"`
	Duration           int64        `json:"duration"`
	Location           wireLocation `json:"location"`
	DataSource         string       `json:"dataSource"`
	ErrorMsg           *string      `json:"errorMsg"`
}

// druidTime is Joda's ISO format as Druid's Jackson writes it.
const druidTime = "2006-01-02T15:04:05.000Z07:00"

func (t Task) wire(runner string) wireTask {
	w := wireTask{ID: t.ID, GroupID: t.GroupID, Type: t.Type,
		CreatedTime: t.CreatedTime.UTC().Format(druidTime), QueueInsertionTime: time.Unix(0, 0).UTC().Format(druidTime),
		StatusCode: t.StatusCode, Status: t.StatusCode, RunnerStatusCode: runner, Duration: t.Duration,
		Location:   wireLocation{Port: t.Location.Port, TLSPort: t.Location.TLSPort, K8sPodName: t.Location.K8sPodName},
		DataSource: t.DataSource}
	if t.Location.Host != "" {
		h := t.Location.Host
		w.Location.Host = &h
	}
	if t.ErrorMsg != "" {
		e := t.ErrorMsg
		w.ErrorMsg = &e
	}
	return w
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeText(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text))
}

func (s *Sim) status(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, ok := s.Task(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"task": id, "status": nil})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"task": id, "status": t.wire(t.RunnerStatusCode)})
}

func (s *Sim) log(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var offset int64
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			// JAX-RS answers 404 when a @QueryParam long does not parse.
			writeText(w, http.StatusNotFound, "")
			return
		}
		offset = n
	}
	s.mu.Lock()
	log, ok := s.logs[id]
	t, known := s.tasks[id]
	s.mu.Unlock()
	if known && t.RunnerStatusCode == Running && (s.cfg.LiveLog != nil || s.cfg.LiveLogOnThread != nil) {
		var live []byte
		var served bool
		if s.cfg.LiveLogOnThread != nil {
			thread, _ := r.Context().Value(threadKey{}).(string)
			live, served = s.cfg.LiveLogOnThread(id, thread)
		} else {
			live, served = s.cfg.LiveLog(id)
		}
		if served {
			writeText(w, http.StatusOK, string(live))
			return
		}
	}
	if !ok {
		writeText(w, http.StatusNotFound, s.cfg.Version.LogNotFound())
		return
	}
	if !(s.cfg.LiveLogIgnoresOffset && known && t.RunnerStatusCode == Running) {
		log = applyOffset(log, offset)
	}
	writeText(w, http.StatusOK, string(log))
}

// applyOffset is TaskLogStreamer's rule: 0 whole, N > 0 from byte N,
// N < 0 the last |N| bytes.
func applyOffset(log []byte, offset int64) []byte {
	n := int64(len(log))
	switch {
	case offset > 0 && offset >= n:
		return nil
	case offset > 0:
		return log[offset:]
	case offset < 0 && -offset < n:
		return log[n+offset:]
	}
	return log
}

func (s *Sim) list(w http.ResponseWriter, r *http.Request, state, maxParam string) {
	state = strings.ToLower(state)
	switch state {
	case "", "running", "pending", "waiting", "complete":
	default:
		writeText(w, http.StatusBadRequest, fmt.Sprintf("Invalid task state[%s]. Must be one of [pending, waiting, running, complete].", state))
		return
	}
	q := r.URL.Query()
	max := -1
	if v := q.Get(maxParam); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeText(w, http.StatusNotFound, "")
			return
		}
		max = n
	}
	out := []wireTask{}
	complete := 0
	for _, t := range s.snapshot() {
		if ds := q.Get("datasource"); ds != "" && t.DataSource != ds {
			continue
		}
		if typ := q.Get("type"); typ != "" && t.Type != typ {
			continue
		}
		done := t.StatusCode == Success || t.StatusCode == Failed
		switch {
		case done && (state == "" || state == "complete"):
			if max >= 0 && complete >= max {
				continue
			}
			complete++
			out = append(out, t.wire(None))
		case !done && (state == "" || strings.EqualFold(state, t.RunnerStatusCode)):
			out = append(out, t.wire(t.RunnerStatusCode))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// leader is GET /leader: the leader's URL as text (OverlordResource.getLeader).
func (s *Sim) leader(w http.ResponseWriter, r *http.Request) {
	u := s.cfg.LeaderURL
	if u == "" {
		u = strings.TrimSuffix(requestURL(r), r.URL.RequestURI())
	}
	writeText(w, http.StatusOK, u)
}

// isLeader is GET /isLeader: 200 {"leader":true}, or 404 {"leader":false}
// on a follower (OverlordResource.isLeader).
func (s *Sim) isLeader(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.Follower {
		writeJSON(w, http.StatusNotFound, map[string]bool{"leader": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"leader": true})
}

// properties is GET /status/properties (StatusResource.getProperties): the
// runtime properties as one JSON object, or 403 without CONFIG read.
func (s *Sim) properties(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.PropertiesForbidden {
		writeJSON(w, http.StatusForbidden, map[string]string{"Access-Check-Result": "Unauthorized"})
		return
	}
	p := s.cfg.Properties
	if p == nil {
		p = map[string]string{}
	}
	writeJSON(w, http.StatusOK, p)
}
