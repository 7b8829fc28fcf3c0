package kubelet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// timestampFormat is the kubelet's timestamp format for timestamps=true (RFC3339 with a fixed
// nanosecond fraction, always UTC here), as in pkg/kubelet/kuberuntime/logs.
const timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// pollInterval is how often a follow stream looks for new data or the container's termination.
const pollInterval = 20 * time.Millisecond

// logOptions are the query parameters of GET /containerLogs/NS/POD/CONTAINER.
type logOptions struct {
	follow     bool
	previous   bool
	timestamps bool
	tailLines  int64 // -1: all
	limitBytes int64 // -1: unlimited
	since      time.Time
}

func parseLogOptions(r *http.Request) (logOptions, error) {
	q := r.URL.Query()
	o := logOptions{tailLines: -1, limitBytes: -1}
	var err error
	boolean := func(name string) bool {
		v := q.Get(name)
		b, e := strconv.ParseBool(v)
		if v != "" && e != nil {
			err = fmt.Errorf("invalid %s %q", name, v)
		}
		return b
	}
	o.follow, o.previous, o.timestamps = boolean("follow"), boolean("previous"), boolean("timestamps")
	if err != nil {
		return o, err
	}
	if v := q.Get("tailLines"); v != "" {
		if o.tailLines, err = strconv.ParseInt(v, 10, 64); err != nil || o.tailLines < 0 {
			return o, fmt.Errorf("invalid tailLines %q", v)
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if o.limitBytes, err = strconv.ParseInt(v, 10, 64); err != nil || o.limitBytes <= 0 {
			return o, fmt.Errorf("invalid limitBytes %q", v)
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		if o.since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return o, fmt.Errorf("invalid sinceTime %q", v)
		}
	}
	if v := q.Get("sinceSeconds"); v != "" {
		s, e := strconv.ParseInt(v, 10, 64)
		if e != nil || s <= 0 {
			return o, fmt.Errorf("invalid sinceSeconds %q", v)
		}
		if t := time.Now().Add(-time.Duration(s) * time.Second); t.After(o.since) {
			o.since = t
		}
	}
	return o, nil
}

// criLine is one parsed CRI log line: "<RFC3339Nano> <stream> <P|F> <content>".
type criLine struct {
	ts      time.Time
	partial bool
	content []byte
}

func parseCRILine(line []byte) (criLine, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	parts := bytes.SplitN(line, []byte(" "), 4)
	if len(parts) < 3 {
		return criLine{}, fmt.Errorf("malformed CRI log line %q", line)
	}
	ts, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil {
		return criLine{}, fmt.Errorf("malformed CRI timestamp in %q", line)
	}
	l := criLine{ts: ts, partial: string(parts[2]) == "P"}
	if len(parts) == 4 {
		l.content = parts[3]
	}
	return l, nil
}

// tailStart returns the byte offset where the last n complete lines of f begin.
func tailStart(f *os.File, n int64) (int64, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, err
	}
	end := len(data)
	if end > 0 && data[end-1] != '\n' { // ignore an incomplete last line when counting
		end = bytes.LastIndexByte(data, '\n') + 1
	}
	pos := end
	for i := int64(0); i < n && pos > 0; i++ {
		pos = bytes.LastIndexByte(data[:pos-1], '\n') + 1
	}
	return int64(pos), nil
}

// errLimit is returned when limitBytes have been written.
var errLimit = errors.New("limitBytes reached")

// limitedWriter writes at most n bytes (n < 0: unlimited), then fails with errLimit, like the kubelet.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n < 0 {
		return l.w.Write(p)
	}
	if l.n == 0 {
		return 0, errLimit
	}
	cut := false
	if int64(len(p)) > l.n {
		p, cut = p[:l.n], true
	}
	k, err := l.w.Write(p)
	l.n -= int64(k)
	if err == nil && cut {
		err = errLimit
	}
	return k, err
}

// streamLog copies the CRI file at path to w, honouring opts. In follow mode it keeps reading
// until done() reports the container terminated (then drains what is left) or ctx ends.
func streamLog(ctx context.Context, path string, opts logOptions, w io.Writer, flush func(), done func() bool) error {
	f, err := os.Open(path)
	if err != nil {
		if !os.IsNotExist(err) || !opts.follow {
			return err
		}
		// No file yet: a running container that has not logged. Wait for the file.
		for f == nil {
			if done() {
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pollInterval):
			}
			if f, err = os.Open(path); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	defer f.Close()
	if opts.tailLines >= 0 {
		start, err := tailStart(f, opts.tailLines)
		if err != nil {
			return err
		}
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			return err
		}
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	lw := &limitedWriter{w: w, n: opts.limitBytes}
	r := bufio.NewReader(f)
	var pending []byte // an incomplete line read at EOF
	finishing := false
	for {
		chunk, err := r.ReadBytes('\n')
		pending = append(pending, chunk...)
		if err == nil {
			if werr := writeLine(lw, pending, opts); werr != nil {
				flush()
				if errors.Is(werr, errLimit) {
					return nil
				}
				return werr
			}
			pending = pending[:0]
			continue
		}
		if err != io.EOF {
			return err
		}
		flush()
		if !opts.follow || finishing {
			return nil
		}
		if done() {
			finishing = true // one more pass to drain lines written before termination
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pollInterval):
		}
	}
}

func writeLine(w io.Writer, raw []byte, opts logOptions) error {
	l, err := parseCRILine(raw)
	if err != nil {
		return nil // the kubelet skips lines it cannot parse
	}
	if !opts.since.IsZero() && l.ts.Before(opts.since) {
		return nil
	}
	var buf bytes.Buffer
	if opts.timestamps {
		buf.WriteString(l.ts.UTC().Format(timestampFormat))
		buf.WriteByte(' ')
	}
	buf.Write(l.content)
	if !l.partial {
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}
