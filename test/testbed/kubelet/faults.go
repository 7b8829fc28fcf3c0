package kubelet

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// stream is one open follow stream, as the faults see it.
type stream struct {
	mu   sync.Mutex // held while the stream reads and sends, so that a hold waits for a send
	held bool       // HoldStreams: send nothing until the stream ends
	end  chan struct{}
	once sync.Once
	sent chan struct{} // closed once the file as it was at the start has been sent
	gone chan struct{} // closed when the handler has returned

	sentOnce func()       // closes sent
	lastSent atomic.Int64 // when the stream last sent (UnixNano), for the idle cut
}

func newStream() *stream {
	st := &stream{end: make(chan struct{}), sent: make(chan struct{}), gone: make(chan struct{})}
	st.sentOnce = sync.OnceFunc(func() { close(st.sent) })
	st.lastSent.Store(time.Now().UnixNano())
	return st
}

// isHeld reports whether HoldStreams held the stream.
func (st *stream) isHeld() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.held
}

// finish ends the stream cleanly at its next step (EndStreamsCleanly).
func (st *stream) finish() { st.once.Do(func() { close(st.end) }) }

// wait sleeps one poll interval; false means the stream must end now (ctx done or finish).
func (st *stream) wait(ctx context.Context) bool {
	t := time.NewTimer(pollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-st.end:
		return false
	case <-t.C:
	}
	select {
	case <-st.end:
		return false
	default:
		return true
	}
}

// addStream registers a follow stream for the faults; the caller must call removeStream.
func (s *Server) addStream() *stream {
	st := newStream()
	s.mu.Lock()
	s.streams[st] = struct{}{}
	s.mu.Unlock()
	return st
}

func (s *Server) removeStream(st *stream) {
	s.mu.Lock()
	delete(s.streams, st)
	s.mu.Unlock()
	close(st.gone)
}

func (s *Server) openFollowStreams() []*stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*stream, 0, len(s.streams))
	for st := range s.streams {
		out = append(out, st)
	}
	return out
}

// HoldStreams makes every open follow stream stop sending, as a stalled proxy would: the streams
// stay open and send nothing more, whatever the file or the container does, until they are
// ended (EndStreamsCleanly, CutStreams, Stop) or their client goes away. Streams opened later
// are not held. It returns how many streams it held, once none of them is still sending.
func (s *Server) HoldStreams() int {
	streams := s.openFollowStreams()
	for _, st := range streams {
		st.mu.Lock() // waits for a read under way to be sent
		st.held = true
		st.mu.Unlock()
	}
	return len(streams)
}

// EndStreamsCleanly ends every open follow stream now with a normal end of response (the final
// chunk; the client sees a clean EOF), without sending what remains of the file, as a proxy, an
// API server restart or a load balancer can. Held streams end too. It returns how many streams
// it ended, once they have ended (or after 5 s).
func (s *Server) EndStreamsCleanly() int {
	streams := s.openFollowStreams()
	for _, st := range streams {
		st.finish()
	}
	deadline := time.After(5 * time.Second)
	for _, st := range streams {
		select {
		case <-st.gone:
		case <-deadline:
			return len(streams)
		}
	}
	return len(streams)
}

// CutStreams closes the TCP connection of every open log stream abruptly (no TLS close_notify, no
// final chunk, RST via SO_LINGER 0) and returns how many were cut.
func (s *Server) CutStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c, k := range s.conns {
		closeAbruptly(c)
		delete(s.conns, c)
		n += k
	}
	return n
}

// OpenStreams returns the number of open log streams.
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range s.conns {
		n += k
	}
	return n
}

// idleCut is the SetIdleCut setting.
type idleCut struct {
	after  atomic.Int64 // nanoseconds; 0: off
	abrupt atomic.Bool
}

// SetIdleCut makes every follow stream, open or to come, end once it has sent nothing for after,
// as an idle timeout does (the kubelet's streaming-connection-idle-timeout, a load balancer's idle
// timeout): with abrupt its TCP connection is closed (RST), else the response ends normally (the
// client sees a clean EOF). Zero turns it off.
func (s *Server) SetIdleCut(after time.Duration, abrupt bool) {
	s.idle.abrupt.Store(abrupt)
	s.idle.after.Store(int64(after))
}

// watchIdle ends st when the idle cut says so; c is the stream's connection (nil in unit tests).
func (s *Server) watchIdle(ctx context.Context, st *stream, c net.Conn) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.gone:
			return
		case <-t.C:
		}
		after := time.Duration(s.idle.after.Load())
		if after <= 0 || time.Since(time.Unix(0, st.lastSent.Load())) < after {
			continue
		}
		if s.idle.abrupt.Load() && c != nil {
			s.cutConn(c)
		} else {
			st.finish()
		}
		return
	}
}

// cutConn closes one connection abruptly.
func (s *Server) cutConn(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	closeAbruptly(c)
	delete(s.conns, c)
}

// closeAbruptly closes c with no TLS close_notify and no final chunk, RST via SO_LINGER 0.
func closeAbruptly(c net.Conn) {
	raw := c
	if tc, ok := c.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}
