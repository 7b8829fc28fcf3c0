package kubelet

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"time"

	crilogs "k8s.io/cri-client/pkg/logs"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// readLogsStream serves the CRI file at path to w for opts through the kubelet's own reader, ReadLogs
// of k8s.io/cri-client pkg/logs, flushing after every write as the kubelet's flushwriter does.
// Without follow it reads the file once. With follow it keeps reading as the file grows, reopens
// NAME.log when the log is rotated (package kubeletlog), never writes an incomplete last record,
// and once done() reports the container terminated (ReadLogs asks the runtime's ContainerStatus,
// answered here from done) reads to the end once more and returns. A follow stream also returns
// when ctx ends or st is ended (EndStreamsCleanly), and sends nothing while st is held
// (HoldStreams). A follow request for a file that does not exist yet waits for it. It serves the
// logs that rotate (a policy file, rotation.go); streamLog, which reproduces the same reader
// without its per-stream inotify instance (128 per user by default, shared by every bed on a
// machine), serves the others.
func readLogsStream(ctx context.Context, path string, opts crilog.Options, w io.Writer, flush func(), done func() bool, st *stream) error {
	if st == nil {
		st = newStream()
	}
	if opts.Follow {
		f, err := openLog(ctx, path, opts.Follow, done, st)
		if f == nil || err != nil {
			return err
		}
		_ = f.Close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-st.end:
			cancel()
		case <-ctx.Done():
		}
	}()
	sw := &sendWriter{st: st, w: w, flush: flush, ctx: ctx}
	ko := &crilogs.LogOptions{TailLines: opts.TailLines, LimitBytes: opts.LimitBytes, Since: opts.Since, Follow: opts.Follow, Timestamp: opts.Timestamps}
	rt := &kubeletlog.Runtime{Running: func(string) bool {
		st.sentOnce() // ReadLogs asks only once it has read the file to its end and waits
		return !done()
	}}
	err := crilogs.ReadLogs(ctx, path, "containerd://"+filepath.Base(path), ko, rt, sw, sw)
	if st.isHeld() {
		// A stalled proxy: the stream stays open, whatever the container does, until ended.
		select {
		case <-st.end:
		case <-ctx.Done():
		}
		return nil
	}
	if sw.stopped || ctx.Err() != nil {
		return nil // ended by EndStreamsCleanly or the client
	}
	return err
}

// errEnded stops ReadLogs when a stream is ended or held to its end.
var errEnded = errors.New("log stream ended")

// sendWriter is ReadLogs' output: it sends and flushes each write, waits while the stream is
// held, stops once the stream is ended, and notes when it last sent (for the idle cut).
type sendWriter struct {
	st      *stream
	w       io.Writer
	flush   func()
	ctx     context.Context
	stopped bool
}

func (sw *sendWriter) Write(p []byte) (int, error) {
	st := sw.st
	st.mu.Lock()
	if st.held {
		st.mu.Unlock()
		select {
		case <-st.end:
		case <-sw.ctx.Done():
		}
		sw.stopped = true
		return 0, errEnded
	}
	select {
	case <-st.end:
		st.mu.Unlock()
		sw.stopped = true
		return 0, errEnded
	default:
	}
	n, err := sw.w.Write(p)
	if err == nil {
		sw.flush()
	}
	st.lastSent.Store(time.Now().UnixNano())
	st.mu.Unlock()
	return n, err
}
