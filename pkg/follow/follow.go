package follow

import (
	"bytes"
	"context"
	"errors"
	"io"
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
	// SinceSeconds, SinceTime and TailLines shape the first request only.
	// Reconnects resume from the last printed line; before one was printed,
	// from the time the first request asked for (its sinceTime, or when it
	// was made), so lines written while reconnecting are not lost.
	SinceSeconds *int64
	SinceTime    *metav1.Time
	TailLines    *int64
	// MaxFailures is how many attempts in a row may fail (no new line
	// printed) before Run gives up. Default 10.
	MaxFailures int
	// MinBackoff and MaxBackoff bound the wait between reconnects and
	// between final reads; the wait doubles per failure. Defaults 200ms
	// and 5s.
	MinBackoff, MaxBackoff time.Duration
	// EndGrace is how long a stream that ended before the container's end
	// was reported waits for that report, and how long a stream may stay
	// silent after it before it is cut. Default 1s.
	EndGrace time.Duration
	// Coalesce is how long the follower pauses after a read that drained
	// everything the transport had buffered, so that a busy stream is read
	// in large batches: fewer reads, HTTP/2 window updates and writes to
	// the output. It bounds the extra latency of a line. Default 2ms; a
	// negative value disables it. A DirectReader stream never pauses.
	Coalesce time.Duration
	// MaxLine is the longest line held in memory to be written whole;
	// a longer one is written in pieces of that size (see lineWriter).
	// Default 1 MiB.
	MaxLine int
	// ReadBuffer is the read buffer's first size; it grows as a line
	// longer than it needs. Default 64 KB, for one fast stream; a member
	// of a large group takes less (an HTTP/1.1 stream's read returns one
	// TLS record, at most 16 KB, however large the buffer).
	ReadBuffer int
	// Filter, when set, keeps, drops and highlights lines (--include,
	// --exclude, --highlight). What is filtered out still counts as read:
	// a resume never sends it again.
	Filter *LineFilter
	// JSON, when set, prints each line as one JSON object with these
	// fields (see JSONLine) instead of its text; Timestamps and Prefix are
	// then not used.
	JSON *JSONLine
	// Notify receives one-line status messages (reconnects, gaps) for
	// stderr.
	Notify func(format string, args ...any)
	// OnGap, when set, is told of each gap as it is found (see Gap); it is
	// also said through Notify and, with JSON, as an event object.
	OnGap func(Gap)
	// Now is the clock of the first request's time; default time.Now.
	Now func() time.Time
}

// defaultCoalesce is Options.Coalesce's default: far below what a person can
// see, and at the ~30 MB/s an API server streams a log it lets the transport
// gather about 60 KB, one read instead of fifteen 4 KB ones.
const defaultCoalesce = 2 * time.Millisecond

// defaultMaxLine is Options.MaxLine's default.
const defaultMaxLine = 1 << 20

// defaultReadBuffer is Options.ReadBuffer's default.
const defaultReadBuffer = 64 << 10

// Follower prints one container's log to an io.Writer.
type Follower struct {
	opts   Options
	open   Opener
	out    *lineWriter
	done   printed
	skip   skipper
	cur    lineState
	lines  int64 // lines printed
	seen   int64 // lines and pieces taken from the server, skipped or not
	buf    []byte
	hl     []byte              // a highlighted line
	pause  func(time.Duration) // time.Sleep; tests count the pauses
	recent recent              // the last lines printed, for matching in a stored log
	gaps   []Gap

	requested   bool   // the first request was made
	origin      *stamp // what the first request asked from, if not the log's start
	sinceOrigin bool   // origin is --since's: lines stamped before it are never printed
	offset      int64  // bytes of the log (no timestamps) printed
	offsetKnown bool
	authRetried bool // a 401 was retried and nothing came since
}

// lineState is the line being read.
type lineState struct {
	open      bool  // part of it was taken: the next part continues it
	ts        stamp // its stamp
	stamped   bool
	tsLen     int    // bytes of its timestamp and the space after it
	skip      bool   // it was printed before a reconnect
	skipBytes int    // bytes of it printed before a reconnect
	consumed  int    // bytes of it taken so far
	sum       uint64 // checksum of its first bytes, when it may be a mark
	bySeek    bool   // it is skipped as it comes before the mark
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
		opts.MaxBackoff = max(5*time.Second, opts.MinBackoff)
	}
	if opts.MaxLine <= 0 {
		opts.MaxLine = defaultMaxLine
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReadBuffer <= 0 {
		opts.ReadBuffer = defaultReadBuffer
	}
	return &Follower{opts: opts, open: open, out: newLineWriter(out, opts.Prefix, opts.ReadBuffer), buf: make([]byte, opts.ReadBuffer),
		pause: time.Sleep}
}

