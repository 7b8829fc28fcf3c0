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

// The answers below follow apache/druid master @4c0f5240c1 (Druid 36-39;
// the same shapes since 0.20): OverlordResource (indexing-service/.../
// overlord/http/OverlordResource.java) for /leader, /isLeader and the task
// lists, StatusResource (server/.../http/StatusResource.java) for
// /status/properties.

// Leader returns GET /leader: the leader Overlord's URL as text
// ("http://10.244.0.15:8090"), or "" when no leader is known.
func (c *Client) Leader(ctx context.Context) (string, error) {
	body, resp, err := c.read(ctx, c.base, "leader", 64<<10)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", httpError(resp, body)
	}
	s := strings.TrimSpace(string(body))
	var quoted string
	if json.Unmarshal([]byte(s), &quoted) == nil {
		s = quoted
	}
	return s, nil
}

// IsLeader returns GET /isLeader: 200 {"leader":true} on the leader, 404
// {"leader":false} elsewhere. Any other answer is an error.
func (c *Client) IsLeader(ctx context.Context) (bool, error) {
	body, resp, err := c.read(ctx, c.base, "isLeader", 64<<10)
	if err != nil {
		return false, err
	}
	var v struct {
		Leader *bool `json:"leader"`
	}
	if (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotFound) &&
		json.Unmarshal(body, &v) == nil && v.Leader != nil && *v.Leader == (resp.StatusCode == http.StatusOK) {
		return *v.Leader, nil
	}
	return false, httpError(resp, body)
}

// RunningTasks returns GET /runningTasks: the tasks the runner runs (for
// Kubernetes: peon lifecycle RUNNING).
func (c *Client) RunningTasks(ctx context.Context) ([]TaskStatusPlus, error) {
	return c.list(ctx, "runningTasks")
}

// PendingTasks returns GET /pendingTasks: the runner's pending tasks (for
// Kubernetes: lifecycle NOT_STARTED or PENDING).
func (c *Client) PendingTasks(ctx context.Context) ([]TaskStatusPlus, error) {
	return c.list(ctx, "pendingTasks")
}

// WaitingTasks returns GET /waitingTasks: active in the metadata store but
// not handed to the runner.
func (c *Client) WaitingTasks(ctx context.Context) ([]TaskStatusPlus, error) {
	return c.list(ctx, "waitingTasks")
}

func (c *Client) list(ctx context.Context, rel string) ([]TaskStatusPlus, error) {
	body, resp, err := c.read(ctx, c.base, rel, 256<<20)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(resp, body)
	}
	var out []TaskStatusPlus
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("overlord: GET %s: unexpected body %q", redact(resp.Request.URL), snippet(body))
	}
	return out, nil
}

// Properties returns GET /status/properties (at the server's root, not
// under /druid/indexer/v1): the runtime properties as a JSON map of
// strings, hidden properties left out. Druid answers 403 when the caller
// lacks read on the CONFIG resource (an *HTTPError with Unauthorized()).
func (c *Client) Properties(ctx context.Context) (map[string]string, error) {
	root := *c.base
	root.Path = strings.TrimSuffix(c.base.Path, BasePath)
	root.RawPath = ""
	body, resp, err := c.read(ctx, &root, "status/properties", 16<<20)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(resp, body)
	}
	var out map[string]string
	if err := json.Unmarshal(body, &out); err != nil || out == nil {
		return nil, fmt.Errorf("overlord: GET %s: unexpected body %q", redact(resp.Request.URL), snippet(body))
	}
	return out, nil
}

// LogAnswer is what GET /task/{id}/log answered to a short read.
type LogAnswer struct {
	// Code is the HTTP status: 200 (a log, live or stored) or 404.
	Code int
	// Bytes is how many bytes were read (at most the limit asked).
	Bytes int
	// Message is Druid's 404 text, trimmed.
	Message string
}

// ProbeLog asks GET /task/{id}/log?offset=-n, as the web console does, and
// reads at most n bytes: 200 with some bytes, or 404 with Druid's text
// (35+ "No log was found for this task. No logs found for this task. Ensure
// that the task is running and logging is configured correctly.", <=34
// "No log was found for this task. The task may not exist, or it may not
// have begun running yet."). Any other answer is an error.
func (c *Client) ProbeLog(ctx context.Context, id string, n int64) (LogAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rc, err := c.TaskLog(ctx, id, -n)
	if err != nil {
		if nl, ok := err.(*NoLogError); ok {
			return LogAnswer{Code: http.StatusNotFound, Message: nl.Message}, nil
		}
		return LogAnswer{}, err
	}
	defer rc.Close()
	got, err := io.Copy(io.Discard, io.LimitReader(rc, n))
	if err != nil && got == 0 {
		return LogAnswer{}, fmt.Errorf("overlord: reading the log of %q: %w", id, err)
	}
	return LogAnswer{Code: http.StatusOK, Bytes: int(got)}, nil
}

// read GETs rel under base with the client's timeout and returns at most
// limit bytes of the body.
func (c *Client) read(ctx context.Context, base *url.URL, rel string, limit int64) ([]byte, *http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.getFrom(ctx, base, rel, nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, nil, fmt.Errorf("overlord: GET %s: %w", redact(resp.Request.URL), err)
	}
	return body, resp, nil
}
