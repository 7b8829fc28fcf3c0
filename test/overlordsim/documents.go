package overlordsim

import (
	"encoding/json"
	"net/http"
)

// ReportsNotFound is the 404 text of GET /task/{id}/reports.
const ReportsNotFound = "No task reports were found for this task. The task may not exist, or it may not have completed yet."

// SetReports stores a task's reports (GET /task/{id}/reports); nil
// removes them (404 with Druid's text).
func (s *Sim) SetReports(id string, reports []byte) {
	s.setDocument(s.reports, id, reports)
}

// SetPayload stores a task's payload, the "payload" of GET /task/{id}; nil
// removes it (404 with {"task": id, "payload": null}).
func (s *Sim) SetPayload(id string, payload []byte) {
	s.setDocument(s.payloads, id, payload)
}

func (s *Sim) setDocument(m map[string][]byte, id string, doc []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if doc == nil {
		delete(m, id)
		return
	}
	m[id] = append([]byte(nil), doc...)
}

func (s *Sim) document(m map[string][]byte, id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := m[id]
	return d, ok
}

func (s *Sim) taskReports(w http.ResponseWriter, r *http.Request) {
	d, ok := s.document(s.reports, r.PathValue("id"))
	if !ok {
		writeText(w, http.StatusNotFound, ReportsNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(d)
}

func (s *Sim) taskPayload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, ok := s.document(s.payloads, id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"task": id, "payload": nil})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"task": id, "payload": json.RawMessage(d)})
}
