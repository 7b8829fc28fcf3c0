package follow

import "regexp"

// LineFilter keeps, drops and highlights lines by regular expressions, as
// stern's --include, --exclude and --highlight: a line is printed when it
// matches any Include (or there is none) and no Exclude; the parts that
// match a Highlight are coloured. The expressions see a line's message,
// without its timestamp. A line longer than Options.MaxLine is judged
// piece by piece.
type LineFilter struct {
	Include, Exclude, Highlight []*regexp.Regexp
	// Color is the SGR code of highlights (e.g. "31;1"); empty: none.
	Color string
}

// keep reports whether a line's message is printed.
func (lf *LineFilter) keep(msg []byte) bool {
	if len(lf.Include) > 0 {
		ok := false
		for _, re := range lf.Include {
			if re.Match(msg) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, re := range lf.Exclude {
		if re.Match(msg) {
			return false
		}
	}
	return true
}

// highlights reports whether there is anything to colour.
func (lf *LineFilter) highlights() bool { return len(lf.Highlight) > 0 && lf.Color != "" }

// highlight appends msg to dst with every match of a Highlight coloured.
func (lf *LineFilter) highlight(dst, msg []byte) []byte {
	// Mark the matched bytes, then copy with colour around each run: two
	// expressions that overlap colour the union.
	var marks []bool
	for _, re := range lf.Highlight {
		for _, loc := range re.FindAllIndex(msg, -1) {
			if marks == nil {
				marks = make([]bool, len(msg))
			}
			for i := loc[0]; i < loc[1]; i++ {
				marks[i] = true
			}
		}
	}
	if marks == nil {
		return append(dst, msg...)
	}
	on := false
	for i, c := range msg {
		switch {
		case marks[i] && !on:
			dst = append(dst, "\033["+lf.Color+"m"...)
			on = true
		case !marks[i] && on:
			dst = append(dst, "\033[0m"...)
			on = false
		}
		dst = append(dst, c)
	}
	if on {
		// Close before a trailing newline, so the colour never runs on.
		if n := len(dst); n > 0 && dst[n-1] == '\n' {
			dst = append(dst[:n-1], "\033[0m\n"...)
		} else {
			dst = append(dst, "\033[0m"...)
		}
	}
	return dst
}
