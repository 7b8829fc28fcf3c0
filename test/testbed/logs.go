package testbed

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// AppendLog appends lines to the container's log as stdout F records (one record per line, no
// splitting however long) stamped with the current time. A line holding "\n" is several lines.
func (t *Task) AppendLog(lines ...string) error { return t.appendLines(t.LogPath(), time.Now(), lines) }

// AppendLogAt is AppendLog with timestamp ts on every record (for sinceTime/sinceSeconds tests).
func (t *Task) AppendLogAt(ts time.Time, lines ...string) error {
	return t.appendLines(t.LogPath(), ts, lines)
}

// AppendPreviousLog appends lines to the log of the previous container instance (previous=true).
func (t *Task) AppendPreviousLog(lines ...string) error {
	return t.appendLines(t.PreviousLogPath(), time.Now(), lines)
}

// AppendRecords appends CRI records exactly as given: any stream, partial (P) or full (F), explicit
// timestamps (which need not increase: runtimes stamp each record when they read it).
func (t *Task) AppendRecords(recs ...crilog.Record) error {
	return t.appendBytes(t.LogPath(), crilog.Encode(recs...))
}

// AppendLongLine appends one stdout line as containerd writes a line longer than its buffer:
// P records of maxRecord bytes (crilog.DefaultMaxRecord, 16 KiB, if maxRecord <= 0) and a final F
// record. stamps are the successive records' timestamps (missing ones repeat the last; none: now),
// so a test can make the records of one line straddle a second.
func (t *Task) AppendLongLine(text string, maxRecord int, stamps ...time.Time) error {
	return t.AppendRecords(crilog.Line(crilog.Stdout, text, maxRecord, stamps...)...)
}

// AppendUnterminated appends rec without its final newline, as the file looks while the runtime
// is in the middle of writing a record: a kubelet's follow stream never sends such a record, a
// non-follow read sends it as it is. Appending more later completes (or extends) that record.
func (t *Task) AppendUnterminated(rec crilog.Record) error {
	b := rec.Encode()
	return t.appendBytes(t.LogPath(), b[:len(b)-1])
}

func (t *Task) appendLines(path string, ts time.Time, lines []string) error {
	var recs []crilog.Record
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			recs = append(recs, crilog.Record{Time: ts, Stream: crilog.Stdout, Content: []byte(part)})
		}
	}
	return t.appendBytes(path, crilog.Encode(recs...))
}

// appendBytes appends data to the file at path in one write, as a runtime appends, under the lock
// the test kubelet's log rotation takes (kubeletlog.AppendFile).
func (t *Task) appendBytes(path string, data []byte) error {
	if t.PodName() == "" {
		return fmt.Errorf("testbed: pod of %s not known yet (call Pod or SetRunning first)", t.JobName)
	}
	return kubeletlog.AppendFile(path, data)
}

// LogRotations returns how many times the test kubelet rotated the container's log
// (TaskSpec.LogRotation).
func (t *Task) LogRotations() (int, error) {
	out, err := t.cluster.control(http.MethodGet, "rotations?log="+url.QueryEscape(t.Spec.Namespace+"/"+t.PodName()+"/"+t.Spec.ContainerName))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// WholeLog returns the container's log as the node still keeps it: the rotated files
// (decompressed) and the current one, oldest first, CRI records included.
func (t *Task) WholeLog() ([]byte, error) { return kubeletlog.ReadAll(t.LogPath()) }
