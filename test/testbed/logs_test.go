package testbed

import (
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/druid-logs/kubectl-druid-logs/test/crilog"
)

// TestAppendWritesWhatARuntimeWrites: the helpers' records, read back as the kubelet reads them.
func TestAppendWritesWhatARuntimeWrites(t *testing.T) {
	task := &Task{Spec: TaskSpec{Namespace: "ns", ContainerName: "main"}, cluster: &Cluster{dir: t.TempDir()},
		pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pod"}}}
	s := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(task.AppendLogAt(s, "one", "two\nthree"))
	must(task.AppendLongLine("AAAABBBBCC", 4, s.Add(900*time.Millisecond), s.Add(1100*time.Millisecond)))
	must(task.AppendRecords(crilog.Record{Time: s.Add(1200 * time.Millisecond), Stream: crilog.Stderr, Content: []byte("err")}))
	must(task.AppendUnterminated(crilog.Record{Time: s.Add(2 * time.Second), Stream: crilog.Stdout, Content: []byte("half")}))
	data, err := os.ReadFile(task.LogPath())
	must(err)
	want := "2026-01-01T00:00:00Z stdout F one\n2026-01-01T00:00:00Z stdout F two\n2026-01-01T00:00:00Z stdout F three\n" +
		"2026-01-01T00:00:00.9Z stdout P AAAA\n2026-01-01T00:00:01.1Z stdout P BBBB\n2026-01-01T00:00:01.1Z stdout F CC\n" +
		"2026-01-01T00:00:01.2Z stderr F err\n2026-01-01T00:00:02Z stdout F half"
	if string(data) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", data, want)
	}
	got := crilog.Read(data, crilog.Options{Timestamps: true, Since: s.Add(time.Second)})
	if string(got) != "BBBBCC\n2026-01-01T00:00:01.200000000Z err\n2026-01-01T00:00:02.000000000Z half" {
		t.Fatalf("read from the second of the split: %q", got)
	}
}
