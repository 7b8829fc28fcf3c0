package overlord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxDocument bounds a reports or payload body: both are JSON documents of
// kilobytes; an MSQ report with many stages is a few megabytes.
const maxDocument = 64 << 20

// NoDocumentError says the Overlord answered 404 to /task/{id}/reports or
// /task/{id}: no reports were saved (yet), or the task is unknown.
type NoDocumentError struct {
	TaskID string
	// What names the document: "reports" or "payload".
	What string
	// Message is the server's text, trimmed.
	Message string
}

// Error says which document is missing, with Druid's words.
func (e *NoDocumentError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "404 Not Found"
	}
	return fmt.Sprintf("the Overlord has no %s for task %q: %s", e.What, e.TaskID, msg)
}

// TaskReports returns GET /task/{id}/reports as it came: live reports from
// the peon while it runs, else report.json from task-log storage. A 404 is
// a *NoDocumentError carrying Druid's text.
func (c *Client) TaskReports(ctx context.Context, id string) ([]byte, error) {
	return c.document(ctx, "task/"+url.PathEscape(id)+"/reports", id, "reports")
}

// TaskPayload returns GET /task/{id}: {"task": id, "payload": {...}}, the
// task's spec as submitted. It may hold credentials (an ioConfig's
// passwords): callers that store it must redact it first.
func (c *Client) TaskPayload(ctx context.Context, id string) ([]byte, error) {
	return c.document(ctx, "task/"+url.PathEscape(id), id, "payload")
}

func (c *Client) document(ctx context.Context, rel, id, what string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.get(ctx, rel, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("overlord: reading %s of %q: %w", what, id, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK && len(body) > maxDocument:
		return nil, fmt.Errorf("overlord: the %s of %q exceed %d MiB", what, id, maxDocument>>20)
	case resp.StatusCode == http.StatusOK:
		return body, nil
	case resp.StatusCode == http.StatusNotFound && !isKubernetesStatus(body) && !isHTML(resp):
		return nil, &NoDocumentError{TaskID: id, What: what, Message: notFoundText(body)}
	}
	return nil, httpError(resp, body)
}

// notFoundText is Druid's 404 text: plain (reports), the "error" of a JSON
// body, or "" for GET /task/{id}'s {"task": id, "payload": null}.
func notFoundText(body []byte) string {
	var e struct {
		Error string `json:"error"`
		Task  string `json:"task"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Task != "") {
		return e.Error
	}
	return strings.TrimSpace(string(body))
}

// ClusterTag returns context.tags.k8s_cluster of a GET /task/{id} answer:
// the Kubernetes cluster Druid's multik8s runner chose for the task; "" if
// absent.
func ClusterTag(taskPayload []byte) string {
	var doc struct {
		Payload struct {
			Context struct {
				Tags map[string]any `json:"tags"`
			} `json:"context"`
		} `json:"payload"`
	}
	if json.Unmarshal(taskPayload, &doc) != nil {
		return ""
	}
	if s, ok := doc.Payload.Context.Tags["k8s_cluster"].(string); ok {
		return s
	}
	return ""
}
