// Package termstyle decides how output looks where it goes: whether a
// writer is a terminal, whether to colour (--color auto|always|never and
// NO_COLOR), whether the locale speaks UTF-8 (symbols or ASCII markers),
// and the stern-style colour of a label. Every command asks here, so they
// all behave alike.
package termstyle

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ColorMode is the --color setting.
type ColorMode string

// The --color values.
const (
	Auto   ColorMode = "auto"
	Always ColorMode = "always"
	Never  ColorMode = "never"
)

// Modes lists the --color values, for help and completion.
var Modes = []string{string(Auto), string(Always), string(Never)}

// ParseColorMode checks a --color value.
func ParseColorMode(s string) (ColorMode, error) {
	switch m := ColorMode(s); m {
	case Auto, Always, Never:
		return m, nil
	case "":
		return Auto, nil
	}
	return "", fmt.Errorf("--color must be auto, always or never, not %q", s)
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// UseColor decides whether output to w is coloured: always, never, or
// (auto) on a terminal unless NO_COLOR is set.
func UseColor(w io.Writer, mode ColorMode) bool {
	switch mode {
	case Always:
		return true
	case Never:
		return false
	}
	return IsTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// UTF8 reports whether the locale (LC_ALL, LC_CTYPE, LANG, first set wins)
// says the terminal speaks UTF-8.
func UTF8() bool {
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if s := os.Getenv(v); s != "" {
			s = strings.ToLower(s)
			return strings.Contains(s, "utf-8") || strings.Contains(s, "utf8")
		}
	}
	return false
}

// Paint wraps text in an SGR colour code (e.g. "31" for red).
func Paint(code, text string) string { return "\033[" + code + "m" + text + "\033[0m" }

// palette are the colours of labels, as stern picks them.
var palette = []string{"31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96"}

// Label returns "[label]", coloured by a hash of the label when color is
// set, so one task keeps one colour.
func Label(label string, color bool) string {
	if !color {
		return "[" + label + "]"
	}
	h := fnv.New32a()
	h.Write([]byte(label))
	return Paint(palette[h.Sum32()%uint32(len(palette))], "["+label+"]")
}
