package follow

import (
	"bytes"
	"time"
)

// resumeMargin is how far before the newest printed second a resume
// starts. The runtime stamps stdout and stderr separately, so a line can
// reach the file after one stamped later; starting a second early keeps a
// line reordered across a second boundary from being filtered out.
const resumeMargin = time.Second

// printed is what has been printed, summarised for a resume: the newest
// timestamp, how many stamped lines fall in its second and in the second
// before, how many unstamped lines came after the last stamped one, and how
// much of an unfinished long line was written already. A resume asks for
// sinceTime = that earlier second (from), and the server re-sends exactly
// the printed lines stamped from then on, in the order they were printed,
// before any new one: they are skipped by count. Memory stays constant
// whatever the rate of lines.
type printed struct {
	any        bool  // a stamped line was printed
	newest     stamp // the newest timestamp printed
	cur, prev  int   // stamped lines in newest's second and in the one before
	trailing   int   // unstamped lines printed after the last stamped one
	partial    int   // bytes of the current unfinished line already written
	partialTS  stamp
	partialHas bool // the unfinished line is stamped

	// A follow that began after the log's start (--tail, --since) also
	// knows where it began, for a resume whose window reaches back there:
	// the lines before the first printed one were not asked for. The
	// mark is the first printed line that surely starts a line (the first
	// line a response sends is stamped even when it is the rest of a line
	// the runtime split, so it is the second stamped line, or the first
	// until there is a second), found again by its stamp and content.
	late     bool     // the follow began after the log's start
	marks    int      // stamped lines printed, counted up to two
	mark     stamp    // the mark's stamp
	markSum  uint64   // and a checksum of its first bytes
	fromMark [2]int   // stamped lines printed from the mark on, stamped from its second less one / from its second
	markSecs [2]stamp // the second before the mark's, and the mark's
	// The first line, when it is the rest of a split line, comes again
	// only inside that whole line: it is also known by its end.
	firstEnd  uint64 // checksum of its last bytes
	firstSize int    // its length
}

// record notes a complete line with stamp ts (ok false: unstamped); sum
// is the checksum of its first bytes (see lineSum) when it may become the
// mark.
func (p *printed) record(ts stamp, ok bool, sum uint64) {
	p.partial = 0
	if !ok {
		p.trailing++
		return
	}
	p.trailing = 0
	if p.late {
		p.noteMark(ts, sum)
	}
	if !p.any {
		p.any, p.newest, p.cur = true, ts, 1
		return
	}
	switch c := bytes.Compare(ts.second(), p.newest.second()); {
	case c == 0:
		p.cur++
		if bytes.Compare(ts[:], p.newest[:]) > 0 {
			p.newest = ts
		}
	case c > 0:
		p.prev = 0
		if next := p.newest.time().Truncate(time.Second).Add(time.Second); bytes.Equal(stampOf(next).second(), ts.second()) {
			p.prev = p.cur
		}
		p.newest, p.cur = ts, 1
	default:
		if before := p.newest.time().Truncate(time.Second).Add(-resumeMargin); !ts.time().Before(before) {
			p.prev++
		}
	}
}

// wantsMark reports whether the next stamped line printed becomes the mark.
func (p *printed) wantsMark() bool { return p.late && p.marks < 2 }

// noteMark counts a stamped line for the mark.
func (p *printed) noteMark(ts stamp, sum uint64) {
	if p.marks < 2 {
		p.marks++
		p.mark, p.markSum, p.fromMark = ts, sum, [2]int{1, 1}
		sec := ts.time().Truncate(time.Second)
		p.markSecs = [2]stamp{stampOf(sec.Add(-time.Second)), stampOf(sec)}
		return
	}
	if bytes.Compare(ts[:], p.markSecs[0][:]) >= 0 {
		p.fromMark[0]++
		if bytes.Compare(ts[:], p.markSecs[1][:]) >= 0 {
			p.fromMark[1]++
		}
	}
}

// from is the sinceTime of a resume: the newest printed second, less the
// margin.
func (p *printed) from() time.Time {
	return p.newest.time().Truncate(time.Second).Add(-resumeMargin)
}

// resume plans a resume: its sinceTime, how many stamped lines it re-sends
// that were printed, and whether the skipper must first find the mark
// (seek): a follow that began late, whose window reaches back to within a
// stream skew of the mark, is re-sent lines from before the mark that
// were never printed (or, for the first line, printed only in part). The
// window then starts at or before the mark's second, so the mark itself
// is re-sent, and what comes before it is dropped.
func (p *printed) resume() (since time.Time, resent int, seek bool) {
	from := p.from()
	if !p.late || p.marks == 0 || from.After(p.mark.time().Add(streamSkew)) {
		return from, p.resent(), false
	}
	sec := p.mark.time().Truncate(time.Second)
	if from.Before(sec) {
		return from, p.fromMark[0], true // from is the second before the mark's
	}
	return sec, p.fromMark[1], true
}

// resent is how many stamped lines a resume from from() re-sends.
func (p *printed) resent() int { return p.cur + p.prev }

