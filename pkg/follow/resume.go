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
}

// record notes a complete line with stamp ts (ok false: unstamped).
func (p *printed) record(ts stamp, ok bool) {
	p.partial = 0
	if !ok {
		p.trailing++
		return
	}
	p.trailing = 0
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

// from is the sinceTime of a resume: the newest printed second, less the
// margin.
func (p *printed) from() time.Time {
	return p.newest.time().Truncate(time.Second).Add(-resumeMargin)
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
}

// verdict is what to do with a line.
type verdict int

const (
	printLine verdict = iota
	skipLine
	notCovered // a tail read that starts too late: use a since read instead
)

// decide judges a line stamped ts (ok false: unstamped). For a kept line,
// skipBytes is how many of its bytes were written before the resume.
func (s *skipper) decide(ts stamp, ok bool) (v verdict, skipBytes int) {
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
	if !ok && s.leading {
		return skipLine, 0
	}
	s.leading = false
	if ok && s.stamped > 0 && !(s.bounded && bytes.Compare(ts[:], s.newest[:]) > 0) {
		s.stamped--
		return skipLine, 0
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
