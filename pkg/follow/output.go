package follow

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"unicode/utf8"
)

// lineWriter writes lines to the output so that the writer underneath
// only ever receives whole lines: several followers may share it (a
// group), and a line must never be cut by another's. A line longer than
// the buffer goes out in one Write of its own.
//
// Its buffer is borrowed from a pool while lines wait in it and given
// back by the flush that empties it. A follower flushes after every read
// of the stream, so a follower waiting on the network holds no output
// buffer: a group of 200 followers shares a few buffers instead of owning
// 200 (issue 22: 64 KB each was a third of a large group's memory). Only
// followers queued on a shared output that is slower than their streams
// hold one each: one read's lines.
type lineWriter struct {
	out     io.Writer
	pool    *sync.Pool // of *[]byte of capacity size
	size    int
	buf     []byte // nil while nothing waits (pool holds it)
	err     error  // the first write error; it sticks, as bufio.Writer's
	prefix  []byte
	scratch []byte
}

// outBufSize is the capacity of an output buffer; a follower whose reads
// are at most smallReadMax bytes takes one of smallOutBufSize, which holds
// one such read's lines with their prefixes.
const (
	outBufSize      = 64 << 10
	smallOutBufSize = 32 << 10
	smallReadMax    = 16 << 10
)

// outBufs and smallOutBufs hold the output buffers of lineWriters that
// hold nothing.
var (
	outBufs      = sync.Pool{New: func() any { b := make([]byte, 0, outBufSize); return &b }}
	smallOutBufs = sync.Pool{New: func() any { b := make([]byte, 0, smallOutBufSize); return &b }}
)

// maxKeptScratch is the largest scratch buffer a flush keeps: a long line
// or piece may grow it to MaxLine, which an idle follower should not hold.
const maxKeptScratch = outBufSize

// newLineWriter returns a lineWriter of lines read readSize bytes at a
// time at most (0: unknown).
func newLineWriter(out io.Writer, prefix string, readSize int) *lineWriter {
	if readSize > 0 && readSize <= smallReadMax {
		return &lineWriter{out: out, pool: &smallOutBufs, size: smallOutBufSize, prefix: []byte(prefix)}
	}
	return &lineWriter{out: out, pool: &outBufs, size: outBufSize, prefix: []byte(prefix)}
}

// available is the room left in the buffer (a whole one when none is held).
func (lw *lineWriter) available() int {
	if lw.buf == nil {
		return lw.size
	}
	return cap(lw.buf) - len(lw.buf)
}

// write adds p to the buffer, or writes it through when the buffer is
// empty and p does not fit; as bufio.Writer, a failed write makes every
// later one a no-op.
func (lw *lineWriter) write(p []byte) {
	if lw.err != nil {
		return
	}
	if len(p) > lw.available() {
		if len(lw.buf) > 0 {
			lw.flush()
			if lw.err != nil {
				return
			}
		}
		if len(p) > lw.size {
			_, lw.err = lw.out.Write(p) // an empty buffer writes a large slice directly, in one call
			return
		}
	}
	if lw.buf == nil {
		lw.buf = (*lw.pool.Get().(*[]byte))[:0]
	}
	lw.buf = append(lw.buf, p...)
}

// line writes one output line: the prefix and content, which ends in '\n'.
func (lw *lineWriter) line(content []byte) {
	n := len(lw.prefix) + len(content)
	if n > lw.available() && len(lw.buf) > 0 {
		lw.flush() // an error sticks in the writer and ends the stream
	}
	if n <= lw.available() {
		lw.write(lw.prefix)
		lw.write(content)
		return
	}
	if len(lw.prefix) == 0 {
		lw.write(content)
		return
	}
	b := append(append(lw.scratch[:0], lw.prefix...), content...)
	lw.scratch = b
	lw.write(b)
}

// piece writes part of a line too long to hold whole. Without a prefix the
// bytes go out as they are, so the output is byte for byte the log; with
// one, each piece becomes an output line of its own (last tells whether
// content already ends the line), so no other follower's line can land
// inside it.
func (lw *lineWriter) piece(content []byte, last bool) {
	if len(lw.prefix) == 0 {
		lw.write(content)
		return
	}
	if last {
		lw.line(content)
		return
	}
	b := append(append(append(lw.scratch[:0], lw.prefix...), content...), '\n')
	lw.scratch = b
	if len(b) > lw.available() && len(lw.buf) > 0 {
		lw.flush() // may drop a large scratch; b stays valid
	}
	lw.write(b)
}

