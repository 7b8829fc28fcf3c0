package cmd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// The documentation tests keep README.md and docs/*.md honest: every command
// line they show parses with the real command tree (no command runs), and
// the README's exit-code table is pkg/exitcode.Table.

// repoRoot is where README.md is, seen from this package's directory.
const repoRoot = "../.."

// docCommand is one `kubectl druid-logs` command line found in a document.
type docCommand struct {
	where string // file:line
	line  string // as written, continuations joined
}

// docFiles returns README.md and every docs/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md found (err %v)", err)
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, pages...)
}

var (
	// inlineCommand is a code span holding a command line in prose.
	inlineCommand = regexp.MustCompile("`(kubectl druid-logs[^`]*)`")
	// envAssignment is a VAR=value before a command.
	envAssignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=\S*\s+`)
)

// extractCommands finds the command lines of one Markdown document: lines of
// fenced code blocks that start with `kubectl druid-logs` (after a "$ "
// prompt and VAR=value assignments; a trailing backslash continues a line),
// and code spans in prose that do.
func extractCommands(name string, r io.Reader) ([]docCommand, error) {
	var out []docCommand
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	inFence, n, start := false, 0, 0
	var pending strings.Builder
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			pending.Reset()
			continue
		}
		if !inFence {
			for _, m := range inlineCommand.FindAllStringSubmatch(line, -1) {
				out = append(out, docCommand{fmt.Sprintf("%s:%d", name, n), m[1]})
			}
			continue
		}
		if pending.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(line)
		full := strings.TrimSpace(pending.String())
		pending.Reset()
		full = strings.TrimPrefix(full, "$ ")
		for {
			loc := envAssignment.FindStringIndex(full)
			if loc == nil {
				break
			}
			full = full[loc[1]:]
		}
		if full == "kubectl druid-logs" || strings.HasPrefix(full, "kubectl druid-logs ") {
			out = append(out, docCommand{fmt.Sprintf("%s:%d", name, start), full})
		}
	}
	return out, sc.Err()
}

// shellWords splits a command line as sh would, up to the end of the simple
// command: an unquoted comment, pipe, redirection, ; or & ends it.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			flush()
			return words, nil
		case strings.IndexByte("|;&<>", c) >= 0:
			if c == '>' && inWord && cur.String() == "2" { // 2>
				cur.Reset()
				inWord = false
			}
			flush()
			return words, nil
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf(`unterminated " quote`)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// isSynopsis tells a usage synopsis ("check TASK_ID [-n NS | -A]") from a
// command line: an unquoted "[" outside a word's middle opens an optional part.
func isSynopsis(line string) bool {
	quote := byte(0)
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' '):
			return false
		case c == '[' && (i == 0 || line[i-1] == ' '):
			return true
		}
	}
	return false
}

// docRoot is a fresh command tree with cobra's default help, version and
// completion commands and flags, as Execute would see it.
func docRoot() *cobra.Command {
	root := NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	root.InitDefaultHelpCmd()
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	return root
}

// checkCommandLine parses line ("kubectl druid-logs ...") with the real
// command tree without running it: the command exists, every flag exists and
// takes its value, and the arguments fit the command. A synopsis has
// placeholders for values and optional parts, and a completion example
// ("... -o <TAB>") stops where the shell completes, so only their flags'
// names are checked.
func checkCommandLine(line string) error {
	if before, _, ok := strings.Cut(line, "<TAB>"); ok {
		return checkSynopsis(before)
	}
	if isSynopsis(line) {
		return checkSynopsis(line)
	}
	words, err := shellWords(line)
	if err != nil {
		return err
	}
	args := followByDefault(words[2:]) // after "kubectl druid-logs"
	root := docRoot()
	c, flags, err := root.Find(args)
	if err != nil {
		return err
	}
	c.InitDefaultHelpFlag()
	if err := c.ParseFlags(flags); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	if help, _ := c.Flags().GetBool("help"); help {
		return nil
	}
	if err := c.ValidateArgs(c.Flags().Args()); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	return nil
}

// checkSynopsis checks that the command of a synopsis exists and has every
// flag it names.
func checkSynopsis(line string) error {
	cleaned := strings.NewReplacer("[", " ", "]", " ", "|", " ", "...", " ", "…", " ").Replace(line)
	words, err := shellWords(cleaned)
	if err != nil {
		return err
	}
	root := docRoot()
	c, _, err := root.Find(words[2:])
	if err != nil {
		return err
	}
	c.InitDefaultHelpFlag()
	lookup := func(name string) *pflag.Flag {
		if len(name) == 1 {
			if f := c.Flags().ShorthandLookup(name); f != nil {
				return f
			}
			return c.InheritedFlags().ShorthandLookup(name)
		}
		if f := c.Flags().Lookup(name); f != nil {
			return f
		}
		return c.InheritedFlags().Lookup(name)
	}
	for _, w := range words[2:] {
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
		if lookup(name) == nil {
			return fmt.Errorf("%s: unknown flag %s", c.CommandPath(), w)
		}
	}
	return nil
}

