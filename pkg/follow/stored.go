package follow

import (
	"bufio"
	"errors"
	"io"
)

// Place is where a run of lines ends in a log without timestamps (Druid's
// stored log): the byte offset just after its last line, and how many
// lines come before that offset.
type Place struct {
	Offset int64
	Line   int64
}

// Span is a stretch of lines of a log without timestamps: Lines lines from
// byte Offset on.
type Span struct {
	Offset int64
	Lines  int64
}

// plainLines reads a log line by line, keeping only what a LineKey
// compares (the first keyHead bytes and the length) of lines of any size.
type plainLines struct {
	br     *bufio.Reader
	off    int64 // bytes read
	n      int64 // lines read
	head   []byte
	size   int
	hasEOL bool
}

func newPlainLines(r io.Reader) *plainLines {
	return &plainLines{br: bufio.NewReaderSize(r, 64<<10)}
}

// next reads the next line; io.EOF when there is none.
func (p *plainLines) next() error {
	p.head, p.size, p.hasEOL = p.head[:0], 0, false
	for {
		b, err := p.br.ReadSlice('\n')
		p.off += int64(len(b))
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b, p.hasEOL = b[:n-1], true
		}
		if len(p.head) < keyHead {
			p.head = append(p.head, b[:min(len(b), keyHead-len(p.head))]...)
		}
		p.size += len(b)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && (p.size > 0 || p.hasEOL):
			p.n++
			return nil
		case err != nil:
			return err
		}
		p.n++
		return nil
	}
}

// is reports whether the line just read is k.
func (p *plainLines) is(k LineKey) bool {
	if k.Size >= 0 && p.size != k.Size {
		return false
	}
	return p.size >= len(k.Head) && len(p.head) >= len(k.Head) && string(p.head[:len(k.Head)]) == k.Head
}

// runMatcher tells, line by line, whether the lines just read end with run.
type runMatcher struct {
	run       []LineKey
	m         []bool    // m[j]: the lines just read end with run[:j+1]
	firstKeys []LineKey // the log's first lines, fewer than run's
}

func (r *runMatcher) step(p *plainLines) bool {
	if len(r.m) != len(r.run) {
		r.m = make([]bool, len(r.run))
	}
	for j := len(r.run) - 1; j > 0; j-- {
		r.m[j] = r.m[j-1] && p.is(r.run[j])
	}
	r.m[0] = p.is(r.run[0])
	return r.m[len(r.m)-1]
}

// FindRun finds where the lines of run (consecutive, oldest first: the
// last lines printed, say) occur in a log without timestamps, and returns
// the places where they end, at most max of them, and where the log ends
// (when it was read to its end). A log that begins with the last lines of
// run only (it begins inside the run: the kubelet rotated the file it was
// read from) has that place too, first.
func FindRun(r io.Reader, run []LineKey, max int) (places []Place, end Place, err error) {
	if len(run) == 0 {
		return nil, end, nil
	}
	p := newPlainLines(r)
	rm := runMatcher{run: run}
	var out []Place
	var first []Place // where the log's first lines end, while they are the end of run
	for len(out) < max {
		err := p.next()
		if err != nil && err != io.EOF {
			return out, end, err
		}
		if p.n < int64(len(run)) && err == nil {
			first = append(first, Place{Offset: p.off, Line: p.n})
		}
		if err == io.EOF || p.n == int64(len(run)) {
			// The longest end of run that the log's first lines are.
			for k := len(first); k > 0; k-- {
				if beginsWith(rm.firstKeys, run[len(run)-k:]) {
					out = append([]Place{first[k-1]}, out...)
					break
				}
			}
			first = first[:0]
		}
		if err == io.EOF {
			return out, Place{Offset: p.off, Line: p.n}, nil
		}
		if p.n < int64(len(run)) {
			rm.firstKeys = append(rm.firstKeys, LineKey{Head: string(p.head), Size: p.size})
		}
		if rm.step(p) {
			out = append(out, Place{Offset: p.off, Line: p.n})
		}
	}
	return out, end, nil
}

// beginsWith reports whether the log's first lines (keyed in full) are
// the lines of run.
func beginsWith(firstLines, run []LineKey) bool {
	if len(firstLines) < len(run) {
		return false
	}
	for i, k := range run {
		l := firstLines[i]
		if (k.Size >= 0 && l.Size != k.Size) || len(l.Head) < len(k.Head) || l.Head[:len(k.Head)] != k.Head {
			return false
		}
	}
	return true
}

// FindGap finds a gap's missing lines in a log without timestamps: the
// lines between the last occurrence of the lines printed before the gap
// and the first line printed after it that follows. ok is false when the
// log does not hold both in that order.
func FindGap(r io.Reader, g Gap) (s Span, ok bool, err error) {
	if len(g.Last) == 0 {
		return s, false, nil
	}
	p := newPlainLines(r)
	rm := runMatcher{run: g.Last}
	var after *Place
	for {
		err := p.next()
		if err == io.EOF {
			return s, false, nil
		}
		if err != nil {
			return s, false, err
		}
		if after != nil && p.is(g.Next) {
			return Span{Offset: after.Offset, Lines: p.n - 1 - after.Line}, true, nil
		}
		if rm.step(p) {
			after = &Place{Offset: p.off, Line: p.n}
		}
	}
}

// CopyLines copies at most max lines (max < 0: all) of a log without
// timestamps to out: each after prefix, or, with j, as a JSON object
// without a timestamp (j.Backfilled marks it). A line over MaxLine's
// default goes out in pieces. It returns how many lines it copied.
func CopyLines(out io.Writer, r io.Reader, max int64, prefix string, j *JSONLine) (int64, error) {
	lw := newLineWriter(out, prefix, 0)
	br := bufio.NewReaderSize(r, defaultMaxLine)
	var n int64
	inLine := false
	for n != max {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			whole := b[len(b)-1] == '\n'
			if !whole && err == io.EOF {
				b, whole = append(b, '\n'), true // the log's last line, without a newline
			}
			switch {
			case j != nil:
				lw.json(j, nil, b, !whole)
			case whole && !inLine:
				lw.line(b)
			default:
				lw.piece(b, whole)
			}
			inLine = !whole
			if whole {
				n++
			}
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			return n, lw.flush()
		default:
			lw.flush()
			return n, err
		}
	}
	return n, lw.flush()
}