// flush writes what waits and gives the buffer back; it returns the
// writer's first error, as every flush after it does.
func (lw *lineWriter) flush() error {
	if lw.err == nil && len(lw.buf) > 0 {
		n, err := lw.out.Write(lw.buf)
		if err == nil && n < len(lw.buf) {
			err = io.ErrShortWrite
		}
		lw.err = err
	}
	if lw.err == nil && lw.buf != nil {
		b := lw.buf[:0]
		lw.pool.Put(&b)
		lw.buf = nil
	}
	if cap(lw.scratch) > maxKeptScratch {
		lw.scratch = nil
	}
	return lw.err
}

func (lw *lineWriter) buffered() int { return len(lw.buf) }

// JSONLine names what each JSON line says besides the log line itself:
// {"task":…,"pod":…,"container":…,"member":…,"timestamp":…,"message":…}.
// Member is left out when empty; partial:true marks a piece of a line too
// long to hold whole (Options.MaxLine).
type JSONLine struct {
	Task, Pod, Container, Member string
	// Backfilled marks lines printed after the end from Druid's stored
	// log, to fill a gap: "backfilled":true.
	Backfilled bool
	head       []byte // the constant fields, encoded once
}

// json writes one log line (msg, with its newline if it has one) as a JSON
// object on a line of its own.
func (lw *lineWriter) json(j *JSONLine, ts, msg []byte, partial bool) {
	j.encodeHead()
	b := append(lw.scratch[:0], j.head...)
	if ts != nil {
		b = append(b, `,"timestamp":"`...)
		b = append(b, ts...)
		b = append(b, '"')
	}
	b = append(b, `,"message":`...)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	b = appendJSONString(b, msg)
	if partial {
		b = append(b, `,"partial":true`...)
	}
	if j.Backfilled {
		b = append(b, `,"backfilled":true`...)
	}
	b = append(b, "}\n"...)
	lw.scratch = b
	saved := lw.prefix
	lw.prefix = nil
	lw.line(b)
	lw.prefix = saved
}

// encodeHead encodes the constant fields once.
func (j *JSONLine) encodeHead() {
	if j.head == nil {
		j.head = append(j.head, `{"task":`...)
		j.head = appendJSONString(j.head, []byte(j.Task))
		j.head = append(j.head, `,"pod":`...)
		j.head = appendJSONString(j.head, []byte(j.Pod))
		j.head = append(j.head, `,"container":`...)
		j.head = appendJSONString(j.head, []byte(j.Container))
		if j.Member != "" {
			j.head = append(j.head, `,"member":`...)
			j.head = appendJSONString(j.head, []byte(j.Member))
		}
	}
}

// event writes a JSON object that is not a log line: {"event":name, the
// constant fields, "from":from, "to":to}.
func (lw *lineWriter) event(j *JSONLine, name string, from, to []byte) {
	j.encodeHead()
	b := append(lw.scratch[:0], `{"event":`...)
	b = appendJSONString(b, []byte(name))
	b = append(b, ',')
	b = append(b, j.head[1:]...)
	b = append(b, `,"from":`...)
	b = appendJSONString(b, from)
	b = append(b, `,"to":`...)
	b = appendJSONString(b, to)
	b = append(b, "}\n"...)
	lw.scratch = b
	saved := lw.prefix
	lw.prefix = nil
	lw.line(b)
	lw.prefix = saved
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// CopyJSONLines copies a plain log (no timestamps: Druid's stored log, say)
// to out as JSON lines with j's fields; a line over MaxLine's default
// comes in partial pieces.
func CopyJSONLines(out io.Writer, r io.Reader, j *JSONLine) error {
	lw := newLineWriter(out, "", 0)
	br := bufio.NewReaderSize(r, defaultMaxLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			partial := errors.Is(err, bufio.ErrBufferFull)
			lw.json(j, nil, line, partial)
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			return lw.flush()
		default:
			lw.flush()
			return err
		}
	}
}
