package kubelet

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
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
}

func newStream() *stream {
	return &stream{end: make(chan struct{}), sent: make(chan struct{}), gone: make(chan struct{})}
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
		raw := c
		if tc, ok := c.(*tls.Conn); ok {
			raw = tc.NetConn()
		}
		if tcp, ok := raw.(*net.TCPConn); ok {
			_ = tcp.SetLinger(0)
		}
		_ = raw.Close()
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
