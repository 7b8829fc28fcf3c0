package postmortem

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// untar reads a bundle back: file names in order, and their contents.
func untar(t *testing.T, b []byte) ([]string, map[string]string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Mode != 0o600 {
			t.Errorf("%s has mode %o, want 0600", h.Name, h.Mode)
		}
		data, _ := io.ReadAll(tr)
		name := h.Name[strings.Index(h.Name, "/")+1:]
		names = append(names, name)
		files[name] = string(data)
	}
}

func TestBundleHoldsEverythingReadAndNoSecret(t *testing.T) {
	pod := careless()
	pod.Status = peonPod(corev1.PodFailed, terminated(137, "OOMKilled")).Status
	ev := evidence(peonJob(backoffLimitExceeded), pod, ovl(overlord.StatusFailed, stock29NoStatus),
		podLog("2026-11-26T21:14:29,001 INFO [main] org.apache.druid.cli.CliPeon - * druid.metadata.storage.connector.password: metadata-db-pw",
			"2026-11-26T21:14:29,002 INFO connecting to s3 with wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"),
		storedLog("saved line"))
	ev.JobEvents = []corev1.Event{event("Job", jobName, corev1.EventTypeWarning, "BackoffLimitExceeded", "Job has reached the specified backoff limit")}
	ev.Reports = []byte(`{"ingestionStatsAndErrors":{"payload":{"errorMsg":"auth failed for http://druid:https-userinfo-pw@metadata/"}}}`)
	ev.Unread = []Unread{{What: "previous pod log", Reason: "previous terminated container \"main\" not found"}}
	rep := Diagnose(ev, 20)
	whyJSON, _ := json.Marshal(rep)
	b := Assemble(ev, rep, Extra{WhyText: []byte(rep.Verdict + "\n"), WhyJSON: whyJSON, CheckJSON: []byte(`{"taskId":"x"}`),
		VersionJSON: []byte(`{"version":"v0.1.0","server":{"gitVersion":"v1.37.2"}}`)},
		[]string{"kubectl druid-logs bundle of task " + taskID})
	var out bytes.Buffer
	if err := b.Write(&out, now); err != nil {
		t.Fatal(err)
	}
	names, files := untar(t, out.Bytes())
	want := []string{"MANIFEST", "why.txt", "why.json", "check.json", "version.json", "job.yaml", "pod.yaml", "events.yaml",
		"overlord-status.json", "task.json", "reports.json", "logs/pod-main.log", "logs/overlord.log"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v\nwant  %v", names, want)
	}
	for name, data := range files {
		for _, s := range secrets {
			if strings.Contains(data, s) {
				t.Errorf("%s holds the secret %q", name, s)
			}
		}
	}
	for _, w := range []string{"included  pod.yaml", "missing   previous pod log", "previous terminated container", "redacted: every environment variable's value"} {
		if !strings.Contains(files["MANIFEST"], w) {
			t.Errorf("MANIFEST lacks %q:\n%s", w, files["MANIFEST"])
		}
	}
	if !strings.Contains(files["task.json"], `"dataSource": "wikipedia"`) || !strings.Contains(files["pod.yaml"], "kind: Pod") {
		t.Errorf("task.json or pod.yaml lost its content")
	}
	if !strings.Contains(files["why.json"], `"signature":"oom-killed"`) {
		t.Errorf("why.json: %s", files["why.json"])
	}
}

func TestBundleSaysWhatIsMissingAndWhy(t *testing.T) {
	ev := evidence(nil, nil, nil)
	rep := Diagnose(ev, 20)
	b := Assemble(ev, rep, Extra{CheckErr: "check failed: boom"}, nil)
	m := string(b.Manifest())
	for _, w := range []string{
		"missing   check.json                           -  check failed: boom",
		"missing   job.yaml", "deletes a finished task's Job", "missing   pod.yaml", "missing   overlord-status.json",
		"no Overlord asked", "missing   task.json", "missing   logs/",
	} {
		if !strings.Contains(m, w) {
			t.Errorf("MANIFEST lacks %q:\n%s", w, m)
		}
	}
}
