package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// logStats describes a generated container log.
type logStats struct {
	path  string
	lines int
	// textBytes is what a client prints without timestamps: every line's text plus "\n".
	textBytes int64
	// stampedBytes is what a client reading with timestamps=true receives: textBytes plus a
	// fixed-width UTC timestamp ("2006-01-02T15:04:05.000000000Z") and a space per line.
	stampedBytes int64
	// fileBytes is the CRI file's size (timestamps and stream tags included).
	fileBytes int64
}

// segment is a realistic Druid segment id.
const segment = "wikipedia_2026-11-26T00:00:00.000Z_2026-11-27T00:00:00.000Z_2026-11-26T09:12:44.512Z"

// druidLine returns the text of a log line: the mix a Kafka ingestion peon prints (log4j pattern
// "%d{ISO8601} %p [%t] %c - %m"), with stack trace lines; about 194 bytes a line on average.
func druidLine(r *rand.Rand, ts time.Time) string {
	stamp := ts.Format("2006-01-02T15:04:05,000")
	switch n := r.IntN(100); {
	case n < 40:
		return fmt.Sprintf("%s INFO [task-runner-0-priority-0] org.apache.druid.indexing.seekablestream.SeekableStreamIndexTaskRunner - Persisting %d rows in memory for segment wikipedia_2026-11-26T00:00:00.000Z_%d",
			stamp, r.IntN(100000), r.IntN(64))
	case n < 50:
		return fmt.Sprintf("%s INFO [wikipedia-incremental-persist] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Flushed in-memory data for segment[%s_%d] spill[%d] to disk in [%d] ms (%d rows).",
			stamp, segment, r.IntN(64), r.IntN(40), r.IntN(900), r.IntN(75000))
	case n < 70:
		return fmt.Sprintf("%s INFO [task-runner-0-priority-0] org.apache.druid.indexing.kafka.KafkaRecordSupplier - Seeking partition[%d] to offset[%d].",
			stamp, r.IntN(12), r.Int64N(1<<40))
	case n < 80:
		return fmt.Sprintf("%s DEBUG [HttpClient-Netty-Worker-%d] org.apache.druid.java.util.http.client.NettyHttpClient - [GET] http://10.244.%d.%d:8100/druid/worker/v1/chat/x/offsets/current Got response: 200 OK",
			stamp, r.IntN(8), r.IntN(255), r.IntN(255))
	case n < 85:
		return fmt.Sprintf("%s WARN [task-runner-0-priority-0] org.apache.druid.indexing.seekablestream.SeekableStreamIndexTaskRunner - %d rows were thrown away: timestamp out of the window.",
			stamp, r.IntN(500))
	default:
		return "\tat org.apache.druid.indexing.seekablestream.SeekableStreamIndexTaskRunner.runInternal(SeekableStreamIndexTaskRunner.java:" +
			fmt.Sprint(600+r.IntN(300)) + ")"
	}
}

// writeLog writes a CRI-format container log of at least minTextBytes printed bytes and at least
// minLines lines to path.
// Timestamps start two hours ago (inside stern's default --since 48h) and advance 1 ms a line.
func writeLog(path string, minTextBytes int64, minLines int, seed uint64) (logStats, error) {
	st := logStats{path: path}
	f, err := os.Create(path)
	if err != nil {
		return st, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 7))
	ts := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	var stampBuf []byte
	for st.textBytes < minTextBytes || st.lines < minLines {
		text := druidLine(r, ts)
		stampBuf = ts.AppendFormat(stampBuf[:0], "2006-01-02T15:04:05.000000000Z")
		w.Write(stampBuf)
		w.WriteString(" stdout F ")
		w.WriteString(text)
		w.WriteByte('\n')
		st.lines++
		st.textBytes += int64(len(text)) + 1
		st.stampedBytes += int64(len(stampBuf)+1+len(text)) + 1
		st.fileBytes += int64(len(stampBuf)+len(" stdout F ")+len(text)) + 1
		ts = ts.Add(time.Millisecond)
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return st, err
	}
	return st, f.Close()
}

// placeLog makes dst (a container's log file) the generated log src: a hard link when possible
// (same file system; the file is only read), else a copy.
func placeLog(src, dst string) error {
	_ = os.Remove(dst)
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