// skipper decides, line by line, what a resumed stream re-sends: it drops
// the leading unstamped fragment of a line that began before sinceTime,
// the stamped lines printed before (by count), the unstamped lines printed
// after them, and the part of an unfinished long line already written. A
// line newer than anything printed ends the skipping: it cannot have been
// printed.
type skipper struct {
	active   bool
	before   *stamp // drop every line stamped before this (since emulation)
	leading  bool   // drop unstamped lines until a stamped one is kept
	stamped  int    // stamped lines still to skip
	trailing int    // unstamped lines to skip right after them
	newest   stamp  // nothing newer was printed
	bounded  bool   // newest is set
	partial  int    // bytes of the unfinished line already written
	partTS   stamp  // its stamp, when partStmp
	partStmp bool
	cover    *stamp // tail read: the first line must be stamped before this
	seek     bool   // drop lines until the mark
	mark     stamp
	markSum  uint64
	byEnd    bool   // the mark is the first line: a longer line that ends as it did is the mark too
	endSum   uint64 // (see printed.firstEnd)
	endSize  int
	markEnd  stamp // a line newer than this shows the mark is not there
	noGap    bool  // a missing mark is no sign of a gap (see armResume)
	sought   bool  // the last line was skipped as it comes before the mark
	// A longer line that ends as the first line did (byEnd) is only a
	// candidate: a line that is the mark exactly (its stamp and first
	// bytes) may still follow, for the first line printed may have been
	// a whole line. candSkipped counts the stamped lines skipped after
	// the candidate, which are re-sent ones if it was the mark.
	cand        bool
	candSkipped int
	matched     bool // a printed line was recognised in this stream
	gap         bool // the printed lines are not there: see decide
}

// verdict is what to do with a line.
type verdict int

const (
	printLine verdict = iota
	skipLine
	notCovered // a tail read that starts too late: use a since read instead
)

// decide judges a line stamped ts (ok false: unstamped) whose first bytes
// have checksum sum (computed only while seeking). For a kept line,
// skipBytes is how many of its bytes were written before the resume.
//
// The first line kept while printed lines were still expected, when none
// of them was recognised, sets gap: the lines the server should have
// re-sent are not in what it serves (the kubelet rotated the file they are
// in: a new request reads only the current file), so lines between the
// newest printed and this one may be missing.
func (s *skipper) decide(ts stamp, ok bool, sum uint64) (v verdict, skipBytes int) {
	s.sought = false
	if s.cover != nil {
		first := s.cover
		s.cover = nil
		if !ok || bytes.Compare(ts[:], first[:]) >= 0 {
			s.active = false
			return notCovered, 0
		}
	}
	if !s.active {
		return printLine, 0
	}
	if s.before != nil && ok && bytes.Compare(ts[:], s.before[:]) < 0 {
		return skipLine, 0
	}
	if !ok && s.leading && !s.seek {
		return skipLine, 0
	}
	if s.seek {
		switch {
		case !ok && s.byEnd:
			s.sought = true
			return skipLine, 0 // the rest of a line that may end as the first line did
		case ok && ts == s.mark && sum == s.markSum:
			s.seek, s.cand = false, false // the mark: count from here
		case ok && bytes.Compare(ts[:], s.markEnd[:]) > 0:
			s.seek = false // newer than the mark and all printed: it is not there
			s.takeCandidate()
		case ok && s.cand && s.candSkipped >= s.stamped-1 && bytes.Compare(ts[:], s.mark[:]) > 0:
			// Past the mark's stamp, and the candidate's re-sent lines are
			// all skipped: it was the mark.
			s.seek = false
			s.takeCandidate()
		default:
			if ok && s.cand {
				s.candSkipped++
			}
			s.sought = true
			return skipLine, 0 // before the mark: not asked for, or printed
		}
	}
	s.leading = false
	if ok && s.stamped > 0 && !(s.bounded && bytes.Compare(ts[:], s.newest[:]) > 0) {
		s.stamped--
		s.matched = true
		return skipLine, 0
	}
	if ok && s.stamped > 0 && s.bounded && !s.matched && !s.noGap {
		s.gap = true
	}
	if !ok && s.stamped > 0 {
		return skipLine, 0 // an unstamped line among the re-sent ones
	}
	if !ok && s.trailing > 0 && s.stamped == 0 {
		s.trailing--
		return skipLine, 0
	}
	// The first line past the re-sent ones: the unfinished one, if any.
	skip := s.partial
	if s.partStmp != ok || (ok && ts != s.partTS) {
		skip = 0 // not the line that was being written: print it whole
	}
	s.active = s.before != nil // since emulation goes on; counting is over
	s.stamped, s.trailing, s.partial = 0, 0, 0
	return printLine, skip
}

// seekEnd is told that a line skipped while seeking the mark ended (size
// bytes without timestamp and newline, stamped ts unless !ok, end the
// checksum of its last bytes): when the mark is the first line printed and
// that was the rest of a line the runtime split, the whole line, longer and
// begun no later, ending as it did, is the mark. It is only a candidate
// (the latest one wins): an earlier longer line may end as a whole first
// line does, so the seek goes on until the exact mark, which wins, or a
// line past the mark's stamp (takeCandidate).
func (s *skipper) seekEnd(ts stamp, ok bool, size int, end uint64) {
	if !s.seek || !s.byEnd || size <= s.endSize || end != s.endSum || (ok && bytes.Compare(ts[:], s.mark[:]) > 0) {
		return
	}
	s.cand, s.candSkipped = true, 0
}

// takeCandidate ends the seek at the candidate of seekEnd, if there is one:
// it and the stamped lines skipped after it were re-sent.
func (s *skipper) takeCandidate() {
	if !s.cand {
		return
	}
	s.cand, s.leading, s.matched = false, false, true
	s.stamped = max(0, s.stamped-1-s.candSkipped)
}

// minEnd is the shortest first line known again by its end: a shorter
// end ("}", say) would be found at the end of too many lines.
const minEnd = 32

// endSum is a checksum of a line's last bytes (msg without newline): at
// most 64, and at most n.
func endSum(msg []byte, n int) uint64 { return lineSum(msg[max(0, len(msg)-min(64, n)):]) }
