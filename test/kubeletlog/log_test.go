package kubeletlog

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

func numbered(from, to int) []crilog.Record {
	recs := make([]crilog.Record, 0, to-from)
	now := time.Now()
	for i := from; i < to; i++ {
		recs = append(recs, crilog.Record{Time: now, Stream: crilog.Stdout, Content: fmt.Appendf(nil, "line %06d", i)})
	}
	return recs
}

func newLog(t *testing.T, p Policy) *Log {
	t.Helper()
	l, err := New(t.TempDir(), "main", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// readAll reads a response to its end, or fails the test after a minute.
func readAll(t *testing.T, rc io.ReadCloser) []string {
	t.Helper()
	done := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(rc)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		done <- lines
	}()
	select {
	case lines := <-done:
		return lines
	case <-time.After(time.Minute):
		t.Fatal("the response did not end")
		return nil
	}
}

// TestFollowThroughFiftyRotationsGetsEveryLineOnce: 200,000 numbered lines written while the
// log rotates more than 50 times reach one follow stream of the kubelet's reader exactly once,
// in order.
func TestFollowThroughFiftyRotationsGetsEveryLineOnce(t *testing.T) {
	const total, batch = 200_000, 250
	l := newLog(t, Policy{MaxSize: 200 << 10, MaxFiles: 5})
	rc, err := l.Open(context.Background(), &corev1.PodLogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := make(chan []string, 1)
	go func() { got <- readAll(t, rc) }()
	waitWatching(t)
	for i := 0; i < total; i += batch {
		if err := l.Append(numbered(i, i+batch)...); err != nil {
			t.Fatal(err)
		}
	}
	l.Exit()
	lines := <-got
	if n := l.Rotations(); n < 50 {
		t.Fatalf("%d rotations, want at least 50", n)
	}
	if len(lines) != total {
		t.Errorf("%d lines, want %d", len(lines), total)
	}
	for i, line := range lines {
		if want := fmt.Sprintf("line %06d", i); line != want {
			t.Fatalf("line %d is %q, want %q", i, line, want)
		}
	}
	t.Logf("%d rotations", l.Rotations())
}

// TestRotationKeepsMaxFilesAndCompressesTheOlder: NAME.log.TS names, the newest rotated file
// uncompressed, the older ones gzipped, MaxFiles files in all, the oldest removed first.
func TestRotationKeepsMaxFilesAndCompressesTheOlder(t *testing.T) {
	l := newLog(t, Policy{MaxSize: 1 << 10, MaxFiles: 5})
	for i := 0; i < 8; i++ {
		if err := l.Append(numbered(i*100, i*100+100)...); err != nil {
			t.Fatal(err)
		}
	}
	files, err := l.Files()
	if err != nil {
		t.Fatal(err)
	}
	if l.Rotations() != 8 || len(files) != 5 {
		t.Fatalf("%d rotations, files %v", l.Rotations(), files)
	}
	base := filepath.Base(l.Path())
	for i, f := range files {
		name := filepath.Base(f)
		switch {
		case i < 3:
			stamp, ok := strings.CutSuffix(strings.TrimPrefix(name, base+"."), ".gz")
			if _, err := time.Parse(TimestampFormat, stamp); !ok || err != nil {
				t.Errorf("file %d: %s is not NAME.log.TS.gz", i, name)
			}
		case i == 3:
			if _, err := time.Parse(TimestampFormat, strings.TrimPrefix(name, base+".")); err != nil {
				t.Errorf("the newest rotated file %s is not NAME.log.TS", name)
			}
		default:
			if name != base {
				t.Errorf("last file %s, want %s", name, base)
			}
		}
	}
	all, err := l.All()
	if err != nil {
		t.Fatal(err)
	}
	// Eight rotations of 100 lines each, 3 older rotated files kept: lines 400-799 remain, and
	// the current file is empty.
	if want := string(crilog.Encode(numbered(400, 800)...)); stripStamps(string(all)) != stripStamps(want) {
		t.Errorf("kept %q...", excerpt(all))
	}
}

// stripStamps drops the records' timestamps.
func stripStamps(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if _, rest, ok := strings.Cut(line, " "); ok {
			b.WriteString(rest)
		}
	}
	return b.String()
}

func excerpt(b []byte) []byte { return b[:min(len(b), 200)] }

// TestANewRequestReadsTheCurrentFileOnly: after a rotation, tailLines and sinceTime (a resume)
// see only NAME.log, however far back they reach.
func TestANewRequestReadsTheCurrentFileOnly(t *testing.T) {
	l := newLog(t, Policy{MaxSize: 1 << 30, MaxFiles: 5})
	before := metav1.NewTime(time.Now().Add(-time.Hour))
	if err := l.Append(numbered(0, 10)...); err != nil {
		t.Fatal(err)
	}
	if err := l.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(numbered(10, 15)...); err != nil {
		t.Fatal(err)
	}
	tail := int64(100)
	for name, o := range map[string]*corev1.PodLogOptions{
		"all":        {},
		"tailLines":  {TailLines: &tail},
		"sinceTime":  {SinceTime: &before},
		"follow":     {Follow: true, SinceTime: &before},
		"over HTTP":  nil,
		"tail, HTTP": nil,
	} {
		t.Run(name, func(t *testing.T) {
			var lines []string
			switch {
			case o != nil:
				rc, err := l.Open(context.Background(), o)
				if err != nil {
					t.Fatal(err)
				}
				if o.Follow {
					go func() { time.Sleep(100 * time.Millisecond); l.CutStreams(nil) }()
				}
				lines = readAll(t, rc)
			default:
				srv := httptest.NewServer(l)
				defer srv.Close()
				url := srv.URL + "/containerLogs/ns/pod/main"
				if name == "tail, HTTP" {
					url += "?tailLines=100"
				}
				resp, err := srv.Client().Get(url)
				if err != nil {
					t.Fatal(err)
				}
				lines = readAll(t, resp.Body)
			}
			if want := "line 000010 line 000011 line 000012 line 000013 line 000014"; strings.Join(lines, " ") != want {
				t.Errorf("got %q, want %q", lines, want)
			}
		})
	}
}

// TestFollowEndsOnceTheContainerExited: a follow stream sends what is written, then drains the
// file and ends once the runtime reports the container exited.
func TestFollowEndsOnceTheContainerExited(t *testing.T) {
	l := newLog(t, Policy{})
	rc, err := l.Open(context.Background(), &corev1.PodLogOptions{Follow: true, Timestamps: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []string, 1)
	go func() { got <- readAll(t, rc) }()
	if err := l.Append(numbered(0, 3)...); err != nil {
		t.Fatal(err)
	}
	l.Exit()
	lines := <-got
	if len(lines) != 3 || !strings.HasSuffix(lines[2], " line 000002") {
		t.Fatalf("got %q", lines)
	}
	if l.OpenStreams() != 0 {
		t.Fatal("a stream is still open")
	}
}

// TestCutStreamsEndsTheResponseNow: the reader gets the error (or a clean end) at once, without
// the rest of the log; BeforeOpen can refuse a request.
func TestCutStreamsEndsTheResponseNow(t *testing.T) {
	l := newLog(t, Policy{})
	if err := l.Append(numbered(0, 2)...); err != nil {
		t.Fatal(err)
	}
	rc, err := l.Open(context.Background(), &corev1.PodLogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(rc)
	if line, err := r.ReadString('\n'); err != nil || line != "line 000000\n" {
		t.Fatalf("%q %v", line, err)
	}
	if n := l.CutStreams(io.ErrUnexpectedEOF); n != 1 {
		t.Fatalf("cut %d streams", n)
	}
	rest, err := io.ReadAll(r)
	if err != io.ErrUnexpectedEOF || len(rest) > len("line 000001\n") {
		t.Fatalf("after the cut: %q, %v", rest, err)
	}
	l.BeforeOpen = func(*corev1.PodLogOptions) error { return os.ErrPermission }
	if _, err := l.Open(context.Background(), &corev1.PodLogOptions{}); err != os.ErrPermission {
		t.Fatalf("BeforeOpen: %v", err)
	}
	if n := len(l.Requests()); n != 2 {
		t.Fatalf("%d requests recorded", n)
	}
}

// waitWatching waits until the follow stream's reader watches the log's directory (see Watching).
func waitWatching(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !Watching() {
		if time.Now().After(deadline) {
			t.Fatal("the follow stream's reader never watched the log's directory")
		}
		time.Sleep(time.Millisecond)
	}
}
