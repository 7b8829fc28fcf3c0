package kubeletlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crilogs "k8s.io/cri-client/pkg/logs"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// Log is one container's log on disk with its writer, its rotation and its server: the runtime,
// the kubelet's log manager and the kubelet's log endpoint of one container. Its methods are safe
// for concurrent use.
type Log struct {
	// BeforeOpen, if set, runs at the start of every request (after it is recorded); an error
	// refuses the request. Set it before the first request.
	BeforeOpen func(*corev1.PodLogOptions) error

	path    string
	id      string
	running atomic.Bool
	rt      *Runtime

	mu       sync.Mutex // serialises appends and rotations
	rot      Rotator
	smu      sync.Mutex
	streams  map[*stream]struct{}
	requests []corev1.PodLogOptions
}

// New creates DIR/NAME.log (empty; the runtime creates it when the container starts) for a
// running container whose log is rotated with p (a zero Policy: never rotated).
func New(dir, name string, p Policy) (*Log, error) {
	if p.MaxSize > 0 && p.MaxFiles < 2 {
		return nil, fmt.Errorf("kubeletlog: invalid MaxFiles %d, must be > 1", p.MaxFiles)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// ReadLogs resolves symbolic links; FollowersBehind compares resolved paths.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name+".log")
	l := &Log{path: path, id: "containerd://" + name, streams: map[*stream]struct{}{}, rot: Rotator{Path: path, Policy: p}}
	l.running.Store(true)
	l.rt = &Runtime{Running: func(string) bool { return l.running.Load() }}
	if err := AppendFile(path, nil); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is NAME.log, the current file.
func (l *Log) Path() string { return l.path }

// Append writes records as the runtime does, then lets the log manager look at the size (see
// Rotator.Check): a rotation may wait for follow streams to reopen NAME.log first.
func (l *Log) Append(recs ...crilog.Record) error { return l.AppendRaw(crilog.Encode(recs...)) }

// AppendRaw writes raw bytes (an incomplete record, say), then checks the size as Append.
func (l *Log) AppendRaw(b []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := AppendFile(l.path, b); err != nil {
		return err
	}
	if !l.running.Load() {
		return nil // the kubelet rotates the logs of running containers only
	}
	for {
		rotated, err := l.rot.Check(time.Now())
		if rotated || err != nil || l.rot.due.IsZero() {
			return err
		}
		time.Sleep(5 * time.Millisecond) // due, a follower still reads the older file
	}
}

// Rotate rotates now, whatever the size (the policy's MaxFiles applies).
func (l *Log) Rotate() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rot.Rotate(time.Now())
}

// Rotations is how many rotations were made.
func (l *Log) Rotations() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rot.Rotations()
}

// Files lists the log's files oldest first, NAME.log last.
func (l *Log) Files() ([]string, error) { return Files(l.path) }

// All is ReadAll of the log: every file still on disk, decompressed, oldest first.
func (l *Log) All() ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ReadAll(l.path)
}

// Exit marks the container exited: ContainerStatus answers CONTAINER_EXITED, so follow streams
// read to the end once more and end. It also touches NAME.log so that waiting readers look now
// rather than at their next one-second check.
func (l *Log) Exit() {
	l.running.Store(false)
	now := time.Now()
	_ = os.Chtimes(l.path, now, now)
}

// Running reports whether the container runs.
func (l *Log) Running() bool { return l.running.Load() }

// Requests returns the options of every request so far.
func (l *Log) Requests() []corev1.PodLogOptions {
	l.smu.Lock()
	defer l.smu.Unlock()
	return append([]corev1.PodLogOptions(nil), l.requests...)
}

// OpenStreams is how many responses are being read now.
func (l *Log) OpenStreams() int {
	l.smu.Lock()
	defer l.smu.Unlock()
	return len(l.streams)
}

// CutStreams ends every open response now, without the rest of the log: the reader gets err, or
// a clean end of stream (io.EOF) when err is nil. It returns how many it cut.
func (l *Log) CutStreams(err error) int {
	l.smu.Lock()
	defer l.smu.Unlock()
	for s := range l.streams {
		s.end(err)
	}
	return len(l.streams)
}

// Close cuts the open streams and marks the container exited.
func (l *Log) Close() error {
	l.running.Store(false)
	l.CutStreams(errors.New("kubeletlog: closed"))
	return nil
}

