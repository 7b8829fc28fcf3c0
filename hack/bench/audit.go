package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// pluginUserAgent is the user agent the plugin sets (pkg/cmd/clients.go).
const pluginUserAgent = "kubectl-druid_logs"

// auditEvent is the part of an audit.k8s.io/v1 Event the benchmark reads.
type auditEvent struct {
	AuditID   string `json:"auditID"`
	Stage     string `json:"stage"`
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		Namespace   string `json:"namespace"`
	} `json:"objectRef"`
}

// requestKind is e.g. "get jobs", "watch pods", "get pods/log", "create selfsubjectaccessreviews".
func (e auditEvent) requestKind() string {
	res := "?"
	if e.ObjectRef != nil {
		res = e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			res += "/" + e.ObjectRef.Subresource
		}
	}
	return e.Verb + " " + res
}

// auditCount is the plugin's requests seen by the API server in a slice of its audit log.
type auditCount struct {
	requests int            // distinct audit IDs with a ResponseComplete event
	started  int            // of which long-running (a ResponseStarted event: watch, log stream)
	kinds    map[string]int // requestKind → count
}

func (a auditCount) summary() string { return kindSummary(a.kinds) }

// kindSummary renders a kind → count map as "get jobs, list pods, watch pods, get pods/log ×2".
func kindSummary(kinds map[string]int) string {
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if kinds[k] > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", k, kinds[k]))
		} else {
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, ", ")
}

// auditSize is the audit log's current size: the offset where the next run's events start.
func auditSize(path string) int64 { return fileSize(path) }

// countAudit counts the plugin's requests in path from offset on. It waits (up to 10 s) until
// every long-running request that started also completed and the count is stable for 300 ms,
// since the API server logs ResponseComplete of a stream only after the client went away.
func countAudit(path string, offset int64) (auditCount, error) {
	deadline := time.Now().Add(10 * time.Second)
	var last auditCount
	stableSince := time.Now()
	for {
		c, pending, err := readAudit(path, offset)
		if err != nil {
			return c, err
		}
		if c.requests != last.requests || c.started != last.started {
			stableSince = time.Now()
		}
		last = c
		if pending == 0 && time.Since(stableSince) >= 300*time.Millisecond {
			return c, nil
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("audit log: %d of the plugin's requests never completed", pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readAudit parses path from offset; pending counts requests started but not completed.
func readAudit(path string, offset int64) (c auditCount, pending int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return c, 0, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return c, 0, err
	}
	c.kinds = map[string]int{}
	started, complete := map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), pluginUserAgent) {
			continue
		}
		var e auditEvent
		if json.Unmarshal(line, &e) != nil || !strings.HasPrefix(e.UserAgent, pluginUserAgent) {
			continue
		}
		switch e.Stage {
		case "ResponseStarted":
			started[e.AuditID] = true
		case "ResponseComplete", "Panic":
			if !complete[e.AuditID] {
				complete[e.AuditID] = true
				c.requests++
				c.kinds[e.requestKind()]++
			}
		}
	}
	for id := range started {
		c.started++
		if !complete[id] {
			pending++
		}
	}
	return c, pending, sc.Err()
}

// debugLine matches the plugin's --debug request lines.
var debugLine = regexp.MustCompile(`(?m)^debug: api: ([A-Z]+) (\S+) -> `)

// countDebug counts the --debug request lines in stderr, by method and resource path.
func countDebug(stderr string) (int, map[string]int) {
	kinds := map[string]int{}
	ms := debugLine.FindAllStringSubmatch(stderr, -1)
	for _, m := range ms {
		path, query, _ := strings.Cut(m[2], "?")
		kinds[m[1]+" "+shortPath(path, query)]++
	}
	return len(ms), kinds
}

// shortPath reduces an API URL to its resource, e.g. "pods/log", "pods?watch", "jobs/NAME".
func shortPath(u, query string) string {
	if i := strings.Index(u, "/namespaces/"); i >= 0 {
		rest := strings.SplitN(u[i+len("/namespaces/"):], "/", 4) // ns, resource, name, sub
		switch {
		case len(rest) >= 4:
			u = rest[1] + "/" + rest[3]
		case len(rest) == 3:
			u = rest[1] + "/NAME"
		case len(rest) == 2:
			u = rest[1]
		}
	} else if i := strings.LastIndex(u, "/"); i >= 0 {
		u = u[i+1:]
	}
	if strings.Contains(query, "watch=true") {
		u += "?watch"
	} else if strings.Contains(query, "follow=true") {
		u += "?follow"
	}
	return u
}
