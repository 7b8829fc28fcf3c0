package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	d := summarize([]float64{5, 1, 3, 2})
	if d.n != 4 || d.med != 2.5 || d.min != 1 || d.max != 5 {
		t.Fatalf("got %+v", d)
	}
	if d := summarize([]float64{3, 1, 2}); d.med != 2 {
		t.Fatalf("odd median: got %+v", d)
	}
	if d := summarize(nil); d.n != 0 {
		t.Fatalf("empty: got %+v", d)
	}
}

func TestReplaceRegion(t *testing.T) {
	doc := "# T\n\nintro\n" + markerStart + "\nold\ntable\n" + markerEnd + "\n\n## Next\n"
	out, err := replaceRegion([]byte(doc), "new table\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# T\n\nintro\n" + markerStart + "\nnew table\n" + markerEnd + "\n\n## Next\n"
	if string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
	if _, err := replaceRegion([]byte("no markers"), "x"); err == nil {
		t.Fatal("want an error without markers")
	}
}

func TestCountDebug(t *testing.T) {
	stderr := strings.Join([]string{
		"debug: resolving task x",
		"debug: api: GET https://127.0.0.1:26643/apis/batch/v1/namespaces/ns/jobs/job-x -> 200 OK (3ms)",
		"debug: api: GET https://127.0.0.1:26643/api/v1/namespaces/ns/pods?labelSelector=job-name%3Djob-x -> 200 OK (2ms)",
		"debug: api: GET https://127.0.0.1:26643/api/v1/namespaces/ns/pods?watch=true -> 200 OK (2ms)",
		"debug: api: GET https://127.0.0.1:26643/api/v1/namespaces/ns/pods/p/log?follow=true -> 200 OK (9ms)",
	}, "\n")
	n, kinds := countDebug(stderr)
	if n != 4 {
		t.Fatalf("got %d requests, want 4: %v", n, kinds)
	}
	for _, k := range []string{"GET jobs/NAME", "GET pods", "GET pods?watch", "GET pods/log?follow"} {
		if kinds[k] != 1 {
			t.Errorf("kind %q: got %d, want 1 (%v)", k, kinds[k], kinds)
		}
	}
}

func TestReadAudit(t *testing.T) {
	lines := []string{
		`{"auditID":"a","stage":"ResponseComplete","verb":"get","userAgent":"kubectl-druid_logs","objectRef":{"resource":"jobs","namespace":"ns"}}`,
		`{"auditID":"b","stage":"ResponseStarted","verb":"watch","userAgent":"kubectl-druid_logs","objectRef":{"resource":"pods","namespace":"ns"}}`,
		`{"auditID":"c","stage":"ResponseComplete","verb":"get","userAgent":"kubectl/v1.37.2","objectRef":{"resource":"jobs","namespace":"ns"}}`,
		`{"auditID":"d","stage":"ResponseStarted","verb":"get","userAgent":"kubectl-druid_logs","objectRef":{"resource":"pods","subresource":"log","namespace":"ns"}}`,
		`{"auditID":"d","stage":"ResponseComplete","verb":"get","userAgent":"kubectl-druid_logs","objectRef":{"resource":"pods","subresource":"log","namespace":"ns"}}`,
	}
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, pending, err := readAudit(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.requests != 2 || c.started != 2 || pending != 1 {
		t.Fatalf("got %+v, pending %d; want 2 requests, 2 started, 1 pending", c, pending)
	}
	if got := c.summary(); got != "get jobs, get pods/log" {
		t.Fatalf("summary %q", got)
	}
}

// TestPeakRSSIsTheChildsOwn runs a small child from a big parent: the figure must be the
// child's, not the parent's high-water mark that rusage's maxrss reports on Linux.
func TestPeakRSSIsTheChildsOwn(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep(1)")
	}
	big := make([]byte, 200<<20)
	for i := range big {
		if i%4096 == 0 {
			big[i] = 1
		}
	}
	res, err := runProc(procSpec{argv: []string{sleep, "0.2"}, timeout: 10 * time.Second})
	runtime.KeepAlive(big)
	if err != nil {
		t.Fatal(err)
	}
	if res.maxRSSKB <= 0 || res.maxRSSKB > 50<<10 {
		t.Fatalf("peak RSS of sleep 0.2 = %d KiB, want a few MiB", res.maxRSSKB)
	}
}
