// Package crilog writes container logs the way a container runtime does and
// reads them back the way the kubelet's log reader does, for the test
// kubelet and for unit tests that need a faithful log server.
//
// The runtime (containerd, CRI-O) writes one record per line of output:
// "<RFC3339Nano> <stdout|stderr> <P|F> <content>\n", where a line longer
// than the runtime's buffer (16 KiB by default) is split into partial
// records tagged P and ended by a record tagged F. The reader here
// reproduces k8s.io/cri-client's pkg/logs ReadLogs (v0.37): tailLines counts
// records, not lines; sinceTime is applied to each record; a timestamp is
// written only where a line starts, and whether a line starts is tracked
// across the records that sinceTime skips; stdout and stderr share one
// writer and one line-start state; limitBytes may cut a line; a non-follow
// read writes an incomplete last record, a follow read never does.
//
// It is test code: the plugin itself never imports it.
package crilog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Streams of a record.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// DefaultMaxRecord is the size at which containerd splits a line into
// partial records (its max_container_log_line_size default).
const DefaultMaxRecord = 16 * 1024

// timeFormatOut is the kubelet's fixed-width timestamp format.
const timeFormatOut = "2006-01-02T15:04:05.000000000Z07:00"

// Record is one line of a CRI log file.
type Record struct {
	Time    time.Time
	Stream  string
	Partial bool
	Content []byte // without the record's newline
}

// Encode returns the record as the runtime writes it, newline included.
func (r Record) Encode() []byte {
	tag := "F"
	if r.Partial {
		tag = "P"
	}
	var b bytes.Buffer
	b.WriteString(r.Time.UTC().Format(time.RFC3339Nano))
	b.WriteByte(' ')
	b.WriteString(r.Stream)
	b.WriteByte(' ')
	b.WriteString(tag)
	b.WriteByte(' ')
	b.Write(r.Content)
	b.WriteByte('\n')
	return b.Bytes()
}

// Line returns the records a runtime writes for one line of output on
// stream at ts: one F record, or P records of max bytes then an F record
// when the line is longer. stamps, when given, are the timestamps of the
// successive records (a runtime stamps each record when it reads it);
// missing ones repeat the last.
func Line(stream, text string, max int, stamps ...time.Time) []Record {
	if max <= 0 {
		max = DefaultMaxRecord
	}
	if len(stamps) == 0 {
		stamps = []time.Time{time.Now()}
	}
	var out []Record
	for i := 0; ; i++ {
		ts := stamps[min(i, len(stamps)-1)]
		if len(text) <= max {
			return append(out, Record{Time: ts, Stream: stream, Content: []byte(text)})
		}
		out = append(out, Record{Time: ts, Stream: stream, Partial: true, Content: []byte(text[:max])})
		text = text[max:]
	}
}

// Encode concatenates the encoded records.
func Encode(recs ...Record) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		b.Write(r.Encode())
	}
	return b.Bytes()
}

// message is a parsed record as the reader holds it: for an F record the
// content keeps its newline, for a P record it has none.
type message struct {
	ts     time.Time
	stream string
	log    []byte
}

// parse parses one record read from the file (with its newline, or without
// one when it is the incomplete last record), as the reader's parseCRILog.
func parse(raw []byte) (message, error) {
	var m message
	i := bytes.IndexByte(raw, ' ')
	if i < 0 {
		return m, errors.New("timestamp is not found")
	}
	ts, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", string(raw[:i]))
	if err != nil {
		return m, fmt.Errorf("unexpected timestamp format: %v", err)
	}
	m.ts = ts
	raw = raw[i+1:]
	if i = bytes.IndexByte(raw, ' '); i < 0 {
		return m, errors.New("stream type is not found")
	}
	m.stream = string(raw[:i])
	if m.stream != Stdout && m.stream != Stderr {
		return m, fmt.Errorf("unexpected stream type %q", m.stream)
	}
	raw = raw[i+1:]
	if i = bytes.IndexByte(raw, ' '); i < 0 {
		return m, errors.New("log tag is not found")
	}
	partial := string(bytes.SplitN(raw[:i], []byte(":"), 2)[0]) == "P"
	if partial && len(raw) > 0 && raw[len(raw)-1] == '\n' {
		raw = raw[:len(raw)-1]
	}
	m.log = raw[i+1:]
	return m, nil
}

// Options are the kubelet's log options (from PodLogOptions).
type Options struct {
	// TailLines: nil for all records, else the last n records.
	TailLines *int64
	// LimitBytes: nil for no limit.
	LimitBytes *int64
	// Since: records older than this are skipped (sinceTime or
	// now-sinceSeconds).
	Since time.Time
	// Timestamps prefixes each line start with the record's timestamp.
	Timestamps bool
	// Follow keeps reading as the file grows (see Reader.Feed).
	Follow bool
}

