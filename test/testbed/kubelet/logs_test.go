package kubelet

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStreamLogOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	data := "2026-01-01T00:00:00.1Z stdout F one\n" +
		"2026-01-01T00:00:01.123456789Z stdout F two\n" +
		"2026-01-01T00:00:02Z stderr P thr\n" +
		"2026-01-01T00:00:02Z stderr F ee\n" +
		"2026-01-01T00:00:03Z stdout F"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	since, _ := time.Parse(time.RFC3339, "2026-01-01T00:00:01Z")
	for name, c := range map[string]struct {
		opts logOptions
		want string
	}{
		"all":        {logOptions{tailLines: -1, limitBytes: -1}, "one\ntwo\nthree\n"},
		"tail 2":     {logOptions{tailLines: 2, limitBytes: -1}, "three\n"},
		"tail 0":     {logOptions{tailLines: 0, limitBytes: -1}, ""},
		"since":      {logOptions{tailLines: -1, limitBytes: -1, since: since}, "two\nthree\n"},
		"limit":      {logOptions{tailLines: -1, limitBytes: 6}, "one\ntw"},
		"timestamps": {logOptions{tailLines: 3, limitBytes: -1, timestamps: true}, "2026-01-01T00:00:01.123456789Z two\n2026-01-01T00:00:02.000000000Z thr2026-01-01T00:00:02.000000000Z ee\n"},
	} {
		var buf bytes.Buffer
		if err := streamLog(context.Background(), path, c.opts, &buf, func() {}, func() bool { return true }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if buf.String() != c.want {
			t.Errorf("%s: got %q, want %q", name, buf.String(), c.want)
		}
	}
}

func TestStreamLogFollowEndsAfterTermination(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	_ = os.WriteFile(path, []byte("2026-01-01T00:00:00Z stdout F a\n"), 0o644)
	done := make(chan bool, 1)
	var buf bytes.Buffer
	errc := make(chan error, 1)
	terminated := false
	go func() {
		errc <- streamLog(context.Background(), path, logOptions{follow: true, tailLines: -1, limitBytes: -1}, &buf, func() {},
			func() bool {
				select {
				case v := <-done:
					terminated = v
				default:
				}
				return terminated
			})
	}()
	time.Sleep(100 * time.Millisecond)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString("2026-01-01T00:00:01Z stdout F b\n")
	_ = f.Close()
	done <- true
	select {
	case err := <-errc:
		if err != nil || buf.String() != "a\nb\n" {
			t.Fatalf("got %q, %v", buf.String(), err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end")
	}
}
