package trace

import (
	"bufio"
	"os"
	"testing"
	"time"
)

// FuzzStockLines feeds arbitrary lines (seeded with every line of the
// stock fixtures) to the recogniser, a Tracer and a Summarizer: nothing
// may panic, and a recognised statement names a task or a Job.
func FuzzStockLines(f *testing.F) {
	for _, path := range []string{"testdata/stock-36/overlord-requestlog.log", "testdata/stock-31/overlord.log", "testdata/stock-38/overlord-informer-multik8s.log"} {
		fh, err := os.Open(path)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			f.Add(sc.Text())
		}
		fh.Close()
	}
	f.Add("2026-12-01T10:00:00,000 INFO [t] a.KubernetesPeonClient - Task[[ ]] failed with status[")
	f.Add("2026-12-01T10:00:00,000 ERROR [t] a.TaskQueue - Failed to run task: {task=")
	f.Add("2026-12-01T10:00:00,000 DEBUG [t] org.apache.druid.jetty.RequestLog - a GET http://h/druid/indexer/v1/task/%zz/log HTTP/1.1 200")
	f.Fuzz(func(t *testing.T, line string) {
		l := Parse(line)
		if s, ok := RecognizeStock(l); ok && s.TaskID == "" && s.Job == "" && s.Kind != HTTPRequest {
			t.Fatalf("%q recognised as %v without a task or Job", line, s.Kind)
		}
		tr := NewTracer("druid/o", Options{TaskID: "index_kafka_metrics_5e4d3c2b1a09f8e_oomkilled"})
		sum := NewSummarizer("druid/o")
		for i := 0; i < 2; i++ {
			tr.Feed(line, time.Time{})
			sum.Feed(line, time.Time{})
		}
		Evaluate(Context{TaskID: "index_kafka_metrics_5e4d3c2b1a09f8e_oomkilled"}, []PodTrace{tr.Finish()})
		Summarize([]Counts{sum.Finish()})
	})
}
