package overlordlog

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/trace"
)

// kubeletStream prefixes every line of a fixture with a kubelet timestamp,
// as pods/log with timestamps=true does, stack trace lines included.
func kubeletStream(t *testing.T, path string, start time.Time) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		fmt.Fprintf(&b, "%s %s\n", start.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), l)
	}
	return b.String()
}

func TestTraceTaskKeepsAStockStackTraceAndTheLeaderAcrossPods(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 58, 0, 0, time.UTC)
	streams := map[string]string{
		"druid-overlord-0": kubeletStream(t, "../trace/testdata/stock-36/overlord.log", start),
		"druid-overlord-1": start.Format(time.RFC3339Nano) + " 2026-12-01T09:58:00,000 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord.DruidOverlord - By the power of Grayskull, I have the power. I am the leader\n" +
			start.Add(time.Second).Format(time.RFC3339Nano) + " 2026-12-01T09:58:01,000 INFO [LeaderSelector[/druid/overlord/_OVERLORD]] org.apache.druid.indexing.overlord.DruidOverlord - I am no longer the leader...\n",
	}
	open := func(_ context.Context, p *corev1.Pod, _ *corev1.PodLogOptions) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(streams[p.Name])), nil
	}
	const id = "index_parallel_orders_nodpkfgi_2026-12-01T10:02:11.123Z"
	var jobs []string
	for _, c := range druid.JobNames(id, "") {
		jobs = append(jobs, c.Name)
	}
	pods := []corev1.Pod{*pod("druid-overlord-0", nil, "druid"), *pod("druid-overlord-1", nil, "druid")}
	res, reads := TraceTask(context.Background(), open, pods, "", Last(2*time.Hour, "test"),
		trace.Context{TaskID: id, Namespace: "druid"}, trace.Options{TaskID: id, Jobs: jobs})
	for _, r := range reads {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	o := res.Log.Outcome
	if o == nil || o.ExecutionError == nil || o.ExecutionError.Stack == nil {
		t.Fatalf("outcome %+v", o)
	}
	if rc := o.ExecutionError.Stack.RootCause; !strings.HasPrefix(rc, "io.fabric8.kubernetes.client.KubernetesClientTimeoutException: Timed out waiting for [3600000] milliseconds for [Pod]") {
		t.Fatalf("root cause %q", rc)
	}
	if res.Leader != "druid/druid-overlord-0" || res.Pods[1].LeaderLost == "" || res.ExitCode() != 4 || res.Log.DruidVersions != "36+" {
		t.Fatalf("leader %q lost %q exit %d versions %q", res.Leader, res.Pods[1].LeaderLost, res.ExitCode(), res.Log.DruidVersions)
	}
}

func TestSummarizeSaysWhenThePodsLogHasNoDruidLines(t *testing.T) {
	data, err := os.ReadFile("../trace/testdata/no-druid-lines.log")
	if err != nil {
		t.Fatal(err)
	}
	open := func(context.Context, *corev1.Pod, *corev1.PodLogOptions) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(string(data))), nil
	}
	sum, _ := Summarize(context.Background(), open, []corev1.Pod{*pod("druid-overlord-0", nil, "druid")}, "", Last(time.Hour, "test"))
	if c := sum.Total.Stock.CannotCount; len(c) != 1 || !strings.Contains(c[0], "log4j2 writes to a file") || sum.Total.DruidLines != 0 {
		t.Fatalf("cannotCount %q", c)
	}
}
