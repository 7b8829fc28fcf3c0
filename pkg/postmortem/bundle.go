package postmortem

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// ManifestName is the bundle's table of contents, first in the archive.
const ManifestName = "MANIFEST"

// Bundle is a support bundle: files for a ticket, and what could not be
// included with the reason. Everything in it has been redacted.
type Bundle struct {
	// Dir is the archive's top directory.
	Dir string
	// Header are the MANIFEST's first lines (task, time, verdict).
	Header  []string
	Files   []BundleFile
	Missing []BundleMissing
}

// BundleFile is one file of a bundle.
type BundleFile struct {
	Name  string
	About string
	Data  []byte
}

// BundleMissing is a file a bundle does not hold, and why.
type BundleMissing struct {
	Name, Why string
}

// Extra are the documents a bundle holds besides the evidence: the
// command's own outputs.
type Extra struct {
	// WhyText is `why`'s report for people; WhyJSON its -o json.
	WhyText, WhyJSON []byte
	// CheckJSON is `check -o json`; CheckErr says why it is missing.
	CheckJSON []byte
	CheckErr  string
	// VersionJSON is `version -o json`: the plugin's build and the API
	// server's version, for the ticket.
	VersionJSON []byte
}

// Assemble redacts the evidence and lays it out as a bundle: the objects
// first, so that every secret they hold is known before any text (logs,
// events, reports, the reports of why and check) is scrubbed.
func Assemble(ev *Evidence, rep *Report, x Extra, header []string) *Bundle {
	r := NewRedactor()
	b := &Bundle{Dir: "druid-logs-bundle-" + safeName(ev.TaskID) + "-" + ev.Now.UTC().Format("20060102T150405Z"), Header: header}
	var job, pod []byte
	if ev.Job != nil {
		j := r.Job(ev.Job)
		j.APIVersion, j.Kind = "batch/v1", "Job"
		job = mustYAML(j)
	}
	if ev.Pod != nil {
		p := r.Pod(ev.Pod)
		p.APIVersion, p.Kind = "v1", "Pod"
		pod = mustYAML(p)
	}
	payload, payloadFrom := r.TaskPayload(), "decoded from the pod's task annotation or TASK_JSON variable"
	if ev.Payload != nil {
		payload, payloadFrom = r.JSON(ev.Payload), "GET /druid/indexer/v1/task/ID on the Overlord"
	}
	b.add("why.txt", "kubectl druid-logs why: the verdict, the evidence and the fix", r.Text(x.WhyText))
	b.add("why.json", "kubectl druid-logs why -o json (docs/why.schema.json)", r.Text(x.WhyJSON))
	if x.CheckJSON != nil {
		b.add("check.json", "kubectl druid-logs check -o json (docs/check-schema.md)", r.Text(x.CheckJSON))
	} else {
		b.miss("check.json", x.CheckErr)
	}
	if x.VersionJSON != nil {
		b.add("version.json", "kubectl druid-logs version -o json: the plugin's build and the API server's version", r.Text(x.VersionJSON))
	}
	b.addOr("job.yaml", "the task's Job, redacted", r.Text(job), "no Job exists: "+goneJob(ev))
	b.addOr("pod.yaml", "the Job's pod, redacted", r.Text(pod), "no pod exists: "+gonePod(ev))
	events := &corev1.EventList{TypeMeta: metav1.TypeMeta{Kind: "List", APIVersion: "v1"}}
	events.Items = append(append(events.Items, ev.JobEvents...), ev.PodEvents...)
	if len(events.Items) > 0 {
		about := fmt.Sprintf("%d events of the Job and the pod", len(events.Items))
		if len(events.Items) == 1 {
			about = "1 event of the Job and the pod"
		}
		b.add("events.yaml", about, r.Text(mustYAML(events)))
	} else {
		b.miss("events.yaml", "no events (Kubernetes keeps them about an hour)")
	}
	b.overlord(ev, r)
	b.addOr("task.json", "the task's payload, redacted; "+payloadFrom, payload, "no task payload: not in the pod's annotations or environment, and not from the Overlord")
	if ev.Reports != nil {
		b.add("reports.json", "GET /druid/indexer/v1/task/ID/reports on the Overlord", r.JSON(ev.Reports))
	}
	for _, l := range ev.Logs {
		about := fmt.Sprintf("%s log: %s (%d bytes", l.Source, l.Where, l.Bytes)
		if l.Truncated {
			about += fmt.Sprintf(", only the last %d kept", len(l.Text))
		}
		b.add("logs/"+logFile(l), about+")", r.Text(l.Text))
	}
	if len(ev.Logs) == 0 {
		b.miss("logs/", "no log could be read")
	}
	for _, u := range ev.Unread {
		b.miss(u.What, string(r.Text([]byte(u.Reason))))
	}
	return b
}

