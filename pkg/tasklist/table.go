package tasklist

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// TableOptions shape the table.
type TableOptions struct {
	// Wide adds JOB, IP and REASON.
	Wide bool
	// WithNamespace adds a leading NAMESPACE column (-A).
	WithNamespace bool
	// WithContext adds a leading CONTEXT column (several kubeconfig contexts).
	WithContext bool
	// NoHeaders leaves the header line out (watch updates, --no-headers).
	NoHeaders bool
}

// Headers returns the column names for opts.
func Headers(opts TableOptions) []string {
	h := []string{"TASK ID", "TYPE", "DATASOURCE", "GROUP", "STATE", "AGE", "POD", "NODE"}
	if opts.WithNamespace {
		h = append([]string{"NAMESPACE"}, h...)
	}
	if opts.WithContext {
		h = append([]string{"CONTEXT"}, h...)
	}
	if opts.Wide {
		h = append(h, "JOB", "IP", "REASON")
	}
	return h
}

// Cells returns a row's cells for opts, in the order of Headers.
func Cells(r Row, opts TableOptions, now time.Time) []string {
	c := []string{orUnknown(r.TaskID), orUnknown(r.Type), orUnknown(r.DataSource), orUnknown(r.GroupID),
		StateText(r), age(r.Created, now), orNone(r.Pod), orNone(r.Node)}
	if opts.WithNamespace {
		c = append([]string{r.Namespace}, c...)
	}
	if opts.WithContext {
		c = append([]string{r.Context}, c...)
	}
	if opts.Wide {
		c = append(c, r.Job, orNone(r.PodIP), oneLine(r.Reason))
	}
	return c
}

// StateText is the STATE cell: the phase with its one-word detail, e.g.
// "RUNNING", "PENDING (ImagePullBackOff)", "STOPPED (OOMKilled)", or
// "DELETED" once a watched Job is gone.
func StateText(r Row) string {
	if r.Deleted {
		return "DELETED"
	}
	if r.Detail != "" {
		return fmt.Sprintf("%s (%s)", r.State, r.Detail)
	}
	return string(r.State)
}

// NewTabWriter returns a tabwriter with kubectl's spacing.
func NewTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
}

// WriteTable writes rows as a kubectl-style table.
func WriteTable(w io.Writer, rows []Row, opts TableOptions, now time.Time) error {
	tw := NewTabWriter(w)
	if !opts.NoHeaders {
		fmt.Fprintln(tw, strings.Join(Headers(opts), "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(Cells(r, opts, now), "\t"))
	}
	return tw.Flush()
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return cellSafe(s)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return cellSafe(s)
}

// cellSafe keeps values from annotations (which may hold anything) from
// breaking the table or the terminal.
func cellSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return cellSafe(s)
}
