package follow

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Opener opens a log stream of the followed container with these options.
type Opener func(ctx context.Context, opts *corev1.PodLogOptions) (io.ReadCloser, error)

// Options control what is printed and how hard reconnects try.
type Options struct {
	// Container is the container whose log is read.
	Container string
	// Timestamps prints each line's timestamp, as kubectl logs --timestamps.
	Timestamps bool
	// Prefix is printed before every line (e.g. "[pod/x/main] ").
	Prefix string
	// SinceSeconds, SinceTime and TailLines shape the first request only;
	// reconnects resume from the last printed line instead.
	SinceSeconds *int64
	SinceTime    *metav1.Time
	TailLines    *int64
	// MaxFailures is how many attempts in a row may fail (no new line
	// printed) before Run gives up. Default 10.
	MaxFailures int
	// MinBackoff and MaxBackoff bound the wait between reconnects; the wait
	// doubles per failure. Defaults 200ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// EndGrace is how long a cleanly ended stream waits for the container's
	// end to be reported before it counts as a drop. Default 1s.
	EndGrace time.Duration
	// Coalesce is how long the follower pauses after a read that drained
	// everything the transport had buffered, so that a busy stream is read
	// in large batches: fewer reads, HTTP/2 window updates and writes to
	// the output. It bounds the extra latency of a line. Default 2ms; a
	// negative value disables it.
	Coalesce time.Duration
	// Notify receives one-line status messages (reconnects) for stderr.
	Notify func(format string, args ...any)
}

// GaveUpError is returned when MaxFailures attempts in a row failed.
type GaveUpError struct {
	Attempts int
	Err      error
}

func (e *GaveUpError) Error() string {
	return fmt.Sprintf("log stream failed %d times in a row: %v", e.Attempts, e.Err)
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// defaultCoalesce is Options.Coalesce's default: far below what a person can
// see, and at the ~30 MB/s an API server streams a log it lets the transport
// gather about 60 KB, one read instead of fifteen 4 KB ones.
const defaultCoalesce = 2 * time.Millisecond

// Follower prints one container's log to an io.Writer.
type Follower struct {
	opts    Options
	open    Opener
	out     *bufio.Writer
	printed resumePoint
	skip    skipper
	lines   int64
	buf     []byte
	pause   func(time.Duration) // time.Sleep; tests count the pauses
}

// New returns a Follower that reads through open and writes to out.
func New(open Opener, out io.Writer, opts Options) *Follower {
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 10
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 200 * time.Millisecond
	}
	if opts.EndGrace <= 0 {
		opts.EndGrace = time.Second
	}
	if opts.Coalesce == 0 {
		opts.Coalesce = defaultCoalesce
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = 5 * time.Second
	}
	return &Follower{opts: opts, open: open, out: bufio.NewWriterSize(out, 64<<10), buf: make([]byte, 64<<10),
		pause: time.Sleep}
}

// Lines is how many lines have been printed.
func (f *Follower) Lines() int64 { return f.lines }