// ErrLimit is returned once LimitBytes have been written: the reader stops.
var ErrLimit = errors.New("crilog: limitBytes reached")

// Reader turns records into the bytes the kubelet sends for one request.
// Feed it the file's bytes from the tail start on, in pieces of any size;
// it keeps the line-start state and the byte budget between pieces.
type Reader struct {
	opts      Options
	remain    int64
	limited   bool  // tailLines without follow: stop after that many records
	left      int64 // records left in limited mode
	isNewLine bool
	pending   []byte // a record not yet complete
}

// NewReader returns a Reader for opts.
func NewReader(opts Options) *Reader {
	r := &Reader{opts: opts, remain: math.MaxInt64, isNewLine: true}
	if opts.LimitBytes != nil {
		r.remain = *opts.LimitBytes
	}
	if opts.TailLines != nil && !opts.Follow {
		r.limited, r.left = true, *opts.TailLines
	}
	return r
}

// Feed writes to out what the kubelet writes for the complete records in
// data (an incomplete last record is kept for the next Feed). It returns
// io.EOF when a limit says the response is complete, ErrLimit when
// limitBytes ran out, or the writer's error.
func (r *Reader) Feed(data []byte, out io.Writer) error {
	r.pending = append(r.pending, data...)
	for {
		if r.limited && r.left == 0 {
			return io.EOF
		}
		i := bytes.IndexByte(r.pending, '\n')
		if i < 0 {
			return nil
		}
		rec := r.pending[:i+1]
		err := r.write(rec, out)
		r.pending = r.pending[i+1:]
		if err != nil {
			return err
		}
	}
}

// Finish ends a non-follow read: the kubelet writes an incomplete last
// record as it is. A follow read never calls it (the kubelet seeks back
// and waits for the rest of the line instead).
func (r *Reader) Finish(out io.Writer) error {
	if len(r.pending) == 0 || (r.limited && r.left == 0) {
		return nil
	}
	rec := r.pending
	r.pending = nil
	return r.write(rec, out)
}

// write is the reader's per-record step: parse, filter by since, prefix a
// line start, cut to limitBytes, then note whether the next record starts
// a line.
func (r *Reader) write(raw []byte, out io.Writer) error {
	m, err := parse(raw)
	if err != nil {
		return nil // the kubelet logs the bad line and goes on
	}
	if !m.ts.Before(r.opts.Since) {
		line := m.log
		if r.opts.Timestamps && r.isNewLine {
			line = append([]byte(m.ts.Format(timeFormatOut)+" "), line...)
		}
		if int64(len(line)) > r.remain {
			line = line[:r.remain]
		}
		n, err := out.Write(line)
		r.remain -= int64(n)
		if err != nil {
			return err
		}
		if r.remain <= 0 {
			return ErrLimit
		}
	}
	if r.limited {
		r.left--
	}
	r.isNewLine = len(m.log) == 0 || m.log[len(m.log)-1] == '\n'
	return nil
}

// TailStart returns the offset in data where the last n records begin
// (n < 0: 0), counting complete records only, as findTailLineStartIndex.
func TailStart(data []byte, n int64) int64 {
	if n < 0 {
		return 0
	}
	end := len(data)
	if end > 0 && data[end-1] != '\n' {
		end = bytes.LastIndexByte(data, '\n') + 1
	}
	pos := end
	for i := int64(0); i < n && pos > 0; i++ {
		pos = bytes.LastIndexByte(data[:pos-1], '\n') + 1
	}
	return int64(pos)
}

// Read is one non-follow request over a whole file: what the kubelet
// sends for data with opts.
func Read(data []byte, opts Options) []byte {
	opts.Follow = false
	var b bytes.Buffer
	r := NewReader(opts)
	if tail := opts.TailLines; tail != nil {
		data = data[TailStart(data, *tail):]
	}
	if err := r.Feed(data, &b); err == nil {
		_ = r.Finish(&b)
	}
	return b.Bytes()
}

// Since is the time from which records are read, as the kubelet derives it
// from a request (kuberuntime ReadLogs): now minus sinceSeconds, or
// sinceTime when that is later. Nil means not given; neither gives the zero
// time (every record).
func Since(now time.Time, sinceSeconds *int64, sinceTime *time.Time) time.Time {
	var since time.Time
	if sinceSeconds != nil {
		since = now.Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	if sinceTime != nil && sinceTime.After(since) {
		since = *sinceTime
	}
	return since
}