func (b *Bundle) overlord(ev *Evidence, r *Redactor) {
	o := ev.Overlord
	switch {
	case o == nil:
		b.miss("overlord-status.json", "no Overlord asked (--overlord URL or --overlord-service NAME): no Druid status, saved log, reports or payload")
	case o.NotFound:
		b.miss("overlord-status.json", "the Overlord answered 404: it never heard of the task")
	case o.Status != nil:
		st, _ := json.MarshalIndent(map[string]any{"task": ev.TaskID, "status": o.Status}, "", "  ")
		b.add("overlord-status.json", "GET /druid/indexer/v1/task/ID/status on "+o.URL+" (decoded and re-encoded)", r.Text(append(st, '\n')))
	}
}

func (b *Bundle) add(name, about string, data []byte) {
	b.Files = append(b.Files, BundleFile{Name: name, About: about, Data: data})
}

func (b *Bundle) addOr(name, about string, data []byte, why string) {
	if len(data) == 0 {
		b.miss(name, why)
		return
	}
	b.add(name, about, data)
}

func (b *Bundle) miss(name, why string) {
	b.Missing = append(b.Missing, BundleMissing{Name: name, Why: why})
}

// Manifest lists the bundle: its header, then one line per file
// ("included NAME BYTES ABOUT"), then one per missing one ("missing NAME
// WHY"), then the redaction rule.
func (b *Bundle) Manifest() []byte {
	var s strings.Builder
	for _, h := range b.Header {
		s.WriteString("# " + h + "\n")
	}
	s.WriteString("\n")
	for _, f := range b.Files {
		fmt.Fprintf(&s, "included  %-28s %9d  %s\n", f.Name, len(f.Data), f.About)
	}
	for _, m := range b.Missing {
		fmt.Fprintf(&s, "missing   %-28s %9s  %s\n", m.Name, "-", m.Why)
	}
	s.WriteString("\nredacted: every environment variable's value (names and valueFrom references kept); " +
		"arguments, annotations and JSON fields whose key looks like a credential (password, secret, token, key, jaas...); " +
		"URL passwords, Bearer/Basic tokens, AWS key IDs, private keys; the task payload annotation (decoded, redacted, in task.json); " +
		"and every copy of a removed value in every file.\n")
	return []byte(s.String())
}

// Write writes the bundle as a tar.gz: MANIFEST first, then the files, all
// under Dir, mode 0600, time mtime.
func (b *Bundle) Write(w io.Writer, mtime time.Time) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	files := append([]BundleFile{{Name: ManifestName, Data: b.Manifest()}}, b.Files...)
	for _, f := range files {
		hdr := &tar.Header{Name: b.Dir + "/" + f.Name, Mode: 0o600, Size: int64(len(f.Data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func logFile(l Log) string {
	name := string(l.Source)
	if i := strings.LastIndex(l.Where, " container "); i >= 0 && l.Source != FromOverlord {
		name += "-" + strings.Fields(l.Where[i+len(" container "):])[0]
	}
	return name + ".log"
}

func goneJob(ev *Evidence) string {
	return "Druid's Overlord deletes a finished task's Job (unless druid.indexer.runner.debugJobs=true); tried " + strings.Join(ev.JobNames, ", ")
}

func gonePod(ev *Evidence) string {
	if ev.Job == nil {
		return "its Job is gone"
	}
	return "the Job has no pod (never created, or deleted)"
}

// safeName keeps a task ID's letters, digits, '-', '_' and '.', so it can
// name a directory.
func safeName(id string) string {
	var s strings.Builder
	for _, c := range id {
		if c == '-' || c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			s.WriteRune(c)
		}
	}
	if s.Len() > 80 {
		return s.String()[:80]
	}
	return s.String()
}

func mustYAML(v any) []byte {
	b, err := yaml.Marshal(v)
	if err != nil {
		return []byte("# cannot encode: " + err.Error() + "\n")
	}
	return b
}
