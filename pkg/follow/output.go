package follow

import (
	"bufio"
	"io"
)

// lineWriter writes lines to the output so that the writer underneath
// only ever receives whole lines: several followers may share it (a
// group), and a line must never be cut by another's. A line longer than
// the buffer goes out in one Write of its own.
type lineWriter struct {
	w       *bufio.Writer
	prefix  []byte
	scratch []byte
}

func newLineWriter(out io.Writer, prefix string) *lineWriter {
	return &lineWriter{w: bufio.NewWriterSize(out, 64<<10), prefix: []byte(prefix)}
}

// line writes one output line: the prefix and content, which ends in '\n'.
func (lw *lineWriter) line(content []byte) {
	n := len(lw.prefix) + len(content)
	if n > lw.w.Available() && lw.w.Buffered() > 0 {
		lw.w.Flush() // an error sticks in the writer and ends the stream
	}
	if n <= lw.w.Available() {
		lw.w.Write(lw.prefix)
		lw.w.Write(content)
		return
	}
	if len(lw.prefix) == 0 {
		lw.w.Write(content) // an empty buffer writes a large slice directly, in one call
		return
	}
	lw.scratch = append(append(lw.scratch[:0], lw.prefix...), content...)
	lw.w.Write(lw.scratch)
}

// piece writes part of a line too long to hold whole. Without a prefix the
// bytes go out as they are, so the output is byte for byte the log; with
// one, each piece becomes an output line of its own (last tells whether
// content already ends the line), so no other follower's line can land
// inside it.
func (lw *lineWriter) piece(content []byte, last bool) {
	if len(lw.prefix) == 0 {
		lw.w.Write(content)
		return
	}
	if last {
		lw.line(content)
		return
	}
	lw.scratch = append(append(append(lw.scratch[:0], lw.prefix...), content...), '\n')
	if len(lw.scratch) > lw.w.Available() && lw.w.Buffered() > 0 {
		lw.w.Flush()
	}
	lw.w.Write(lw.scratch)
}

func (lw *lineWriter) flush() error { return lw.w.Flush() }

func (lw *lineWriter) buffered() int { return lw.w.Buffered() }
