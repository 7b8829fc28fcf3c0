package crilog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Fault shapes the response to one log request.
type Fault struct {
	// OpenErr fails the request before any byte.
	OpenErr error
	// CutAfter ends the response with Err once this many bytes were sent
	// (0: before the first byte); a negative value means no cut.
	CutAfter int
	// Err is what the reader gets at the cut: nil is a clean end of stream
	// (io.EOF, as a proxy or an API server restart can end one), anything
	// else a failure such as io.ErrUnexpectedEOF.
	Err error
	// OrWhenIdle cuts a follow stream earlier: as soon as it has sent all
	// there is and would wait for more.
	OrWhenIdle bool
	// OnCut, if set, runs once when the cut happens, before the reader
	// sees it (to end the container at that moment, say).
	OnCut func()
}

// Kubelet is an in-memory kubelet log endpoint for one container: a CRI
// file that grows, requests answered as the kubelet's reader answers them
// (see Reader), follow streams that end once the container has terminated
// and the file is drained (or never, like KWOK's, with NeverEnd), and
// scripted faults per request. Open is a follow.Opener.
type Kubelet struct {
	// NeverEnd keeps follow streams open after the container terminated.
	NeverEnd bool
	// Now is the clock for sinceSeconds; default time.Now.
	Now func() time.Time

	mu         sync.Mutex
	data       []byte
	terminated bool
	changed    chan struct{} // closed and replaced on every change
	faults     []Fault
	requests   []corev1.PodLogOptions
	open       int
	streams    map[*stream]bool
}

// NewKubelet returns an empty log of a running container.
func NewKubelet() *Kubelet { return &Kubelet{changed: make(chan struct{})} }

// Append writes records to the file.
func (k *Kubelet) Append(recs ...Record) { k.AppendRaw(Encode(recs...)) }

// AppendRaw writes raw bytes to the file (an incomplete record, say).
func (k *Kubelet) AppendRaw(b []byte) {
	k.mu.Lock()
	k.data = append(k.data, b...)
	k.notifyLocked()
	k.mu.Unlock()
}

// Terminate marks the container terminated: follow streams drain the file
// and end (unless NeverEnd).
func (k *Kubelet) Terminate() {
	k.mu.Lock()
	k.terminated = true
	k.notifyLocked()
	k.mu.Unlock()
}

// Faults queues faults for the next requests, one per request.
func (k *Kubelet) Faults(f ...Fault) {
	k.mu.Lock()
	k.faults = append(k.faults, f...)
	k.mu.Unlock()
}

// Requests returns the options of every request so far.
func (k *Kubelet) Requests() []corev1.PodLogOptions {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]corev1.PodLogOptions(nil), k.requests...)
}

// OpenStreams is how many responses are being read now.
func (k *Kubelet) OpenStreams() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.open
}

// CutOpenStreams makes every open response fail now with err, as a
// connection reset does.
func (k *Kubelet) CutOpenStreams(err error) {
	k.mu.Lock()
	for s := range k.streams {
		s.cut = err
	}
	k.notifyLocked()
	k.mu.Unlock()
}

// Data returns the file's content.
func (k *Kubelet) Data() []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]byte(nil), k.data...)
}

func (k *Kubelet) notifyLocked() {
	close(k.changed)
	k.changed = make(chan struct{})
}

// Open answers one log request.
func (k *Kubelet) Open(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests = append(k.requests, *o)
	f := Fault{CutAfter: -1}
	if len(k.faults) > 0 {
		f, k.faults = k.faults[0], k.faults[1:]
	}
	if f.OpenErr != nil {
		return nil, f.OpenErr
	}
	opts := Options{TailLines: o.TailLines, LimitBytes: o.LimitBytes, Timestamps: o.Timestamps, Follow: o.Follow}
	if o.SinceTime != nil {
		// metav1.Time travels with second precision.
		opts.Since = o.SinceTime.Time.Truncate(time.Second)
	} else if o.SinceSeconds != nil {
		now := time.Now
		if k.Now != nil {
			now = k.Now
		}
		opts.Since = now().Add(-time.Duration(*o.SinceSeconds) * time.Second)
	}
	start := int64(0)
	if o.TailLines != nil {
		start = TailStart(k.data, *o.TailLines)
	}
	s := &stream{k: k, r: NewReader(opts), pos: start, follow: o.Follow, fault: f, ctx: ctx, closed: make(chan struct{})}
	k.open++
	if k.streams == nil {
		k.streams = map[*stream]bool{}
	}
	k.streams[s] = true
	return s, nil
}

// stream is one response: it feeds the file through the reader as the
// client reads.
type stream struct {
	k       *Kubelet
	r       *Reader
	pos     int64
	follow  bool
	fault   Fault
	ctx     context.Context
	out     bytes.Buffer
	sent    int
	done    bool // the reader has nothing more to send
	idle    bool // a follow stream found nothing to send (OrWhenIdle)
	drained bool // a pass after termination was made
	err     error
	cut     error // set by CutOpenStreams, under k.mu
	closed  chan struct{}
	once    sync.Once
}

var errClosed = errors.New("use of closed network connection")

func (s *stream) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		s.k.mu.Lock()
		cut := s.cut
		s.k.mu.Unlock()
		if cut != nil {
			s.err = cut
			return 0, cut
		}
		if s.out.Len() > 0 {
			n := len(p)
			if c := s.fault.CutAfter; c >= 0 && s.sent+n > c {
				n = c - s.sent
			}
			if n > 0 {
				n, _ = s.out.Read(p[:n])
				s.sent += n
				return n, nil
			}
		}
		if c := s.fault.CutAfter; c >= 0 && (s.sent >= c || s.idle) {
			if s.fault.OnCut != nil {
				s.fault.OnCut()
			}
			s.err = s.fault.Err
			if s.err == nil {
				s.err = io.EOF
			}
			return 0, s.err
		}
		if s.done {
			s.err = io.EOF
			return 0, io.EOF
		}
		if wait := s.fill(); wait != nil {
			if s.fault.OrWhenIdle && s.fault.CutAfter >= 0 {
				s.idle = true
				continue
			}
			select {
			case <-wait:
			case <-s.closed:
				s.err = errClosed
			case <-s.ctx.Done():
				s.err = s.ctx.Err()
			}
		}
	}
}

// fill feeds what the file has beyond pos; it returns a channel to wait
// on when there is nothing to send yet.
func (s *stream) fill() <-chan struct{} {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	data := s.k.data[s.pos:]
	s.pos = int64(len(s.k.data))
	err := s.r.Feed(data, &s.out)
	if err != nil {
		s.done = true // a limit was reached
		return nil
	}
	if !s.follow {
		_ = s.r.Finish(&s.out)
		s.done = true
		return nil
	}
	if s.out.Len() > 0 {
		return nil
	}
	if s.k.terminated {
		if !s.drained {
			s.drained = true // one more pass, as the reader does
			return nil
		}
		if !s.k.NeverEnd {
			s.done = true
			return nil
		}
	}
	return s.k.changed
}

func (s *stream) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.k.mu.Lock()
		s.k.open--
		delete(s.k.streams, s)
		s.k.mu.Unlock()
	})
	return nil
}