// Lines is how many lines have been printed.
func (f *Follower) Lines() int64 { return f.lines }

// Offset is how many bytes of the log, without timestamps, were printed;
// ok is false when the follow did not start at the log's first line.
func (f *Follower) Offset() (n int64, ok bool) { return f.offset, f.offsetKnown }

// Run follows the log until the container has ended (ended is closed) and
// the log is drained, returning nil; or until ctx is done (ctx.Err()); or a
// permanent error (forbidden, unauthorized, the output closed), too many
// failures in a row (*GaveUpError), or a pod deleted before its log was
// read to the end (*LogGoneError).
func (f *Follower) Run(ctx context.Context, ended <-chan struct{}) error {
	failures := 0
	backoff := f.opts.MinBackoff
	for {
		if isClosed(ended) {
			return f.drain(ctx)
		}
		before := f.seen
		rc, err := f.open(ctx, f.request(true))
		var cut bool
		if err == nil {
			cut, err = f.pump(ctx, rc, ended, false)
		}
		progressed := f.seen > before
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case f.final(err):
			return err
		case cut:
			continue // a silent stream outlived the container: drain now
		case err == nil:
			// A clean end. After the container's end it may still be a
			// proxy's early end: the drain confirms. Before it, the end may
			// be about to be reported.
			if !isClosed(ended) {
				sleep(ctx, f.opts.EndGrace, ended)
			}
			if isClosed(ended) {
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = io.ErrUnexpectedEOF
		}
		if progressed {
			failures, backoff = 0, f.opts.MinBackoff
			f.authRetried = false
		} else {
			failures++
			if failures >= f.opts.MaxFailures {
				return &GaveUpError{Attempts: failures, Err: err}
			}
		}
		f.notify("log stream dropped (%s); reconnecting in %s, resuming after %s", why(err), backoff.Round(time.Millisecond), f.resumeWords())
		if !sleep(ctx, backoff, ended) && ctx.Err() != nil {
			return ctx.Err()
		}
		if !progressed {
			backoff = min(2*backoff, f.opts.MaxBackoff)
		}
	}
}

// drain reads what is left once the container has ended, with non-follow
// reads from the resume point: a stream can end early and cleanly (a proxy,
// an API server restart), so the end of the log is confirmed, never
// assumed. Failed reads back off like reconnects.
func (f *Follower) drain(ctx context.Context) error {
	failures := 0
	backoff := f.opts.MinBackoff
	for {
		before := f.seen
		err := f.finalRead(ctx)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case f.final(err):
			return err
		case apierrors.IsNotFound(err):
			return &LogGoneError{Last: f.recent.keys(), Offset: f.offset, OffsetKnown: f.offsetKnown, Err: err}
		case apierrors.IsBadRequest(err) && f.seen == 0:
			// The container never started: there is no log to read.
			f.notify("no log to read: %s", why(err))
			return nil
		}
		if f.seen > before {
			failures, backoff = 0, f.opts.MinBackoff
			f.authRetried = false
		}
		failures++
		if failures >= f.opts.MaxFailures {
			return &GaveUpError{Attempts: failures, Err: err}
		}
		f.notify("reading the end of the log failed (%s); retrying in %s", why(err), backoff.Round(time.Millisecond))
		if !sleep(ctx, backoff, nil) {
			return ctx.Err()
		}
		backoff = min(2*backoff, f.opts.MaxBackoff)
	}
}

// streamSkew bounds how far apart the runtime's stamps of stdout and stderr
// lines written at about the same time can be (they are stamped apart).
const streamSkew = time.Second

// finalRead reads the log's end once. When something was printed it first
// asks for the last lines only (tailLines), which spares the server a scan
// of the whole file; if they do not reach back to the resume point it
// reads from sinceTime instead.
func (f *Follower) finalRead(ctx context.Context) error {
	if f.done.any {
		_, resent, _ := f.done.resume()
		n := int64(2*(resent+f.done.trailing) + 64)
		rc, err := f.open(ctx, &corev1.PodLogOptions{Container: f.opts.Container, Timestamps: true, TailLines: &n})
		if err != nil {
			return err
		}
		// The runtime stamps stdout and stderr separately, so a line stamped
		// before the resume point can follow, in the file, one stamped after
		// it: the tail covers only if it starts earlier by more than that
		// skew.
		f.armResume(true)
		if _, err = f.pump(ctx, rc, nil, true); !errors.Is(err, errNotCovered) {
			return err
		}
	}
	rc, err := f.open(ctx, f.request(false))
	if err != nil {
		return err
	}
	_, err = f.pump(ctx, rc, nil, true)
	return err
}

