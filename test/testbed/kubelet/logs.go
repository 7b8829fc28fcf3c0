package kubelet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// pollInterval is how often a follow stream looks for new data or the container's termination.
const pollInterval = 20 * time.Millisecond

// readChunk is how much of the file a stream reads at a time.
const readChunk = 256 << 10

// logOptions are the query parameters of GET /containerLogs/NS/POD/CONTAINER.
type logOptions struct {
	previous bool
	// cri holds follow, tailLines, limitBytes, since and timestamps as the kubelet's reader takes them.
	cri crilog.Options
}

func parseLogOptions(r *http.Request) (logOptions, error) {
	q := r.URL.Query()
	var o logOptions
	var err error
	boolean := func(name string) bool {
		v := q.Get(name)
		b, e := strconv.ParseBool(v)
		if v != "" && e != nil {
			err = fmt.Errorf("invalid %s %q", name, v)
		}
		return b
	}
	o.cri.Follow, o.previous, o.cri.Timestamps = boolean("follow"), boolean("previous"), boolean("timestamps")
	if err != nil {
		return o, err
	}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return o, fmt.Errorf("invalid tailLines %q", v)
		}
		o.cri.TailLines = &n
	}
	if v := q.Get("limitBytes"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, fmt.Errorf("invalid limitBytes %q", v)
		}
		o.cri.LimitBytes = &n
	}
	var sinceTime *time.Time
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return o, fmt.Errorf("invalid sinceTime %q", v)
		}
		sinceTime = &t
	}
	var sinceSeconds *int64
	if v := q.Get("sinceSeconds"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil || s <= 0 {
			return o, fmt.Errorf("invalid sinceSeconds %q", v)
		}
		sinceSeconds = &s
	}
	o.cri.Since = crilog.Since(time.Now(), sinceSeconds, sinceTime)
	return o, nil
}

// streamLog writes the CRI file at path to w as the kubelet does for opts (package crilog
// reproduces its reader). Without follow it reads the file once, writing an incomplete last
// record as it is. With follow it keeps reading as the file grows and never writes an incomplete
// last record; once done() reports the container terminated it reads to the end once more and
// returns. A follow stream also returns when ctx ends or st is ended (EndStreamsCleanly), and
// reads nothing while st is held (HoldStreams). flush sends what was written.
func streamLog(ctx context.Context, path string, opts crilog.Options, w io.Writer, flush func(), done func() bool, st *stream) error {
	if st == nil {
		st = newStream()
	}
	f, err := openLog(ctx, path, opts.Follow, done, st)
	if f == nil || err != nil {
		return err
	}
	defer f.Close()
	start := int64(0)
	if opts.TailLines != nil {
		data, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		start = crilog.TailStart(data, *opts.TailLines)
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(stampWriter{w, st}, 64<<10)
	r := crilog.NewReader(opts)
	buf := make([]byte, readChunk)
	// drain feeds the reader what the file holds now; stop says the response is complete.
	drain := func() (stop bool, err error) {
		defer func() {
			if ferr := bw.Flush(); err == nil && ferr != nil {
				stop, err = true, ferr
			}
			flush()
		}()
		for {
			n, rerr := f.Read(buf)
			if n > 0 {
				if ferr := r.Feed(buf[:n], bw); ferr != nil {
					if ferr == io.EOF || errors.Is(ferr, crilog.ErrLimit) {
						return true, nil
					}
					return true, ferr
				}
			}
			if rerr == io.EOF {
				return false, nil
			}
			if rerr != nil {
				return true, rerr
			}
		}
	}
	if !opts.Follow {
		if stop, err := drain(); stop || err != nil {
			return err
		}
		err := r.Finish(bw)
		if errors.Is(err, crilog.ErrLimit) {
			err = nil
		}
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		flush()
		return err
	}
	sent := st.sentOnce
	for first := true; ; first = false {
		if !first && !st.wait(ctx) {
			return nil
		}
		// Holding the stream's lock while reading lets HoldStreams return only once no read is
		// under way: what is appended after it is not sent.
		st.mu.Lock()
		if st.held {
			st.mu.Unlock()
			sent()
			continue // a stalled proxy: the stream stays open and sends nothing
		}
		finishing := done() // the kubelet reads to the end once more after the container stopped
		stop, err := drain()
		st.mu.Unlock()
		sent()
		if stop || err != nil || finishing {
			return err
		}
	}
}

// openLog opens the log file. A follow request for a running container that has not written
// yet waits for the file; it returns a nil file when the container ends (or the stream is ended)
// before the file appears.
func openLog(ctx context.Context, path string, follow bool, done func() bool, st *stream) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err == nil {
			return f, nil
		}
		if !os.IsNotExist(err) || !follow {
			return nil, err
		}
		if done() || !st.wait(ctx) {
			return nil, nil
		}
	}
}

// stampWriter notes when its stream last sent (for the idle cut).
type stampWriter struct {
	w  io.Writer
	st *stream
}

func (s stampWriter) Write(p []byte) (int, error) {
	s.st.lastSent.Store(time.Now().UnixNano())
	return s.w.Write(p)
}
