package kubelet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
	"github.com/druid-logs/kubectl-druid-logs/test/kubeletlog"
)

// TestRotatedLogIsFollowedAcrossRotations: the server's log manager rotates a running
// container's log with a policy file; a follow stream reopens the new file each time and sends
// every line once; once the container is marked terminated the log is no longer rotated.
func TestRotatedLogIsFollowedAcrossRotations(t *testing.T) {
	logs := t.TempDir()
	srv := &Server{cfg: Config{LogsDir: logs, RotateInterval: time.Millisecond}, streams: map[*stream]struct{}{},
		rotators: map[string]*kubeletlog.Rotator{}}
	path := filepath.Join(logs, "ns", "pod", "main.log")
	if err := WritePolicy(path, kubeletlog.Policy{MaxSize: 4 << 10, MaxFiles: 3}); err != nil {
		t.Fatal(err)
	}
	if err := kubeletlog.AppendFile(path, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.rotateLoop(ctx)
	f := startFollowWith(t, readLogsStream, srv, path, crilog.Options{})
	var want strings.Builder
	for i := range 20 {
		var recs []crilog.Record
		for j := range 100 {
			text := fmt.Sprintf("line %04d", i*100+j)
			want.WriteString(text + "\n")
			recs = append(recs, crilog.Line(crilog.Stdout, text, 0)...)
		}
		if err := kubeletlog.AppendFile(path, crilog.Encode(recs...)); err != nil {
			t.Fatal(err)
		}
		f.expect(t, want.String()) // each batch is over MaxSize: rotated before the next
		waitFor(t, func() bool { return srv.Rotations("ns", "pod", "main") > i })
	}
	if err := os.WriteFile(filepath.Join(logs, "ns", "pod", "main.terminated"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	close(f.terminated)
	f.ended(t, want.String())
	files, err := kubeletlog.Files(path)
	if err != nil || len(files) != 3 {
		t.Fatalf("files %v (%v), want MaxFiles=3", files, err)
	}
	n := srv.Rotations("ns", "pod", "main")
	if err := kubeletlog.AppendFile(path, crilog.Encode(crilog.Line(crilog.Stdout, strings.Repeat("x", 5<<10), 0)...)); err != nil {
		t.Fatal(err)
	}
	srv.rotateOnce()
	if srv.Rotations("ns", "pod", "main") != n {
		t.Fatal("the log of a terminated container was rotated")
	}
}

// TestIdleCutEndsASilentStream: a follow stream that sent nothing for the idle time ends with a
// normal end of response; what it sent before stays.
func TestIdleCutEndsASilentStream(t *testing.T) {
	srv := &Server{streams: map[*stream]struct{}{}}
	path := writeLog(t, fixture(false))
	srv.SetIdleCut(300*time.Millisecond, false)
	for _, rd := range readers {
		f := startFollowWith(t, rd.serve, srv, path, crilog.Options{})
		go srv.watchIdle(context.Background(), f.st, nil)
		f.ended(t, "one\ntwo\nAAAABBBBCC\noops\n")
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