// Options converts API log options to the reader's as the kubelet does (kuberuntime
// NewLogOptions): since is the later of now-sinceSeconds and sinceTime; sinceTime reaches the
// kubelet with second precision (metav1.Time's wire form).
func Options(o *corev1.PodLogOptions, now time.Time) *crilogs.LogOptions {
	opts := &crilogs.LogOptions{TailLines: o.TailLines, LimitBytes: o.LimitBytes, Follow: o.Follow, Timestamp: o.Timestamps}
	if o.SinceSeconds != nil {
		opts.Since = now.Add(-time.Duration(*o.SinceSeconds) * time.Second)
	}
	if o.SinceTime != nil {
		if t := o.SinceTime.Time.Truncate(time.Second); t.After(opts.Since) {
			opts.Since = t
		}
	}
	return opts
}

// Open answers one log request through ReadLogs: it is a follow.Opener. A previous=true request
// is refused as the kubelet refuses it for a container that never restarted.
func (l *Log) Open(ctx context.Context, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	l.smu.Lock()
	l.requests = append(l.requests, *o)
	l.smu.Unlock()
	if l.BeforeOpen != nil {
		if err := l.BeforeOpen(o); err != nil {
			return nil, err
		}
	}
	if o.Previous {
		return nil, fmt.Errorf("previous terminated container %q not found", filepath.Base(l.path))
	}
	pr, pw := io.Pipe()
	sctx, cancel := context.WithCancel(ctx)
	s := &stream{pr: pr, pw: pw, cancel: cancel}
	l.smu.Lock()
	l.streams[s] = struct{}{}
	l.smu.Unlock()
	stdout, stderr := io.Writer(pw), io.Writer(pw)
	if o.Stream != nil && *o.Stream == corev1.LogStreamStdout {
		stderr = nil
	}
	if o.Stream != nil && *o.Stream == corev1.LogStreamStderr {
		stdout = nil
	}
	opts := Options(o, time.Now())
	go func() {
		err := crilogs.ReadLogs(sctx, l.path, l.id, opts, l.rt, stdout, stderr)
		s.end(err)
		l.smu.Lock()
		delete(l.streams, s)
		l.smu.Unlock()
	}()
	return s, nil
}

// stream is one response being read.
type stream struct {
	pr     *io.PipeReader
	pw     *io.PipeWriter
	cancel context.CancelFunc
	once   sync.Once
}

// end closes the response with err (nil: a clean end) and stops the reader.
func (s *stream) end(err error) {
	s.once.Do(func() {
		_ = s.pw.CloseWithError(err)
		s.cancel()
	})
}

func (s *stream) Read(p []byte) (int, error) { return s.pr.Read(p) }

func (s *stream) Close() error {
	s.end(errors.New("use of closed network connection"))
	return s.pr.Close()
}

// ServeHTTP answers GET ...?follow=&tailLines=&limitBytes=&sinceTime=&sinceSeconds=&timestamps=
// as the kubelet's /containerLogs endpoint (any path), for an httptest.Server.
func (l *Log) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o, err := ParseQuery(r.URL.Query().Get)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc, err := l.Open(r.Context(), o)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

// ParseQuery reads PodLogOptions from the kubelet's query parameters (get is url.Values.Get).
func ParseQuery(get func(string) string) (*corev1.PodLogOptions, error) {
	o := &corev1.PodLogOptions{}
	var err error
	boolean := func(name string) bool {
		v := get(name)
		b, e := strconv.ParseBool(v)
		if v != "" && e != nil && err == nil {
			err = fmt.Errorf("invalid %s %q", name, v)
		}
		return b
	}
	o.Follow, o.Previous, o.Timestamps = boolean("follow"), boolean("previous"), boolean("timestamps")
	if err != nil {
		return nil, err
	}
	positive := func(name string, min int64) (*int64, error) {
		v := get(name)
		if v == "" {
			return nil, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			return nil, fmt.Errorf("invalid %s %q", name, v)
		}
		return &n, nil
	}
	if o.TailLines, err = positive("tailLines", 0); err != nil {
		return nil, err
	}
	if o.LimitBytes, err = positive("limitBytes", 1); err != nil {
		return nil, err
	}
	if o.SinceSeconds, err = positive("sinceSeconds", 1); err != nil {
		return nil, err
	}
	if v := get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("invalid sinceTime %q", v)
		}
		mt := metav1.NewTime(t)
		o.SinceTime = &mt
	}
	return o, nil
}
