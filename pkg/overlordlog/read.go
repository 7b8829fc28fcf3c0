package overlordlog

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// MaxLineBytes bounds a line: longer ones (a huge stack trace on one line)
// are cut, the rest skipped up to the newline.
const MaxLineBytes = 64 << 10

// maxParallel bounds the pods read at once.
const maxParallel = 4

// Opener opens the log stream of a pod's container, not following it.
type Opener func(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error)

// KubeOpener opens logs through the API server's pods/log.
func KubeOpener(k kube.Interface) Opener {
	return func(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error) {
		return k.Pods(pod.Namespace).GetLogs(pod.Name, opts).Stream(ctx)
	}
}

// Feeder consumes the lines of one pod's log.
type Feeder interface {
	Feed(text string, at time.Time)
}

// PodRead is the outcome of reading one pod's log.
type PodRead struct {
	// Pod is NAMESPACE/NAME.
	Pod       string
	Container string
	Lines     int64
	// Err is set when the log could not be opened or read to its end.
	Err error
}

// Read reads the window of every pod's log (container: as given, else
// Container(pod)) and feeds each line, with the kubelet's timestamp, to the
// Feeder newFeeder made for that pod. Pods are read concurrently, each
// Feeder from one goroutine only. The results are in the pods' order.
func Read(ctx context.Context, open Opener, pods []corev1.Pod, container string, w Window, newFeeder func(pod string) Feeder) []PodRead {
	out := make([]PodRead, len(pods))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i := range pods {
		p := &pods[i]
		c := container
		if c == "" {
			c = Container(p)
		}
		out[i] = PodRead{Pod: p.Namespace + "/" + p.Name, Container: c}
		f := newFeeder(out[i].Pod)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rc, err := open(ctx, p, w.options(c))
			if err != nil {
				out[i].Err = err
				return
			}
			defer rc.Close()
			out[i].Lines, out[i].Err = feedLines(rc, f)
		}()
	}
	wg.Wait()
	return out
}

// feedLines splits r into lines, strips the kubelet's timestamp and feeds
// them; memory is one buffer of MaxLineBytes whatever the log's size.
func feedLines(r io.Reader, f Feeder) (int64, error) {
	br := bufio.NewReaderSize(r, MaxLineBytes)
	var n int64
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			line := string(b)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			b = []byte(line)
			if err == io.EOF {
				err = nil
			}
		}
		if len(b) > 0 {
			at, text := splitTimestamp(b)
			f.Feed(text, at)
			n++
		}
		switch {
		case err == io.EOF:
			return n, nil
		case err != nil:
			return n, err
		}
	}
}

// splitTimestamp splits the kubelet's "2026-12-01T10:00:00.123456789Z "
// prefix (timestamps=true) from a line and drops the newline.
func splitTimestamp(b []byte) (time.Time, string) {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	for i := 0; i < len(b) && i < 40; i++ {
		if b[i] == ' ' {
			if t, err := time.Parse(time.RFC3339Nano, string(b[:i])); err == nil {
				return t, string(b[i+1:])
			}
			break
		}
	}
	return time.Time{}, string(b)
}
