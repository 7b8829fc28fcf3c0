package kubelet

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// base is the time of the fixtures' first record.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

// fixture: full lines, a line split into three records that straddle a second, stderr, and an
// optional incomplete last record (a runtime caught mid-write).
func fixture(incomplete bool) []byte {
	var recs []crilog.Record
	recs = append(recs, crilog.Line(crilog.Stdout, "one", 0, at(100))...)
	recs = append(recs, crilog.Line(crilog.Stdout, "two", 0, at(1123))...)
	recs = append(recs, crilog.Line(crilog.Stdout, "AAAABBBBCC", 4, at(1900), at(2100), at(2200))...)
	recs = append(recs, crilog.Line(crilog.Stderr, "oops", 0, at(2300))...)
	data := crilog.Encode(recs...)
	if incomplete {
		data = append(data, "2026-01-01T00:00:03Z stdout F no newline"...)
	}
	return data
}

func writeLog(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "main.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func appendLog(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

func i64(v int64) *int64 { return &v }

func TestNonFollowReadsLikeTheKubelet(t *testing.T) {
	for _, c := range []struct {
		name       string
		incomplete bool
		opts       crilog.Options
		want       string
	}{
		{"all", false, crilog.Options{}, "one\ntwo\nAAAABBBBCC\noops\n"},
		{"incomplete last record written as is", true, crilog.Options{}, "one\ntwo\nAAAABBBBCC\noops\nno newline"},
		{"tail counts records, not lines", false, crilog.Options{TailLines: i64(2)}, "CC\noops\n"},
		{"tail 0", true, crilog.Options{TailLines: i64(0)}, ""},
		{"tail ignores the incomplete record", true, crilog.Options{TailLines: i64(1)}, "oops\n"},
		{"since", false, crilog.Options{Since: at(1000)}, "two\nAAAABBBBCC\noops\n"},
		{"since inside a split line: an unstamped continuation", false, crilog.Options{Since: at(2000), Timestamps: true},
			"BBBBCC\n2026-01-01T00:00:02.300000000Z oops\n"},
		{"timestamps only at a line start", false, crilog.Options{TailLines: i64(4), Timestamps: true},
			"2026-01-01T00:00:01.900000000Z AAAABBBBCC\n2026-01-01T00:00:02.300000000Z oops\n"},
		{"limitBytes may cut a line", false, crilog.Options{LimitBytes: i64(6)}, "one\ntw"},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := fixture(c.incomplete)
			for _, rd := range readers {
				var got bytes.Buffer
				err := rd.serve(context.Background(), writeLog(t, data), c.opts, &got, func() {}, func() bool { return true }, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got.String() != c.want {
					t.Errorf("%s: got %q, want %q", rd.name, got.String(), c.want)
				}
				if want := crilog.Read(data, c.opts); !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s: differs from crilog.Read: %q", rd.name, want)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer a stream writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// following is a follow stream under test.
type following struct {
	out        syncBuffer
	terminated chan struct{}
	errc       chan error
	st         *stream
}

// serveFunc is streamLog or readLogsStream.
type serveFunc func(ctx context.Context, path string, opts crilog.Options, w io.Writer, flush func(), done func() bool, st *stream) error

// readers are the two ways the server reads a log: both must answer alike.
var readers = []struct {
	name  string
	serve serveFunc
}{{"crilog", streamLog}, {"ReadLogs", readLogsStream}}

// startFollow starts a follow stream served by streamLog and waits until it has sent the file as
// it is (unless the file does not exist yet).
func startFollow(t *testing.T, srv *Server, path string, opts crilog.Options) *following {
	t.Helper()
	return startFollowWith(t, streamLog, srv, path, opts)
}

// startFollowWith is startFollow served by serve.
func startFollowWith(t *testing.T, serve serveFunc, srv *Server, path string, opts crilog.Options) *following {
	t.Helper()
	opts.Follow = true
	f := &following{terminated: make(chan struct{}), errc: make(chan error, 1), st: srv.addStream()}
	done := func() bool {
		select {
		case <-f.terminated:
			return true
		default:
			return false
		}
	}
	go func() {
		defer srv.removeStream(f.st)
		f.errc <- serve(context.Background(), path, opts, &f.out, func() {}, done, f.st)
	}()
	t.Cleanup(func() { f.st.finish() })
	if _, err := os.Stat(path); err != nil {
		return f
	}
	select { // what is appended from now on is new to the stream
	case <-f.st.sent:
	case err := <-f.errc: // a limit reached: ended before waiting for more
		f.errc <- err
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not start")
	}
	return f
}

// expect waits until the stream has sent exactly want.
func (f *following) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("sent %q, want %q", f.out.String(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ended waits for the stream to end and checks it sent exactly want.
func (f *following) ended(t *testing.T, want string) {
	t.Helper()
	select {
	case err := <-f.errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follow stream did not end")
	}
	if got := f.out.String(); got != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

// stays checks that the stream sends nothing more than want for a while and is still open.
func (f *following) stays(t *testing.T, want string) {
	t.Helper()
	time.Sleep(10 * pollInterval)
	select {
	case err := <-f.errc:
		t.Fatalf("the stream ended (%v)", err)
	default:
	}
	if got := f.out.String(); got != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestFollowReadsLikeTheKubelet(t *testing.T) {
	line := func(ms int, text string) []byte { return crilog.Encode(crilog.Line(crilog.Stdout, text, 0, at(ms))...) }
	for _, c := range []struct {
		name  string
		opts  crilog.Options
		first string // sent from the file as it is at the start
		add   [][]byte
		after string // sent once add is written
		last  []byte // written just before the container terminates
		want  string // everything sent by the end
	}{
		{"the incomplete last record waits for its newline", crilog.Options{}, "one\ntwo\nAAAABBBBCC\noops\n",
			[][]byte{[]byte("2026-01-01T00:00:03Z stdout F half"), []byte(" and half\n")}, "half and half\n",
			line(4000, "last"), "one\ntwo\nAAAABBBBCC\noops\nhalf and half\nlast\n"},
		{"an incomplete last record is never sent", crilog.Options{}, "one\ntwo\nAAAABBBBCC\noops\n",
			nil, "", []byte("2026-01-01T00:00:03Z stdout F cut short"), "one\ntwo\nAAAABBBBCC\noops\n"},
		{"tail counts records", crilog.Options{TailLines: i64(2)}, "CC\noops\n",
			[][]byte{line(3000, "three")}, "three\n", nil, "CC\noops\nthree\n"},
		{"tail 0 sends only new records", crilog.Options{TailLines: i64(0)}, "",
			[][]byte{line(3000, "three")}, "three\n", nil, "three\n"},
		{"since inside a split line", crilog.Options{Since: at(2000), Timestamps: true},
			"BBBBCC\n2026-01-01T00:00:02.300000000Z oops\n",
			[][]byte{crilog.Encode(crilog.Line(crilog.Stderr, "XXYYZ", 2, at(3000), at(3100))...)},
			"2026-01-01T00:00:03.000000000Z XXYYZ\n", nil,
			"BBBBCC\n2026-01-01T00:00:02.300000000Z oops\n2026-01-01T00:00:03.000000000Z XXYYZ\n"},
		{"a split line sent in pieces as its records come", crilog.Options{Timestamps: true, TailLines: i64(0)}, "",
			[][]byte{crilog.Encode(crilog.Line(crilog.Stdout, "PPPPQQ", 4, at(3000), at(3100))[:1]...)},
			"2026-01-01T00:00:03.000000000Z PPPP", crilog.Encode(crilog.Line(crilog.Stdout, "PPPPQQ", 4, at(3000), at(3100))[1:]...),
			"2026-01-01T00:00:03.000000000Z PPPPQQ\n"},
		{"limitBytes ends the stream", crilog.Options{LimitBytes: i64(10)}, "one\ntwo\nAA", nil, "", nil, "one\ntwo\nAA"},
	} {
		for _, rd := range readers {
			t.Run(rd.name+"/"+c.name, func(t *testing.T) {
				path := writeLog(t, fixture(false))
				f := startFollowWith(t, rd.serve, &Server{streams: map[*stream]struct{}{}}, path, c.opts)
				f.expect(t, c.first)
				for _, a := range c.add {
					appendLog(t, path, a)
				}
				f.expect(t, c.first+c.after)
				if c.last != nil {
					appendLog(t, path, c.last)
				}
				close(f.terminated)
				f.ended(t, c.want)
			})
		}
	}
}

func TestFollowWaitsForTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	f := startFollow(t, &Server{streams: map[*stream]struct{}{}}, path, crilog.Options{})
	f.stays(t, "")
	first := fixture(false)
	first = first[:bytes.IndexByte(first, '\n')+1]
	if err := os.WriteFile(path, first, 0o644); err != nil {
		t.Fatal(err)
	}
	f.expect(t, "one\n")
	close(f.terminated)
	f.ended(t, "one\n")
}

func TestHoldStreamsSendsNothingMore(t *testing.T) {
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			srv := &Server{streams: map[*stream]struct{}{}}
			path := writeLog(t, fixture(false))
			held := startFollowWith(t, rd.serve, srv, path, crilog.Options{})
			held.expect(t, "one\ntwo\nAAAABBBBCC\noops\n")
			if n := srv.HoldStreams(); n != 1 {
				t.Fatalf("held %d streams, want 1", n)
			}
			appendLog(t, path, crilog.Encode(crilog.Line(crilog.Stdout, "after the hold", 0, at(5000))...))
			close(held.terminated) // not even the container's end releases a held stream
			held.stays(t, "one\ntwo\nAAAABBBBCC\noops\n")
			fresh := startFollowWith(t, rd.serve, srv, path, crilog.Options{TailLines: i64(1)}) // new streams are not held
			fresh.expect(t, "after the hold\n")
			if n := srv.EndStreamsCleanly(); n != 2 {
				t.Fatalf("ended %d streams, want 2", n)
			}
			held.ended(t, "one\ntwo\nAAAABBBBCC\noops\n")
			fresh.ended(t, "after the hold\n")
		})
	}
}

func TestEndStreamsCleanlyDoesNotSendTheRest(t *testing.T) {
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			srv := &Server{streams: map[*stream]struct{}{}}
			path := writeLog(t, fixture(false))
			f := startFollowWith(t, rd.serve, srv, path, crilog.Options{})
			f.expect(t, "one\ntwo\nAAAABBBBCC\noops\n")
			srv.HoldStreams()
			appendLog(t, path, crilog.Encode(crilog.Line(crilog.Stdout, "never sent", 0, at(5000))...))
			if n := srv.EndStreamsCleanly(); n != 1 {
				t.Fatalf("ended %d streams, want 1", n)
			}
			f.ended(t, "one\ntwo\nAAAABBBBCC\noops\n")
			if srv.EndStreamsCleanly() != 0 || len(srv.openFollowStreams()) != 0 {
				t.Fatal("an ended stream is still registered")
			}
		})
	}
}

func TestParseLogOptions(t *testing.T) {
	for _, c := range []struct {
		query string
		bad   bool
	}{
		{"follow=true&tailLines=3&limitBytes=10&timestamps=1&sinceTime=2026-01-01T00:00:01.5Z", false},
		{"sinceSeconds=5", false},
		{"follow=maybe", true},
		{"tailLines=-1", true},
		{"limitBytes=0", true},
		{"sinceTime=yesterday", true},
		{"sinceSeconds=0", true},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/containerLogs/ns/pod/main?"+c.query, nil)
		o, err := parseLogOptions(r)
		if (err != nil) != c.bad {
			t.Errorf("%s: err = %v", c.query, err)
		}
		if c.bad {
			continue
		}
		if strings.HasPrefix(c.query, "follow") && (!o.cri.Follow || *o.cri.TailLines != 3 || *o.cri.LimitBytes != 10 ||
			!o.cri.Timestamps || !o.cri.Since.Equal(at(1500))) {
			t.Errorf("%s: %+v", c.query, o.cri)
		}
		if c.query == "sinceSeconds=5" && time.Since(o.cri.Since) < 5*time.Second {
			t.Errorf("sinceSeconds: since %v", o.cri.Since)
		}
	}
}