// request builds the next request and arms the skipper for it: the user's
// options the first time, then sinceTime from what was printed.
func (f *Follower) request(follow bool) *corev1.PodLogOptions {
	o := &corev1.PodLogOptions{Container: f.opts.Container, Follow: follow, Timestamps: true}
	if f.requested {
		if since := f.armResume(false); !since.IsZero() {
			t := metav1.NewTime(since)
			o.SinceTime = &t
		}
		return o
	}
	f.requested = true
	o.SinceSeconds, o.SinceTime, o.TailLines = f.opts.SinceSeconds, f.opts.SinceTime, f.opts.TailLines
	now := f.opts.Now()
	switch {
	case o.SinceTime != nil:
		s := stampOf(o.SinceTime.Time.Truncate(time.Second)) // what travels on the wire
		f.origin, f.sinceOrigin = &s, true
	case o.SinceSeconds != nil:
		s := stampOf(now.Add(-time.Duration(*o.SinceSeconds) * time.Second))
		f.origin, f.sinceOrigin = &s, true
	case o.TailLines != nil:
		s := stampOf(now)
		f.origin = &s
	default:
		f.offsetKnown = true
	}
	f.done.late = f.origin != nil
	f.skip = skipper{}
	return o
}

// armResume sets the skipper for a stream that re-sends what was printed
// and returns the sinceTime to ask for (zero: from the log's start). A
// tail read (tailRead) sends lines from before that time too: the skipper
// drops them as sinceTime would, and ends the read if its first line is
// not before the resume point by a stream skew (it would not cover it).
func (f *Follower) armResume(tailRead bool) (since time.Time) {
	s := skipper{active: true, leading: true, trailing: f.done.trailing,
		partial: f.done.partial, partTS: f.done.partialTS, partStmp: f.done.partialHas}
	if !f.done.any {
		// Nothing printed yet: from where the first request began.
		s.before = f.origin
		if f.origin != nil {
			since = f.origin.time().Truncate(time.Second)
		}
		f.skip = s
		return since
	}
	var resent int
	since, resent, s.seek = f.done.resume()
	s.stamped, s.newest, s.bounded = resent, f.done.newest, true
	if s.seek {
		s.mark, s.markSum = f.done.mark, f.done.markSum
		s.markEnd = stampOf(f.done.mark.time().Add(streamSkew))
		if bytes.Compare(f.done.newest[:], s.markEnd[:]) > 0 {
			s.markEnd = f.done.newest
		}
		if f.done.marks == 1 {
			// Only the first line was printed, and it may be the rest of
			// a split line, which the server now sends whole: a line that
			// ends as it did is the mark too, if that end is long enough
			// to tell. (A shorter rest is not known again: if the server
			// sends it whole, the lines up to a stream skew after it are
			// dropped with it, and no gap is reported.)
			s.byEnd, s.endSum, s.endSize = f.done.firstSize >= minEnd, f.done.firstEnd, f.done.firstSize
			s.noGap = !s.byEnd
		}
	}
	if f.sinceOrigin {
		s.before = f.origin // --since goes on dropping what it dropped at first
	}
	if tailRead {
		from, cover := stampOf(since), stampOf(since.Add(-streamSkew))
		if s.before == nil || bytes.Compare(from[:], s.before[:]) > 0 {
			s.before = &from
		}
		s.cover = &cover
	}
	f.skip = s
	return since
}

func (f *Follower) notify(format string, args ...any) {
	if f.opts.Notify != nil {
		f.opts.Notify(format, args...)
	}
}

func (f *Follower) resumeWords() string {
	switch {
	case f.done.any:
		return string(f.done.newest[:])
	case f.origin != nil:
		return "the first request's time, " + string(f.origin[:])
	}
	return "the start"
}

func why(err error) string {
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
		return "stream ended"
	}
	return err.Error()
}

// final reports whether err ends the follow at once. A 401 is final only
// the second time in a row: client-go drops a cached bearer token (a
// kubeconfig tokenFile, a projected ServiceAccount token, an exec plugin's
// credential) when a request gets a 401, so the request after it carries
// the replaced token. A long follow outlives such tokens.
func (f *Follower) final(err error) bool {
	if apierrors.IsUnauthorized(err) && !f.authRetried {
		f.authRetried = true
		return false
	}
	return permanent(err)
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