// Run follows the log until the container has ended (ended is closed) and
// the log is drained, returning nil; or until ctx is done (ctx.Err()); or a
// permanent error (forbidden, unauthorized) or too many failures in a row.
func (f *Follower) Run(ctx context.Context, ended <-chan struct{}) error {
	failures := 0
	backoff := f.opts.MinBackoff
	for {
		final := isClosed(ended)
		opts := f.requestOptions(!final)
		rc, err := f.open(ctx, opts)
		var progressed, cut bool
		if err == nil {
			before := f.lines
			cut, err = f.pump(ctx, rc, ended, final)
			progressed = f.lines > before
			if err == nil && final {
				return nil
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if permanent(err) {
			return err
		}
		if final && apierrors.IsNotFound(err) {
			return nil // the pod is gone: nothing is left to read
		}
		if cut {
			continue // a silent stream outlived the container: drain with a final read now
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			if isClosed(ended) {
				// The server ended the stream after the container ended:
				// a kubelet does so once the file is drained. Complete.
				return nil
			}
			if !sleep(ctx, f.opts.EndGrace, ended) {
				// The container ended just after the stream did: the
				// end may have been a cut, so drain with a final read.
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
		}
		if progressed {
			failures, backoff = 0, f.opts.MinBackoff
		} else if err != nil {
			failures++
			if failures >= f.opts.MaxFailures {
				return &GaveUpError{Attempts: failures, Err: err}
			}
		}
		f.notifyReconnect(err, backoff)
		if !sleep(ctx, backoff, ended) && ctx.Err() != nil {
			return ctx.Err()
		}
		if !progressed {
			backoff = min(2*backoff, f.opts.MaxBackoff)
		}
	}
}

// requestOptions builds the next request: the user's options until a line
// has been printed, then sinceTime from the last printed line.
func (f *Follower) requestOptions(follow bool) *corev1.PodLogOptions {
	o := &corev1.PodLogOptions{Container: f.opts.Container, Follow: follow, Timestamps: true}
	if f.skip.start(&f.printed) {
		// metav1.Time travels with second precision: the server sends from
		// the start of that second and the skipper drops what was printed.
		t := metav1.NewTime(f.skip.at)
		o.SinceTime = &t
		return o
	}
	o.SinceSeconds, o.SinceTime, o.TailLines = f.opts.SinceSeconds, f.opts.SinceTime, f.opts.TailLines
	return o
}

// pump copies one stream to the output. It returns when the stream ends,
// fails, or (unless this is the final read) the container has ended, in
// which case cut is true. A partial last line is dropped unless this is the
// final read: the next request returns it whole.
func (f *Follower) pump(ctx context.Context, rc io.ReadCloser, ended <-chan struct{}, final bool) (cut bool, err error) {
	var byEnd atomic.Bool
	var lastRead atomic.Int64 // UnixNano of the last read that returned data
	lastRead.Store(time.Now().UnixNano())
	done := make(chan struct{})
	defer close(done)
	go func() {
		if final {
			ended = nil
		}
		select {
		case <-ended:
			// A kubelet ends the stream itself once the ended container's
			// file is drained: keep reading while data flows, and cut only
			// a stream that stays silent for EndGrace (one that never ends).
			for {
				idle := time.Since(time.Unix(0, lastRead.Load()))
				if idle >= f.opts.EndGrace {
					byEnd.Store(true)
					rc.Close()
					return
				}
				t := time.NewTimer(f.opts.EndGrace - idle)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					rc.Close()
					return
				case <-done:
					t.Stop()
					return
				}
			}
		case <-ctx.Done():
			rc.Close()
		case <-done:
		}
	}()
	defer rc.Close()
	start, end := 0, 0
	for {
		if end == len(f.buf) {
			if start > 0 {
				end = copy(f.buf, f.buf[start:end])
				start = 0
			} else {
				f.buf = append(f.buf, make([]byte, len(f.buf))...)
			}
		}
		room := len(f.buf) - end
		n, rerr := rc.Read(f.buf[end:])
		if n > 0 {
			lastRead.Store(time.Now().UnixNano())
		}
		end += n
		for {
			i := bytes.IndexByte(f.buf[start:end], '\n')
			if i < 0 {
				break
			}
			f.emit(f.buf[start : start+i+1])
			start += i + 1
		}
		if start == end {
			start, end = 0, 0
		}
		if rerr != nil {
			if final && rerr == io.EOF && end > start {
				f.emit(append(f.buf[start:end], '\n'))
			}
			if ferr := f.out.Flush(); ferr != nil {
				return false, writeError{ferr}
			}
			if byEnd.Load() {
				return true, nil
			}
			if rerr == io.EOF {
				if final {
					return false, nil
				}
				return false, io.ErrUnexpectedEOF
			}
			return false, rerr
		}
		if n > 0 && f.out.Buffered() > 0 {
			if ferr := f.out.Flush(); ferr != nil {
				return false, writeError{ferr}
			}
		}
		if n > 0 && n < room && f.opts.Coalesce > 0 {
			// The read took all the transport had: the printed lines are
			// out, so let the next batch gather instead of reading it in
			// pieces as it arrives. A full read means more is waiting.
			// The pause is not silence from the server: the end watchdog
			// measures idleness from the moment reading resumes, even if
			// the pause oversleeps on a loaded machine.
			lastRead.Store(time.Now().Add(f.opts.Coalesce + f.opts.EndGrace).UnixNano())
			f.pause(f.opts.Coalesce)
			lastRead.Store(time.Now().UnixNano())
		}
	}
}

// emit prints one complete line (ending in '\n') unless it was printed
// before a reconnect.
func (f *Follower) emit(line []byte) {
	ts, msg := splitTimestamp(line)
	if f.skip.active && f.skip.skip(ts) {
		return
	}
	f.printed.record(ts)
	// Flush before a line that does not fit, so the writer underneath only
	// ever receives whole lines: several followers may share it.
	if f.out.Available() < len(f.opts.Prefix)+len(line) && f.out.Buffered() > 0 {
		f.out.Flush() // an error sticks in the writer and ends the stream
	}
	if f.opts.Prefix != "" {
		f.out.WriteString(f.opts.Prefix)
	}
	if f.opts.Timestamps {
		f.out.Write(line)
	} else {
		f.out.Write(msg)
	}
	f.lines++
}

func (f *Follower) notifyReconnect(err error, wait time.Duration) {
	if f.opts.Notify == nil {
		return
	}
	why := "stream ended"
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		why = err.Error()
	}
	from := "the start"
	if f.printed.ts != nil {
		from = string(f.printed.ts)
	}
	f.opts.Notify("log stream dropped (%s); reconnecting in %s, resuming after %s", why, wait.Round(time.Millisecond), from)
}

// permanent errors end the follow at once: retrying cannot help.
func permanent(err error) bool {
	return err != nil && (apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || isWriteError(err))
}

// writeError marks a failure to write to the output (a closed pipe).
type writeError struct{ error }

func isWriteError(err error) bool {
	var w writeError
	return errors.As(err, &w)
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// sleep waits d, returning early (false) when ctx is done or ended closes.
func sleep(ctx context.Context, d time.Duration, ended <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ended:
		return false
	case <-ctx.Done():
		return false
	}
}