func TestDocCommandLinesParse(t *testing.T) {
	total := 0
	for _, path := range docFiles(t) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := extractCommands(strings.TrimPrefix(path, repoRoot+"/"), f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, dc := range cmds {
			total++
			if err := checkCommandLine(dc.line); err != nil {
				t.Errorf("%s: %q does not parse: %v", dc.where, dc.line, err)
			}
		}
	}
	t.Logf("%d command lines checked", total)
	if total < 50 {
		t.Errorf("found only %d command lines in the docs: is the extraction broken?", total)
	}
}

// TestDocCheckerCatchesMistakes shows the checker failing where it must.
func TestDocCheckerCatchesMistakes(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
	}{
		{"kubectl druid-logs follow query-abc123 -n druid --tail 100", true},
		{"kubectl druid-logs query-abc123 -n druid -f", true},
		{"kubectl druid-logs follow --datasource wikipedia -i 'ERROR|WARN' # a comment", true},
		{"kubectl druid-logs list -n druid -o name | xargs -n1 kubectl druid-logs check -q", true},
		{"kubectl druid-logs check TASK_ID [-n NS | -A] [-o json|yaml] [--no-emoji]", true},
		{"kubectl druid-logs --help", true},
		{"kubectl druid-logs version -o <TAB>", true},
		{"kubectl druid-logs version --bogus <TAB>", false},
		{"kubectl druid-logs follow query-abc123 --no-such-flag", false},
		{"kubectl druid-logs follow query-abc123 --tail lots", false},
		{"kubectl druid-logs check", false},
		{"kubectl druid-logs check a b", false},
		{"kubectl druid-logs version extra", false},
		{"kubectl druid-logs chek query-abc123", false},
		{"kubectl druid-logs check TASK_ID [--no-such-flag]", false},
	}
	for _, tt := range tests {
		err := checkCommandLine(tt.line)
		if (err == nil) != tt.ok {
			t.Errorf("checkCommandLine(%q) = %v, want ok=%v", tt.line, err, tt.ok)
		}
	}
}

func TestExtractCommands(t *testing.T) {
	doc := "Run `kubectl druid-logs list -A` first.\n" +
		"```sh\n" +
		"DRUID_OVERLORD_USER=admin DRUID_OVERLORD_PASSWORD=... \\\n" +
		"  kubectl druid-logs follow q -n druid\n" +
		"kubectl get pods\n" +
		"```\n" +
		"```text\n" +
		"$ kubectl druid-logs check q\n" +
		"```\n"
	got, err := extractCommands("x.md", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []docCommand{
		{"x.md:1", "kubectl druid-logs list -A"},
		{"x.md:3", "kubectl druid-logs follow q -n druid"},
		{"x.md:8", "kubectl druid-logs check q"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("extractCommands = %q, want %q", got, want)
	}
}

// TestReadmeExitCodesAreTheTable: the README's exit-code table has the rows
// of exitcode.Table, in order, with the same meanings.
func TestReadmeExitCodesAreTheTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Exit codes\n")
	if !ok {
		t.Fatal(`README.md has no "## Exit codes" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	row := regexp.MustCompile(`(?m)^\|\s*(\d+)\s*\|\s*(.*?)\s*\|\s*$`)
	var got []string
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		code, _ := strconv.Atoi(m[1])
		got = append(got, fmt.Sprintf("%d %s", code, m[2]))
	}
	var want []string
	for _, e := range exitcode.Table {
		want = append(want, fmt.Sprintf("%d %s", e.Code, e.Meaning))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README exit codes:\n%s\n\npkg/exitcode.Table:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// docsURL is the form every --help uses to point to its page.
const docsURL = "https://github.com/druid-logs/kubectl-druid-logs/blob/main/"

// TestHelpHasExamplesAndItsPage: every command's --help shows 2 to 4
// examples, each of which parses, and points to its page in this
// repository (a page that exists, with the heading its anchor names).
func TestHelpHasExamplesAndItsPage(t *testing.T) {
	morePage := regexp.MustCompile(`(?m)^More: ` + regexp.QuoteMeta(docsURL) + `(\S+)$`)
	for _, c := range docRoot().Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			examples := 0
			for _, line := range strings.Split(c.Example, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				examples++
				if strings.HasPrefix(line, "kubectl druid-logs ") {
					if err := checkCommandLine(line); err != nil {
						t.Errorf("example %q does not parse: %v", line, err)
					}
				}
			}
			if examples < 2 || examples > 4 {
				t.Errorf("%d examples, want 2 to 4:\n%s", examples, c.Example)
			}
			m := morePage.FindStringSubmatch(c.Long)
			if m == nil {
				t.Fatalf("Long has no line \"More: %s<page>\":\n%s", docsURL, c.Long)
			}
			file, anchor, _ := strings.Cut(m[1], "#")
			data, err := os.ReadFile(filepath.Join(repoRoot, file))
			if err != nil {
				t.Fatalf("More: names %s: %v", m[1], err)
			}
			if anchor != "" && !hasHeadingAnchor(string(data), anchor) {
				t.Errorf("More: names %s, but %s has no heading with that anchor", m[1], file)
			}
		})
	}
}

// hasHeadingAnchor reports whether a Markdown heading of doc gets the
// anchor GitHub would give it.
func hasHeadingAnchor(doc, anchor string) bool {
	drop := regexp.MustCompile(`[^a-z0-9 _-]`)
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(title), ""), " ", "-")
		if slug == anchor {
			return true
		}
	}
	return false
}
