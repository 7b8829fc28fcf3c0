package overlord

import (
	"fmt"
	"net/http"
	"strings"
)

// NotFoundError says the Overlord answered 404 to /task/{id}/status: the
// task never existed in this Overlord's metadata store (or was purged).
type NotFoundError struct {
	TaskID string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("task %q is unknown to the Overlord", e.TaskID)
}

// NoLogError says the Overlord answered 404 to /task/{id}/log: the task is
// unknown, still pending (no pod IP yet), or its log was not saved yet.
type NoLogError struct {
	TaskID string
	// Message is the server's text, trimmed.
	Message string
}

func (e *NoLogError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no log"
	}
	return fmt.Sprintf("the Overlord has no log for task %q: %s", e.TaskID, msg)
}

// HTTPError is any other unexpected answer. It carries no request headers,
// so credentials never appear in it.
type HTTPError struct {
	Method string
	// URL is the request URL without user information.
	URL        string
	StatusCode int
	// Body is the start of the response body, on one line.
	Body string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("overlord: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Unauthorized reports 401 or 403: missing or wrong Druid credentials, or
// (through the API server proxy) a Kubernetes RBAC refusal.
func (e *HTTPError) Unauthorized() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// maxErrorBody bounds how much of an error body is kept.
const maxErrorBody = 300

// snippet keeps an error body short and on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody] + "..."
	}
	return s
}

// KubernetesStatus reports whether the body is a Kubernetes Status object:
// the API server's proxy answered (e.g. 403 for missing RBAC on
// pods/proxy), not the Overlord.
func (e *HTTPError) KubernetesStatus() bool {
	b := strings.ReplaceAll(e.Body, " ", "")
	return strings.Contains(b, `"kind":"Status"`) && strings.Contains(b, `"apiVersion":"v1"`)
}
